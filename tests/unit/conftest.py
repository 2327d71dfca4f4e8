"""Unit-test fixtures: a fake Nova, a fake database and locks, clean CONF."""

import contextlib
import types

import pytest

from hahealer.tasks import base
from tests.unit import fakes


class FakeDatabase:
    """Hosts with fencing settings and reserved flags, in memory."""

    def __init__(self):
        self.hosts = {}
        self.vmoves = {}
        self.failed_hosts = set()

    def get_notification(self, notification_uuid):
        return {'notification_uuid': notification_uuid,
                'created_at': '2026-01-01T00:00:00.000000Z'}

    def open_host_failures(self):
        return set(self.failed_hosts)

    def start_vmove(self, notification_uuid, instance_uuid, source_host,
                    instance_name=None, target_state=None):
        return dict(self.vmoves.setdefault(
            (notification_uuid, instance_uuid),
            {'instance_uuid': instance_uuid, 'source_host': source_host,
             'status': 'pending', 'phase': 'new', 'lock': 'none',
             'target_state': target_state, 'evacuations': 0}))

    def update_vmove(self, notification_uuid, instance_uuid, **values):
        vmove = self.vmoves[(notification_uuid, instance_uuid)]
        vmove.update(values)
        return dict(vmove)

    def list_vmoves(self, notification_uuid):
        return [dict(vmove) for (uuid, _), vmove in self.vmoves.items()
                if uuid == notification_uuid]

    def add_host(self, name, reserved=False, on_maintenance=False,
                 fencing_driver=None, fencing_params=None):
        self.hosts[name] = types.SimpleNamespace(
            name=name, reserved=reserved, on_maintenance=on_maintenance,
            fencing_driver=fencing_driver,
            fencing_params=fencing_params or {}, claimed_by=None)

    def get_host(self, name):
        return self.hosts[name]

    def claim_reserved_host(self, name, notification_uuid):
        host = self.hosts[name]
        if host.on_maintenance:
            return False
        if host.reserved or host.claimed_by == notification_uuid:
            host.reserved, host.claimed_by = False, notification_uuid
            return True
        return False


class FakeLocks:
    def __init__(self):
        self.taken = []

    @contextlib.contextmanager
    def lock(self, name, timeout=None):
        self.taken.append(name)
        yield


class Recorder:
    """Collects progress entries as the engine would store them."""

    def __init__(self):
        self.entries = []

    def __call__(self, task_name, entry):
        self.entries.append((task_name, entry))

    def messages(self, task_name=None):
        return [entry.message for name, entry in self.entries
                if task_name in (None, name)]


@pytest.fixture
def nova():
    return fakes.FakeNova()


@pytest.fixture
def database():
    return FakeDatabase()


@pytest.fixture
def progress():
    return Recorder()


@pytest.fixture
def make_task(nova, database, progress):
    """Build a task as a flow would: make_task(TaskClass)."""
    resources = base.Resources(nova=nova, database=database,
                               locks=FakeLocks())

    def make(task_class, name=None):
        context = base.RecoveryContext(notification_uuid='n-1',
                                       record_progress=progress)
        return task_class(context, resources, name=name)

    yield make
    resources.background.shutdown(wait=False)
