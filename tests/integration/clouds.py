"""The two clouds every recovery scenario runs on, started alike.

``nova`` is the real Nova 34 (RealNovaProcess), ``emulator`` is
hahealer's Nova emulator (NovaSimProcess). Both get the same compute
hosts (host1..hostN), the same service_down_time, heartbeat interval and
RPC timeout, and the emulator's durations are close to what Nova's fake
driver takes, so one test with one set of assertions runs on either.
"""

import contextlib

from tests.integration.real_nova import RealNovaProcess
from tests.integration.real_nova import list_images
from tests.nova_sim import NovaSimProcess
from tests.nova_sim import flags

NOVA = "nova"
EMULATOR = "emulator"
KINDS = (NOVA, EMULATOR)

# Nova marks a killed host down within seconds, not a minute. A compute
# service sends its first heartbeat 5 s after it starts (Nova's initial
# reporting delay); below that, a fresh Nova reports its live hosts down
# for a moment and the scheduler finds no valid host.
SERVICE_DOWN_TIME = 10
# Seconds between two heartbeats: a killed host's last one came up to
# this long before it died.
REPORT_INTERVAL = 2
# How long disabling a dead host that Nova still believes up blocks.
RPC_TIMEOUT = 5
# Measured on Nova 34 with the fake driver on the 2-core CI machine: a
# boot about 0.6 s, a stop or start about 0.15-0.2 s, an evacuation from
# the request to the server on its new host about 0.55 s (0.65 s when it
# ends stopped, the power-off included).
EMULATOR_DURATIONS = {
    "build_seconds": 0.6,
    "stop_seconds": 0.15,
    "start_seconds": 0.15,
    "evacuate_seconds": 0.5,
}


def host_names(count):
    return [f"host{number}" for number in range(1, count + 1)]


class Cloud:
    """One running cloud, as the scenarios use it."""

    def __init__(self, kind, process, service_down_time, report_interval):
        self.kind = kind
        self.process = process
        self.service_down_time = service_down_time
        self.report_interval = report_interval
        self.compute_url = process.compute_url
        self.image = list_images(process)[0]["id"]

    def admin_client(self):
        """novaclient as the cloud administrator, at 2.96 on both."""
        return self.process.admin_client()

    def kill_host(self, name):
        self.process.kill_host(name)

    def revive_host(self, name):
        self.process.revive_host(name)

    def log_tail(self):
        if self.kind == NOVA:
            return self.process.log_tail()
        return self.process.stderr()[-4000:]


@contextlib.contextmanager
def started(
    kind,
    log_path,
    hosts=3,
    service_down_time=SERVICE_DOWN_TIME,
    report_interval=REPORT_INTERVAL,
    rpc_timeout=RPC_TIMEOUT,
):
    """Start the cloud ``kind``; stop it on leaving the block."""
    if kind == NOVA:
        process = RealNovaProcess(
            hosts=host_names(hosts),
            service_down_time=service_down_time,
            report_interval=report_interval,
            rpc_timeout=rpc_timeout,
            log_path=log_path,
        )
    elif kind == EMULATOR:
        process = NovaSimProcess(
            *flags(
                hosts=hosts,
                service_down_time=service_down_time,
                report_interval=report_interval,
                rpc_timeout=rpc_timeout,
                **EMULATOR_DURATIONS,
            )
        )
    else:
        raise ValueError(f"no cloud of kind {kind!r}; choose from {KINDS}")
    with process:
        yield Cloud(kind, process, service_down_time, report_interval)
