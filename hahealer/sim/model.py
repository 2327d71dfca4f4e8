"""What the emulated cloud is made of: hosts, services, servers, records.

Plain data; the rules that change it live in ``state``.
"""

import dataclasses
import datetime
import time

# vm_state values, as Nova spells them.
ACTIVE = 'active'
BUILDING = 'building'
STOPPED = 'stopped'
ERROR = 'error'
PAUSED = 'paused'
SUSPENDED = 'suspended'
RESCUED = 'rescued'
SHELVED = 'shelved'
SHELVED_OFFLOADED = 'shelved_offloaded'

# task_state values.
SCHEDULING = 'scheduling'
SPAWNING = 'spawning'
POWERING_OFF = 'powering-off'
POWERING_ON = 'powering-on'
REBUILDING = 'rebuilding'
REBUILD_BLOCK_DEVICE_MAPPING = 'rebuild_block_device_mapping'
REBUILD_SPAWNING = 'rebuild_spawning'

# power_state values (Nova's integer codes).
NOSTATE = 0
RUNNING = 1
PAUSED_POWER = 3
SHUTDOWN = 4
SUSPENDED_POWER = 7

# The API status of a server from its vm_state and task_state, the part of
# Nova's table that states reachable here can produce.
_REBUILD = {task_state: 'REBUILD' for task_state in (
    REBUILDING, REBUILD_BLOCK_DEVICE_MAPPING, REBUILD_SPAWNING)}
_STATUS_BY_STATE = {
    ACTIVE: {'default': 'ACTIVE', **_REBUILD},
    BUILDING: {'default': 'BUILD'},
    STOPPED: {'default': 'SHUTOFF', **_REBUILD},
    ERROR: {'default': 'ERROR', **_REBUILD},
    PAUSED: {'default': 'PAUSED'},
    SUSPENDED: {'default': 'SUSPENDED'},
    RESCUED: {'default': 'RESCUE'},
    SHELVED: {'default': 'SHELVED'},
    SHELVED_OFFLOADED: {'default': 'SHELVED_OFFLOADED'},
}

# What a server seeded in a given vm_state reports as its power state.
SEEDABLE_VM_STATES = {
    ACTIVE: RUNNING,
    STOPPED: SHUTDOWN,
    ERROR: RUNNING,
    PAUSED: PAUSED_POWER,
    SUSPENDED: SUSPENDED_POWER,
    RESCUED: RUNNING,
    SHELVED: SHUTDOWN,
    SHELVED_OFFLOADED: NOSTATE,
}

DEFAULT_ZONE = 'nova'
INTERNAL_ZONE = 'internal'


def status_of(vm_state, task_state):
    by_task = _STATUS_BY_STATE.get(vm_state, {'default': 'UNKNOWN'})
    return by_task.get(task_state, by_task['default'])


def utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


@dataclasses.dataclass
class Rules:
    """How the emulated Nova behaves in time; every knob has a flag."""

    # Seconds without a heartbeat before a compute service shows 'down'.
    service_down_time: float = 60.0
    # Seconds from a compute service's start to its first heartbeat
    # (Nova's INITIAL_REPORTING_DELAY).
    initial_reporting_delay: float = 5.0
    # Seconds between two heartbeats (Nova's report_interval, 10 by
    # default); 0: a killed host's last heartbeat is the moment it died.
    report_interval: float = 0.0
    evacuate_seconds: float = 2.0
    stop_seconds: float = 1.0
    start_seconds: float = 1.0
    build_seconds: float = 1.0
    # Each duration varies by up to this fraction either way.
    jitter: float = 0.0
    # Evacuations in progress at once; the rest wait in FIFO order.
    # 0 means no limit.
    max_concurrent_evacuations: int = 0
    # Seconds an enable/disable call blocks when it targets a compute
    # service that Nova still believes is up but is in fact dead (Nova
    # calls that host over RPC and waits for the RPC timeout).
    rpc_timeout: float = 60.0


@dataclasses.dataclass(frozen=True)
class Context:
    """Who is calling: Nova's request context, reduced to what matters."""

    project_id: str
    user_id: str
    is_admin: bool
    request_id: str


