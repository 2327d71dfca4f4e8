"""Evacuation of a failed host's instances, each as its own pipeline.

Every instance goes lock, evacuate, confirm, restore its state, unlock;
its progress is persisted as a vmove, so a resumed recovery continues
each instance where it was. Whether to evacuate is always decided from
Nova's own records, read just before: an evacuation in flight or done is
followed, never started again; only a failed one, or none, is retried. A
request whose answer was lost is answered by reading, not by asking again.
"""

import datetime
import logging
import threading
import time

from hahealer import exception
from hahealer import metrics
from hahealer.conf import CONF
from hahealer.tasks import host
from hahealer.tasks import instance_locks

LOG = logging.getLogger(__name__)

#: task states Nova holds while an evacuation (a rebuild) is in flight
REBUILDING = ('rebuilding', 'rebuild_block_device_mapping',
              'rebuild_spawning')
#: statuses of an evacuation record before the destination starts the
#: rebuild: a destination that died has not touched the instance yet
NOT_STARTED = ('accepted', 'pre-migrating')
#: statuses of an evacuation record while Nova is still working on it
IN_PROGRESS = NOT_STARTED + ('migrating', 'running', 'post-migrating')
#: evacuate requests per instance and recovery
MAX_EVACUATIONS = 2
#: Nova's clock and the database's may differ by this much
CLOCK_SKEW = datetime.timedelta(minutes=5)
#: seconds for which the instance list's read of an instance stands in for
#: a read of its own: about as old as a read made before locking would be
LISTED_FRESH = 2.0


def _progress_mark(record, server):
    """What changes while Nova moves an instance: its evacuation record
    and the instance's task and power states."""
    return ((record.status, record.updated_at, record.dest_compute)
            if record else None,
            (server.host, server.task_state, server.power_state))


def _moved_on(before, now):
    """Whether Nova moved the evacuation on between two progress marks. A
    record first seen now (it was not in the shared list yet) is no sign
    of progress by itself: then only the instance tells."""
    if before[0] is None:
        return before[1] != now[1]
    return before != now


def parse_time(value):
    if value is None:
        return None
    return datetime.datetime.fromisoformat(value.rstrip('Z')).replace(
        tzinfo=None)


def recovery_start(notification):
    """The earliest time, by Nova's clock, an evacuation of this
    notification's recovery may have been recorded."""
    return parse_time(notification['created_at']) - CLOCK_SKEW


def made_since(records, since):
    """The evacuation records made from ``since`` on (a record without a
    time counts as one)."""
    return [record for record in records
            if (parse_time(record.created_at) or since) >= since]


class HostRecords:
    """Nova's evacuation records of the failed host, shared by the
    pipelines that follow evacuations: one list every verify_interval for
    the whole host, rather than one per instance, keeps Nova's API free
    for the evacuations themselves."""

    def __init__(self, nova, host_name):
        self._nova = nova
        self._host_name = host_name
        self._lock = threading.Lock()
        self._records = nova.evacuations(host_name)
        self._read_at = time.monotonic()

    def of(self, instance_uuid):
        """The instance's records, no older than verify_interval."""
        with self._lock:
            if time.monotonic() - self._read_at >= CONF.verify_interval:
                self._records = self._nova.evacuations(self._host_name)
                self._read_at = time.monotonic()
            records = self._records
        return [record for record in records
                if record.instance_uuid == instance_uuid]


