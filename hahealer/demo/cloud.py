"""The demo's cloud: the Nova emulator in this process, and IPMI BMCs.

Every host but the last runs instances; the last one is the segment's
reserved host: empty, and disabled in Nova so that nothing is scheduled to
it before a recovery takes it. The cloud is read the way the engine reads
it, through Nova's API.
"""

import dataclasses
import secrets

from hahealer.compute import nova
from hahealer.sim import bmc
from hahealer.sim import scenario
from hahealer.sim import server

HA_METADATA = {'HA_Enabled': 'True'}
RESERVED_REASON = 'reserved host of the demo segment'
BMC_USERNAME = 'admin'
# How long the emulated Nova takes to stop, start or build an instance.
ACTION_SECONDS = 0.3
# How long after a host dies Nova shows its compute service down (what
# quick_evacuate_level 3 waits for).
SERVICE_DOWN_SECONDS = 3.0


@dataclasses.dataclass(frozen=True)
class Instance:
    """An instance as Nova shows it at one moment."""

    id: str
    name: str
    host: str
    vm_state: str
    ha_enabled: bool


def host_names(count):
    return [f'compute-{n}' for n in range(1, count + 1)]


def instance_specs(workload_hosts, count):
    """Instances spread over ``workload_hosts`` in turn.

    On each host every third instance is not HA-enabled; the second
    instance of the first host is stopped, so the host failure shows a
    stopped instance staying stopped.
    """
    width = len(str(count))
    placed = {host: 0 for host in workload_hosts}
    specs = []
    for n in range(count):
        host = workload_hosts[n % len(workload_hosts)]
        position = placed[host]
        placed[host] += 1
        spec = {'host': host, 'name': f'vm-{n + 1:0{width}d}'}
        if position % 3 != 2:
            spec['metadata'] = HA_METADATA
        if host == workload_hosts[0] and position == 1:
            spec['vm_state'] = 'stopped'
        specs.append(spec)
    return specs


class DemoCloud:
    """The emulated cloud; ``fencing_driver`` 'ipmi' starts a BMC per host.
    """

    def __init__(self, hosts, instances, evacuate_seconds, fencing_driver):
        self.hosts = host_names(hosts)
        self.reserved_host = self.hosts[-1]
        self.workload_hosts = self.hosts[:-1]
        self.fencing_driver = fencing_driver
        self._specs = instance_specs(self.workload_hosts, instances)
        self._evacuate_seconds = evacuate_seconds
        self._sim = None
        self._bmcs = None
        self.nova = None

    def start(self):
        self._sim = server.start(scenario.Scenario(
            hosts=self.hosts, instances=self._specs,
            evacuate_seconds=self._evacuate_seconds,
            stop_seconds=ACTION_SECONDS, start_seconds=ACTION_SECONDS,
            build_seconds=ACTION_SECONDS,
            service_down_time=SERVICE_DOWN_SECONDS,
            # Disabling a dead host's service before Nova noticed blocks
            # for Nova's RPC timeout; keep it short.
            rpc_timeout=1.0))
        self.nova = nova.NovaAPI.for_endpoint(self.compute_url, timeout=10)
        self.nova.disable_service(self.reserved_host, RESERVED_REASON)
        if self.fencing_driver == 'ipmi':
            # IPMI 2.0 passwords have at most 20 bytes.
            self._bmcs = bmc.BMCFarm(self.hosts, BMC_USERNAME,
                                     secrets.token_hex(8)).start()
        return self

    def stop(self):
        if self._bmcs is not None:
            self._bmcs.stop()
        if self._sim is not None:
            self._sim.stop()

    @property
    def compute_url(self):
        return self._sim.compute_url

    def fencing_params(self, host):
        """The fencing parameters to register ``host`` with."""
        if self.fencing_driver == 'ipmi':
            return self._bmcs[host].fencing_params()
        return {}

    def power_state(self, host):
        """'on' or 'off' as the host's BMC reports it; None without BMCs."""
        return self._bmcs[host].power_state if self._bmcs else None

    def kill_host(self, host):
        """The host dies: its compute service stops heartbeating."""
        self._sim.cloud.kill_host(host)

    def instances(self):
        """{instance id: Instance} of every instance, as Nova shows them."""
        found = {}
        for host in self.hosts:
            for raw in self.nova.list_servers(host):
                found[raw.id] = Instance(
                    raw.id, raw.name, raw.host, raw.vm_state,
                    raw.metadata_flag('HA_Enabled'))
        return found

    def service_disabled(self, host):
        return self.nova.get_compute_service(host).disabled