@dataclasses.dataclass
class Flavor:
    internal_id: int
    id: str
    name: str
    ram: int
    vcpus: int
    disk: int
    ephemeral: int = 0
    swap: int = 0
    description: str | None = None
    extra_specs: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Image:
    id: str
    name: str
    min_ram: int = 0
    min_disk: int = 0
    size: int = 21430272
    created_at: datetime.datetime = dataclasses.field(default_factory=utcnow)


DEFAULT_IMAGE_ID = '6f5a5a37-5b1f-4c5e-9d0a-3a2b8f0c1e01'


def default_flavors():
    specs = [('1', 'm1.tiny', 512, 1, 1), ('2', 'm1.small', 2048, 1, 20),
             ('3', 'm1.medium', 4096, 2, 40), ('4', 'm1.large', 8192, 4, 80)]
    return {fid: Flavor(n, fid, name, ram, vcpus, disk)
            for n, (fid, name, ram, vcpus, disk) in enumerate(specs, 1)}


def default_images():
    image = Image(DEFAULT_IMAGE_ID, 'cirros-0.6.2-x86_64-disk')
    return {image.id: image}


@dataclasses.dataclass
class Service:
    id: int
    uuid: str
    binary: str
    host: str
    disabled: bool = False
    disabled_reason: str | None = None
    forced_down: bool = False


@dataclasses.dataclass
class Host:
    """A compute host: its nova-compute service and hypervisor."""

    name: str
    compute: Service
    hypervisor_id: int
    hypervisor_uuid: str
    host_ip: str
    alive: bool = True
    # When the compute service's heartbeats start (monotonic): at once
    # for a host the cloud starts with, after a delay for a revived one.
    first_heartbeat_at: float = dataclasses.field(
        default_factory=time.monotonic)
    # The last heartbeat (monotonic and wall time) while the compute
    # service does not report: since it died, and after it starts again
    # until its first heartbeat.
    silent_since: float | None = None
    last_heartbeat: datetime.datetime | None = None
    # Placement's COMPUTE_STATUS_DISABLED trait when the compute service
    # died: a running service keeps the trait in step with its status, a
    # dead one leaves it as it was.
    disabled_trait: bool = False
    vanished: bool = False
    # Guests of instances evacuated away while this host was down: they
    # still exist on its hypervisor until its compute service starts.
    leftover_guests: set = dataclasses.field(default_factory=set)
    # Work sent to this compute service while it was down, run when it
    # starts again: (seconds it takes, callback).
    parked: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Instance:
    number: int  # Nova's internal id, seen in the libvirt domain name
    uuid: str
    name: str
    project_id: str
    user_id: str
    flavor: Flavor
    image_id: str
    host: str | None
    vm_state: str
    power_state: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    task_state: str | None = None
    metadata: dict = dataclasses.field(default_factory=dict)
    locked_by: str | None = None   # 'owner' or 'admin'
    locked_reason: str | None = None
    launched_at: datetime.datetime | None = None
    fault: dict | None = None

    @property
    def node(self):
        # One hypervisor per compute host, named like the host.
        return self.host


@dataclasses.dataclass
class Migration:
    id: int
    uuid: str
    instance_uuid: str
    source_compute: str | None
    source_node: str | None
    status: str
    user_id: str
    project_id: str
    instance_type_id: int
    created_at: datetime.datetime
    updated_at: datetime.datetime | None = None
    dest_compute: str | None = None
    dest_node: str | None = None
    dest_host: str | None = None
    migration_type: str = 'evacuation'


@dataclasses.dataclass
class InstanceAction:
    action: str
    instance_uuid: str
    request_id: str
    user_id: str
    project_id: str
    start_time: datetime.datetime
    updated_at: datetime.datetime
    message: str | None = None
    events: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Aggregate:
    id: int
    uuid: str
    name: str
    availability_zone: str | None
    hosts: list
    metadata: dict
    created_at: datetime.datetime
    updated_at: datetime.datetime | None = None
