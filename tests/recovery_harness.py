"""Recoveries run in-process, as the engine runs them, against a compute
API over HTTP (the Nova emulator, or real Nova): the database, the taskflow
persistence and the locks are real; only RPC is left out."""

import datetime
import threading
import time

import pytest

from hahealer.compute import nova
from hahealer.db import api as db_api
from hahealer.db import migration
from hahealer.engine import coordination
from hahealer.engine import lease
from hahealer.engine import recovery
from hahealer.engine import runner
from hahealer.tasks import base

IMAGE = '6f5a5a37-5b1f-4c5e-9d0a-3a2b8f0c1e01'   # the emulator's image
FLAVOR = '1'


class Harness:
    def __init__(self, tmp_path, compute_url):
        self.database = db_api.Database(f'sqlite:///{tmp_path}/hh.sqlite')
        migration.upgrade(self.database.engine)
        self.runner = runner.FlowRunner(f'sqlite:///{tmp_path}/tf.sqlite')
        self.runner.upgrade()
        self.locks = coordination.Coordinator(f'file://{tmp_path}/locks',
                                              'test-engine', 10)
        self.locks.start()
        self.stopping = threading.Event()
        self.resources = base.Resources(
            nova=nova.NovaAPI.for_endpoint(compute_url, timeout=10),
            database=self.database, locks=self.locks,
            stopping=self.stopping)
        self.recovery = recovery.Recovery(self.database, self.runner,
                                          self.resources)

    def segment(self, hosts, method='auto', reserved=(), fencing=None):
        self.database.create_segment('rack1', method)
        for name in hosts:
            driver, params = fencing(name) if fencing else (None, None)
            self.database.create_host(name, 'rack1',
                                      reserved=name in reserved,
                                      fencing_driver=driver,
                                      fencing_params=params)

    def notify(self, notification_type, hostname, payload):
        record, _ = self.database.create_notification({
            'type': notification_type, 'hostname': hostname,
            'generated_time': datetime.datetime.now(datetime.UTC).replace(
                tzinfo=None),
            'payload': payload}, 0)
        return record['notification_uuid']

    def recover(self, notification_uuid, owner='test-engine'):
        """Claim and run a stored notification; return the final record."""
        since = time.monotonic()
        generation = self.database.claim_notification(notification_uuid,
                                                      owner, 60)
        assert generation is not None
        return self._run(notification_uuid, owner, generation, since)

    def resume(self, notification_uuid, owner):
        """Run a notification this owner took over; the final record."""
        record = self.database.get_notification(notification_uuid)
        assert record['owner'] == owner
        return self._run(notification_uuid, owner, record['generation'],
                         time.monotonic())

    def _run(self, notification_uuid, owner, generation, since):
        held = lease.Lease(self.database, notification_uuid, owner,
                           generation, 60, since)
        result = self.recovery.run(
            self.database.get_notification(notification_uuid), held)
        if result.status != recovery.INTERRUPTED:
            self.database.finish_notification(
                notification_uuid, owner, generation, result.status,
                result.reason, held=result.held, counted=result.counted)
        return self.database.get_notification(notification_uuid)

    def host_failure(self, hostname):
        return self.recover(self.notify(
            'COMPUTE_HOST', hostname,
            {'event': 'STOPPED', 'host_status': 'NORMAL'}))

    def messages(self, notification_uuid):
        return [entry['message']
                for task in self.database.workflow_details(notification_uuid)
                for entry in task['progress_details']]

    def close(self):
        self.locks.stop()
        self.runner.close()
        self.database.dispose()
        self.resources.background.shutdown(wait=False)


@pytest.fixture
def harness_factory(conf, tmp_path):
    made = []

    def make(sim):
        harness = Harness(tmp_path, sim.compute_url)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()
