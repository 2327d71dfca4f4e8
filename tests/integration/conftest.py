"""Integration-test fixtures: the real Nova compute API over HTTP."""

import pytest

from tests.integration.real_nova import RealNovaProcess

# Short enough that a killed host shows down within seconds.
SERVICE_DOWN_TIME = 5


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "real_nova(**options): RealNovaProcess options for the real_nova "
        "fixture, e.g. service_down_time=60 or rpc_timeout=3",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test, for fixtures' teardown.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def real_nova(request, tmp_path):
    """A fresh real Nova per test (it starts in about 3 s).

    Hosts host1, host2 and host3; ``@pytest.mark.real_nova(...)`` passes
    other options to RealNovaProcess. When the test fails, the tail of
    Nova's log is printed with the failure.
    """
    options = {"service_down_time": SERVICE_DOWN_TIME}
    marker = request.node.get_closest_marker("real_nova")
    if marker is not None:
        options.update(marker.kwargs)
    with RealNovaProcess(log_path=tmp_path / "nova.log", **options) as nova:
        yield nova
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            print(f"Nova log ({nova.log_path}), last lines:")
            print(nova.log_tail())
