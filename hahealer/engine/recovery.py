"""From a claimed notification to a finished recovery.

Decides what a notification calls for (its host's segment, maintenance,
storm protection, the segment's recovery method), builds the flows, runs
them and turns the outcome into the notification's final status.
"""

import dataclasses
import logging
import time

from hahealer import exception
from hahealer import metrics
from hahealer import notifications
from hahealer.db import api as db
from hahealer.engine import flows
from hahealer.engine import runner
from hahealer.engine import storm
from hahealer.tasks import base
from hahealer.tasks import evacuation
from hahealer.tasks import instance_locks
from hahealer.tasks import instance_move
from hahealer.tasks import keys

LOG = logging.getLogger(__name__)

HOST_LOCK = 'hahealer-host-{}'
#: a Result's status when the run was cut short (lease lost, engine
#: stopping): the notification is handed over for any engine to resume
INTERRUPTED = 'interrupted'


@dataclasses.dataclass(frozen=True)
class Result:
    """How a recovery run ended, in notification terms."""

    #: a db status, or INTERRUPTED
    status: str
    reason: str | None = None
    held: bool = False
    #: False when the run ended while Nova may still be carrying out an
    #: evacuation it asked for: the retry that follows it is not one of
    #: the notification's attempts
    counted: bool = True


_STATUS_OF_OUTCOME = {
    runner.FINISHED: db.FINISHED,
    runner.SKIPPED: db.FINISHED,
    runner.IGNORED: db.IGNORED,
    runner.ERROR: db.ERROR,
    runner.INTERRUPTED: INTERRUPTED,
}


def _result(outcome):
    return Result(_STATUS_OF_OUTCOME[outcome.status], outcome.reason or None)


