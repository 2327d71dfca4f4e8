"""Integration-test fixtures: the real Nova compute API over HTTP, and
the same scenarios on real Nova and on hahealer's emulator."""

import pytest

from tests.integration import clouds
from tests.integration.real_nova import RealNovaProcess
from tests.recovery_harness import Harness

# Short enough that a killed host shows down within seconds.
SERVICE_DOWN_TIME = 5


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "real_nova(**options): RealNovaProcess options for the real_nova "
        "fixture, e.g. service_down_time=60 or rpc_timeout=3",
    )
    config.addinivalue_line(
        "markers",
        "cloud(**options): options of clouds.started for the cloud "
        "fixture, e.g. hosts=4 or service_down_time=60",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test, for fixtures' teardown.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _marker_options(request, name):
    marker = request.node.get_closest_marker(name)
    return {} if marker is None else dict(marker.kwargs)


def _print_log_if_failed(request, title, tail):
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print(f"{title}, last lines:")
        print(tail())


@pytest.fixture
def real_nova(request, tmp_path):
    """A fresh real Nova per test (it starts in about 3 s).

    Hosts host1, host2 and host3; ``@pytest.mark.real_nova(...)`` passes
    other options to RealNovaProcess. When the test fails, the tail of
    Nova's log is printed with the failure.
    """
    options = {"service_down_time": SERVICE_DOWN_TIME}
    options.update(_marker_options(request, "real_nova"))
    with RealNovaProcess(log_path=tmp_path / "nova.log", **options) as nova:
        yield nova
        _print_log_if_failed(
            request, f"Nova log ({nova.log_path})", nova.log_tail
        )


@pytest.fixture(params=clouds.KINDS)
def cloud(request, tmp_path):
    """A fresh cloud per test: real Nova, then the emulator.

    Hosts host1..host3 unless ``@pytest.mark.cloud(hosts=N)``; other
    options of clouds.started likewise. When the test fails, the tail of
    the cloud's log is printed with the failure.
    """
    options = _marker_options(request, "cloud")
    with clouds.started(
        request.param, tmp_path / "nova.log", **options
    ) as started:
        yield started
        _print_log_if_failed(request, f"{started.kind} log", started.log_tail)


@pytest.fixture
def harness(conf, tmp_path, cloud):
    """hahealer's recovery in this process, against the cloud over HTTP."""
    recoveries = Harness(tmp_path, cloud.compute_url)
    yield recoveries
    # A disable sent in the background may still wait for Nova's RPC
    # timeout; let it end before the cloud stops under it.
    recoveries.resources.background.shutdown(wait=True)
    recoveries.close()
