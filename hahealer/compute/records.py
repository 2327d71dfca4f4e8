"""What hahealer reads from Nova, as plain frozen records: services,
servers, migration records and aggregates, made from novaclient's
resources."""

import dataclasses

from oslo_utils import strutils


@dataclasses.dataclass(frozen=True)
class ComputeService:
    id: str
    host: str
    binary: str
    status: str            # 'enabled' | 'disabled'
    state: str             # 'up' | 'down'
    forced_down: bool
    disabled_reason: str | None

    @property
    def disabled(self):
        return self.status == 'disabled'

    @property
    def down(self):
        return self.state == 'down'


@dataclasses.dataclass(frozen=True)
class Server:
    id: str
    name: str
    host: str | None
    vm_state: str | None
    task_state: str | None
    power_state: int | None
    locked: bool
    locked_reason: str | None
    metadata: dict

    def metadata_flag(self, key):
        """True when metadata ``key`` holds a true-ish string."""
        return strutils.bool_from_string(self.metadata.get(key, False))


@dataclasses.dataclass(frozen=True)
class Migration:
    """One of Nova's migration records (an evacuation, here)."""

    id: int
    instance_uuid: str
    status: str
    source_compute: str | None
    dest_compute: str | None
    created_at: str | None
    updated_at: str | None

    @property
    def failed(self):
        """Nova gave this one up: no host took it, or its rebuild failed."""
        return self.status in MIGRATION_FAILED


#: statuses of a migration record that Nova will never take further
MIGRATION_FAILED = ('error', 'failed', 'cancelled')


@dataclasses.dataclass(frozen=True)
class Aggregate:
    id: int
    name: str
    hosts: tuple


def to_service(raw):
    return ComputeService(
        id=str(raw.id), host=raw.host, binary=raw.binary,
        status=raw.status, state=raw.state,
        forced_down=bool(getattr(raw, 'forced_down', False)),
        disabled_reason=getattr(raw, 'disabled_reason', None))


def to_server(raw):
    return Server(
        id=raw.id, name=getattr(raw, 'name', ''),
        host=getattr(raw, 'OS-EXT-SRV-ATTR:host', None),
        vm_state=getattr(raw, 'OS-EXT-STS:vm_state', None),
        task_state=getattr(raw, 'OS-EXT-STS:task_state', None),
        power_state=getattr(raw, 'OS-EXT-STS:power_state', None),
        locked=bool(getattr(raw, 'locked', False)),
        locked_reason=getattr(raw, 'locked_reason', None),
        metadata=dict(getattr(raw, 'metadata', {}) or {}))


def to_migration(raw):
    return Migration(
        id=raw.id, instance_uuid=raw.instance_uuid, status=raw.status,
        source_compute=getattr(raw, 'source_compute', None),
        dest_compute=getattr(raw, 'dest_compute', None),
        created_at=getattr(raw, 'created_at', None),
        updated_at=getattr(raw, 'updated_at', None))