class Recovery:
    """Runs the recovery a notification calls for."""

    def __init__(self, database, flow_runner, resources):
        self._db = database
        self._runner = flow_runner
        self._resources = resources

    def run(self, notification, lease):
        """Recover from ``notification``, claimed under ``lease``."""
        hostname = notification['hostname']
        try:
            host = self._db.get_host(hostname)
        except exception.NotFound:
            return Result(db.ERROR, f'host {hostname} is no longer in any '
                                    f'segment')
        if not host.segment.enabled:
            return Result(db.IGNORED, f'segment {host.segment.name} of host '
                                      f'{hostname} is disabled')
        with self._resources.locks.lock(HOST_LOCK.format(hostname)):
            if notification['type'] == notifications.COMPUTE_HOST:
                return self._host_failure(notification, host, lease)
            if host.on_maintenance and (
                    notification['type'] == notifications.PROCESS):
                return Result(db.IGNORED, f'host {hostname} is on '
                                          f'maintenance')
            if notification['type'] == notifications.PROCESS:
                kind, store = flows.PROCESS, {
                    keys.HOST_NAME: hostname,
                    keys.PROCESS_NAME: notification['payload']
                    ['process_name']}
            else:
                kind, store = flows.INSTANCE, {
                    keys.HOST_NAME: hostname,
                    keys.INSTANCE_UUID: notification['payload']
                    ['instance_uuid']}
            return _result(self._run_flow(notification, kind, store, lease))

    def give_up(self, notification, lease, reason):
        """End a notification failed; first take off the instance locks
        its recovery left behind."""
        context = self._context(notification, 'give_up', lease)
        cleaner = evacuation.EvacuateInstancesTask(context, self._resources,
                                                   name='give_up')
        instance_locks.release_late_locks(cleaner)
        return Result(db.FAILED, reason)

    def _context(self, notification, flow_name, lease):
        uuid = notification['notification_uuid']
        return base.RecoveryContext(
            notification_uuid=uuid, lease=lease,
            record_progress=lambda task_name, entry:
                self._db.record_progress(uuid, flow_name, task_name, entry))

    def _run_flow(self, notification, kind, store, lease):
        uuid = notification['notification_uuid']
        context = self._context(notification, kind.name, lease)
        flow = flows.build(kind, context, self._resources)
        started = time.monotonic()
        outcome = self._runner.run(
            uuid, flow, store,
            on_task_state=lambda task_name, state:
                self._db.record_task_state(uuid, kind.name, task_name,
                                           state))
        metrics.RECOVERY_DURATION.labels(kind.name, outcome.status).observe(
            time.monotonic() - started)
        return outcome

    def _host_failure(self, notification, host, lease):
        uuid = notification['notification_uuid']
        hostname = host.name
        segment = host.segment
        store = {keys.HOST_NAME: hostname, keys.SEGMENT_NAME: segment.name}
        if notification['payload']['event'] == notifications.STARTED:
            if not host.on_maintenance:
                return Result(db.IGNORED, f'host {hostname} is not on '
                                          f'maintenance: nothing to undo')
            return _result(self._run_flow(notification, flows.HOST_STARTED,
                                          store, lease))
        # Decided once per notification: a resumed recovery is never held
        # half done.
        if self._db.storm_decision_needed(uuid):
            segment_size = len(self._db.list_hosts(segment.name))
            reason = storm.hold_reason(self._db, hostname, segment.name,
                                       segment_size)
            if reason:
                metrics.STORM_HOLDS.inc()
                LOG.critical(
                    'Storm protection holds the recovery of host %s '
                    '(notification %s): %s. Check the network and the '
                    'monitors; if these hosts really failed, release it '
                    'with: hahealer notification retry --force %s',
                    hostname, uuid, reason, uuid)
                return Result(db.ERROR, f'storm protection: {reason}',
                              held=True)
            if not self._db.clear_storm(uuid, lease.owner, lease.generation):
                return Result(INTERRUPTED)
        if not self._db.start_host_recovery(hostname, uuid):
            return Result(db.IGNORED, f'host {hostname} is on maintenance: '
                                      f'it was recovered already or is '
                                      f'being serviced')
        outcome = None
        for kind in flows.HOST_FLOWS_BY_METHOD[segment.recovery_method]:
            if kind.over_reserved_hosts:
                spares = self._db.reserved_hosts(segment.name,
                                                 exclude=[hostname])
                if not spares:
                    outcome = runner.Outcome(
                        runner.ERROR, f'segment {segment.name} has no '
                                      f'reserved host available')
                    continue
                store = {**store, keys.RESERVED_HOST_LIST: spares}
            outcome = self._run_flow(notification, kind, store, lease)
            if outcome.status != runner.ERROR:
                break
            LOG.warning('Host recovery flow %s for host %s failed: %s',
                        kind.name, hostname, outcome.reason)
        result = _result(outcome)
        if result.status != db.ERROR:
            return result
        moving = self._still_evacuating(notification)
        if not moving:
            return result
        return dataclasses.replace(
            result, counted=False,
            reason=f'{result.reason}. Nova may still be evacuating '
                   f'{", ".join(moving)}: retried until it has ended')

    def _still_evacuating(self, notification):
        """The instances this recovery failed to save whose evacuation
        Nova may still be carrying out: every one of them when Nova cannot
        be read. Ending the notification before such an evacuation ends
        would leave its instance unrestored and unchecked."""
        uuid = notification['notification_uuid']
        failed = [vmove['instance_uuid'] for vmove in
                  self._db.list_vmoves(uuid, filters={'status': 'failed'})]
        if not failed:
            return []
        try:
            records = self._resources.nova.evacuations(
                notification['hostname'])
        except exception.ComputeError as exc:
            LOG.warning('%s; taking the evacuations of notification %s as '
                        'still in flight', exc.message, uuid)
            return sorted(failed)
        in_flight = {record.instance_uuid for record in
                     instance_move.made_since(
                         records, instance_move.recovery_start(notification))
                     if record.status in instance_move.IN_PROGRESS}
        return sorted(set(failed) & in_flight)