class InstanceMove:
    """One instance's pipeline: lock, evacuate, confirm, restore, unlock."""

    def __init__(self, task, server_id, host_name, target_host, since,
                 host_records):
        self.task = task
        self.nova = task.nova
        self.db = task.resources.database
        self.notification_uuid = task.context.notification_uuid
        self.server_id = server_id
        self.host_name = host_name
        self.target_host = target_host
        self.since = since
        self._host_records = host_records
        # The first decision reads the batch the task just made; every
        # later one asks Nova about this instance alone.
        self._first_read = True
        self.lock = instance_locks.InstanceLock(
            task, server_id, save=lambda state: self._save(lock=state))
        self.vmove = None

    def _save(self, **values):
        self.vmove = self.db.update_vmove(self.notification_uuid,
                                          self.server_id, **values)

    def _progress(self, message, progress):
        self.task.update_details(message, progress)

    def _first_look(self):
        listed, read_at = self.task.context.listed_servers.pop(
            self.server_id, (None, 0))
        if listed is not None and time.monotonic() - read_at < LISTED_FRESH:
            return listed
        return self.nova.get_server(self.server_id)

    def run(self, target_state):
        """Move the instance; None, or why it could not be saved."""
        first_look = server = self._first_look()
        self.vmove = self.db.start_vmove(
            self.notification_uuid, self.server_id, self.host_name,
            instance_name=server.name, target_state=target_state)
        if self.vmove['status'] in ('succeeded', 'ignored'):
            return None
        if self.vmove['status'] == 'failed':
            # A later attempt (a retry, or the next reserved host) starts
            # the instance over, its lock first, with its own evacuation
            # budget; Nova's records still decide.
            self._save(status='ongoing', evacuations=0, phase='new')
        elif self.vmove['status'] != 'ongoing':
            self._save(status='ongoing')
        self.lock.state = self.vmove['lock']
        try:
            if self.vmove['phase'] == 'new':
                # The lock's own record says how far this got: a resumed
                # run that takes it again only reads what is there.
                self.lock.take(server)
            if self.vmove['phase'] != 'restored':
                server = self._move(server)
                self._restore(server, self.vmove['target_state']
                              or host.target_state(server))
                self._save(phase='restored', dest_host=server.host)
            outcome, message = 'succeeded', None
        except (exception.RecoveryFailed, exception.ComputeError) as exc:
            outcome, message, server = 'failed', exc.message, None
        # A read made after locking shows the lock as it stands.
        self.lock.release(None if server is first_look else server)
        self._save(phase='unlocked', status=outcome, message=message)
        metrics.EVACUATIONS.labels(outcome).inc()
        return message

    # --- evacuate ---------------------------------------------------------

    def _evacuations(self, shared=False):
        """This recovery's evacuation records of the instance, oldest
        first: ``shared`` ones, at most verify_interval old, are enough to
        follow an evacuation; a decision reads fresh ones."""
        if shared or self._first_read:
            self._first_read = False
            records = self._host_records.of(self.server_id)
        else:
            records = self.nova.evacuations(self.host_name, self.server_id)
        return made_since(records, self.since)

    def _move(self, server):
        """The instance on another host, evacuated at most once."""
        while True:
            if server is None:
                server = self.nova.get_server(self.server_id)
            if server.host not in (None, self.host_name):
                return self._settled(server)
            records = self._evacuations()
            live = [record for record in records if not record.failed]
            if live or server.task_state in REBUILDING:
                server = self._follow(live[-1] if live else None, server)
                if server is not None:
                    return server
                continue
            if self.vmove['evacuations'] >= MAX_EVACUATIONS:
                statuses = ', '.join(r.status for r in records) or 'none'
                raise exception.RecoveryFailed(
                    reason=f'Nova did not evacuate instance '
                           f'{self.server_id} from host {self.host_name} '
                           f'after {self.vmove["evacuations"]} requests '
                           f'(its records: {statuses})')
            self._evacuate(server)
            server = None

    def _evacuate(self, server):
        if server.task_state is not None:
            if self.vmove['evacuations']:
                raise exception.RecoveryFailed(
                    reason=f'instance {self.server_id} is {server.task_state}'
                           f' after an evacuation was requested; not '
                           f'resetting a state that is not ours')
            # Nova evacuates only instances with no task in progress; this
            # one (no evacuation holds it) was stuck on the dead host.
            self._reset_to_error(server)
        target_state = self.vmove['target_state'] or host.target_state(server)
        boot = target_state == 'active' or not self.nova.evacuate_keeps_stopped
        self._save(phase='evacuating',
                   evacuations=self.vmove['evacuations'] + 1)
        self._progress(f"Evacuation of instance started: '{self.server_id}'",
                       0.5)
        refusals = []

        def accepted():
            try:
                self.nova.evacuate_server(self.server_id, self.target_host,
                                          boot=boot)
            except exception.ComputeBadRequest as exc:
                # Nova refuses while it still believes the source host up;
                # that ends when the service is forced down or times out.
                if 'still in use' in exc.message:
                    refusals[:] = [exc.message]
                    return False
                raise
            return True

        try:
            self.task.wait_until(
                accepted, CONF.wait_period_after_service_update,
                f'Nova to accept the evacuation of instance '
                f'{self.server_id}')
        except exception.ComputeConflict:
            # Another request holds the instance: the records tell which.
            return
        except exception.ComputeUnavailable as exc:
            self._read_lost_answer(exc)
        except exception.RecoveryFailed as exc:
            if not refusals:
                raise
            raise exception.RecoveryFailed(
                reason=f'{exc.message}; last answer: {refusals[0]}') from exc

    def _read_lost_answer(self, error):
        """The evacuate's answer was lost: Nova may have accepted it. Read
        its records until the request has surely landed or died."""
        LOG.warning('%s; reading Nova\'s records instead of asking again',
                    error.message)

        def recorded():
            if self.nova.get_server(self.server_id).task_state in REBUILDING:
                return True
            return any(not record.failed
                       for record in self.nova.evacuations(
                           self.host_name, self.server_id))

        try:
            self.task.wait_until(recorded, instance_locks.settle_seconds(),
                                 f'a record of the evacuation of instance '
                                 f'{self.server_id}')
        except exception.RecoveryFailed:
            LOG.warning('Nova has no record of the evacuation of instance '
                        '%s: the request was lost', self.server_id)

    def _reset_to_error(self, server):
        self._progress(f"Resetting instance '{self.server_id}' from task "
                       f"state '{server.task_state}' so that Nova accepts "
                       f"its evacuation", 0.45)
        try:
            self.nova.reset_server_state(self.server_id, 'error', retry=False)
        except exception.ComputeUnavailable as exc:
            # It may still land: after an evacuation it would clear the
            # rebuilding state that keeps Nova from accepting a second.
            LOG.warning('%s; waiting until it has landed or died', exc.message)
            lease = self.task.context.lease
            if lease.interrupted.wait(instance_locks.settle_seconds()):
                lease.check()
        self.task.wait_until(
            lambda: self.nova.get_server(self.server_id).task_state is None,
            CONF.wait_period_after_service_update,
            f'Nova to clear the task state of instance {self.server_id}')

    def _follow(self, record, server):
        """Wait for an evacuation in flight: the instance on its new host,
        or None when Nova gave it up (the caller decides again). The
        deadline is Nova's: wait_period_after_evacuation bounds how long
        its record and the instance may stand still, not the whole
        rebuild, so a slow one that moves on is followed to its end."""
        started = time.monotonic()
        seen = _progress_mark(record, server)

        def ended():
            try:
                return looked()
            except exception.ComputeUnavailable as exc:
                # Reading is safe to repeat: Nova's work goes on meanwhile,
                # and the deadline below still bounds the wait.
                LOG.warning('%s; following the evacuation of instance %s '
                            'still', exc.message, self.server_id)
                return None

        def looked():
            latest = self._evacuations(shared=True)[-1:]
            if latest and latest[0].status in IN_PROGRESS:
                # Nova is still at it: no need to read the instance.
                return None
            server = self.nova.get_server(self.server_id)
            if server.host not in (None, self.host_name) and (
                    server.task_state is None):
                return server
            if server.task_state is None and latest and latest[0].failed:
                return 'failed'
            return None

        while True:
            try:
                result = self.task.wait_until(
                    ended, CONF.wait_period_after_evacuation,
                    f'instance {self.server_id} to arrive on another host')
                return None if result == 'failed' else result
            except exception.RecoveryFailed:
                record, mark = self._where_nova_is(record)
                if mark is not None and _moved_on(seen, mark):
                    seen = mark
                    continue
            if self._destination_dead(record):
                return None
            dest = record.dest_compute if record else None
            raise exception.RecoveryFailed(
                reason=f'Nova did not finish evacuating instance '
                       f'{self.server_id} from host {self.host_name}'
                       f'{f" to host {dest}" if dest else ""} within '
                       f'{time.monotonic() - started:.0f} s (its record: '
                       f'{record.status if record else "none yet"}, '
                       f'unchanged for {CONF.wait_period_after_evacuation:g}'
                       f' s); the evacuation goes on, and a retry follows '
                       f'it') from None

    def _where_nova_is(self, record):
        """A fresh read of the evacuation's record and of the instance:
        (the latest record, its progress mark), or (``record``, None) when
        Nova cannot be read."""
        try:
            records = self._evacuations()
            server = self.nova.get_server(self.server_id)
        except exception.ComputeError as exc:
            LOG.warning('%s; the evacuation of instance %s shows no '
                        'progress', exc.message, self.server_id)
            return record, None
        latest = records[-1] if records else record
        return latest, _progress_mark(latest, server)

    def _destination_dead(self, record):
        """An evacuation stuck towards a host that failed too, and that is
        forced down, can never start its rebuild: clear it so that the
        instance can be evacuated elsewhere."""
        if record is None or record.status not in NOT_STARTED or (
                not record.dest_compute):
            return False
        try:
            dest = self.nova.get_compute_service(record.dest_compute)
        except exception.ComputeError:
            return False
        if not dest.forced_down:
            return False
        self._progress(f"Destination host '{record.dest_compute}' of "
                       f"instance '{self.server_id}' failed too and is "
                       f"forced down; evacuating it elsewhere", 0.6)
        self.nova.reset_server_state(self.server_id, 'error')
        return True

    def _settled(self, server):
        """Wait for the instance's task on its new host to end."""
        if server.task_state is None:
            return server
        return self.task.wait_until(
            lambda: (lambda s: s if s.task_state is None else None)(
                self.nova.get_server(self.server_id)),
            CONF.wait_period_after_evacuation,
            f'instance {self.server_id} to settle on host {server.host}')

    # --- restore ----------------------------------------------------------

    def _restore(self, server, target_state):
        if server.vm_state == 'error' and target_state != 'error':
            raise exception.RecoveryFailed(
                reason=f'instance {self.server_id} went to error on host '
                       f'{server.host}')
        if target_state == 'stopped' and server.vm_state != 'stopped':
            if server.task_state is None:
                self.nova.stop_server(self.server_id)
            self.task.wait_until(
                lambda: self.nova.get_server(self.server_id).vm_state
                == 'stopped',
                CONF.wait_period_after_power_off,
                f'evacuated instance {self.server_id} to stop')
        elif target_state == 'error' and server.vm_state != 'error':
            self.nova.reset_server_state(self.server_id, 'error')
        self._progress(f"Instance '{self.server_id}' is on host "
                       f"'{server.host}' in state '{target_state}'", 0.8)
