"""Who works on which notification, and when.

A stored notification is claimed with a compare-and-set (new -> running,
with this engine as owner, a new generation and a lease), run on a worker
thread, and finished with its outcome, again only if the row is still this
engine's at that generation. The owner renews the leases of the rows it is
working on; when an engine dies its leases expire and any engine takes the
notifications over (a new generation) and resumes their flows. Periodic
work: resume expired leases, retry errors once, pick up forgotten new
notifications, end what stayed open too long.
"""

import logging
import threading
import time
from concurrent import futures

import tenacity

from hahealer import metrics
from hahealer.db import api as db
from hahealer.engine import lease as lease_mod
from hahealer.engine import recovery as recovery_mod

LOG = logging.getLogger(__name__)

#: an error is retried once: the first attempt and one more (an attempt
#: that ended while Nova may still be evacuating for it does not count)
MAX_ATTEMPTS = 2
#: writing an outcome is retried this many times while the database is away
OUTCOME_WRITES = 5


class Dispatcher:
    def __init__(self, database, recovery, owner, max_workers,
                 lease_seconds, stopping, max_takeovers=3,
                 takeover_settle_seconds=0.0):
        """``takeover_settle_seconds``: how long past an expired lease a
        takeover waits, so that every request the last owner sent (with a
        third of its lease left, at the latest) has landed or died."""
        self._db = database
        self._recovery = recovery
        self.owner = owner
        self._lease_seconds = lease_seconds
        self._max_takeovers = max_takeovers
        self._takeover_settle = takeover_settle_seconds
        self._stopping = stopping
        self._pool = futures.ThreadPoolExecutor(
            max_workers, thread_name_prefix='hahealer-recovery')
        self._leases = {}
        self._lock = threading.Lock()
        self._accepting = True
        self._renewer = None

    # --- lifecycle ----------------------------------------------------

    def start(self):
        self._renewer = threading.Thread(target=self._renew_leases,
                                         name='hahealer-leases', daemon=True)
        self._renewer.start()

    def stop(self, grace_period):
        """Finish running recoveries within ``grace_period``; leave the
        rest resumable by any engine."""
        self._accepting = False
        done = threading.Event()

        def wait_for_pool():
            self._pool.shutdown(wait=True, cancel_futures=True)
            done.set()

        threading.Thread(target=wait_for_pool, daemon=True).start()
        if not done.wait(grace_period):
            with self._lock:
                leases = list(self._leases.values())
            LOG.warning('Recoveries still running after %g s: %s; leaving '
                        'them to be resumed', grace_period,
                        ', '.join(sorted(lease.notification_uuid
                                         for lease in leases)))
            # Their waits end with RecoveryInterrupted, their flows stay
            # resumable and their rows are handed over as they end.
            for lease in leases:
                lease.interrupt('the engine is stopping')
            self._stopping.set()
            done.wait(grace_period)
        self._stopping.set()  # ends the lease renewals

    # --- work ---------------------------------------------------------

    def submit(self, notification_uuid, resume=False):
        """Work on a notification on a free worker, if one wins the claim."""
        if not self._accepting:
            return
        try:
            self._pool.submit(self._work, notification_uuid, resume)
        except RuntimeError:
            # The pool shut down between the check and the submit.
            LOG.info('Not taking notification %s: the engine is stopping',
                     notification_uuid)

    def _work(self, notification_uuid, resume):
        # Nothing may vanish in the pool's future: a notification left
        # running with nobody working on it would wait for its lease.
        try:
            self._claim_and_run(notification_uuid, resume)
        except Exception:
            LOG.exception('Work on notification %s failed outside its '
                          'recovery; its lease will expire and another '
                          'attempt resume it', notification_uuid)

    def _claim_and_run(self, notification_uuid, resume):
        if not self._accepting:
            return
        since = time.monotonic()
        exhausted = None
        if resume:
            takeover = self._db.take_over_notification(
                notification_uuid, self.owner, self._lease_seconds,
                self._max_takeovers, self._takeover_settle)
            generation = takeover and takeover.generation
            exhausted = takeover and takeover.exhausted
        else:
            generation = self._db.claim_notification(
                notification_uuid, self.owner, self._lease_seconds)
        if generation is None:
            return
        lease = lease_mod.Lease(self._db, notification_uuid, self.owner,
                                generation, self._lease_seconds, since)
        with self._lock:
            self._leases[notification_uuid] = lease
        try:
            self._run(lease, exhausted)
        finally:
            with self._lock:
                self._leases.pop(notification_uuid, None)

    def _run(self, lease, exhausted=None):
        notification_uuid = lease.notification_uuid
        notification = self._db.get_notification(notification_uuid)
        LOG.info('%s notification %s (generation %d): %s on host %s',
                 'Giving up' if exhausted else 'Processing',
                 notification_uuid, lease.generation, notification['type'],
                 notification['hostname'])
        try:
            if exhausted:
                result = self._recovery.give_up(notification, lease,
                                                exhausted)
            else:
                result = self._recovery.run(notification, lease)
        except Exception as exc:
            LOG.exception('Recovery of notification %s failed',
                          notification_uuid)
            reason = getattr(exc, 'message', None) or (
                f'{type(exc).__name__}: {exc}')
            result = recovery_mod.Result(db.ERROR, reason)
        if lease.interrupted.is_set():
            # Whatever the run ended with (a database error, say), the
            # work is no longer this engine's to judge.
            result = recovery_mod.Result(recovery_mod.INTERRUPTED)
        if result.status == recovery_mod.INTERRUPTED:
            LOG.info('Notification %s interrupted; another engine may '
                     'resume it now', notification_uuid)
            self._write(lease, 'hand over', self._db.release_notification,
                        notification_uuid, self.owner, lease.generation)
            return
        if not self._write(lease, 'record the outcome of',
                           self._db.finish_notification, notification_uuid,
                           self.owner, lease.generation, result.status,
                           result.reason, held=result.held,
                           counted=result.counted):
            return
        metrics.NOTIFICATIONS.labels(notification['type'],
                                     result.status).inc()
        log = LOG.info if result.status != db.ERROR else LOG.error
        log('Notification %s ended %s%s', notification_uuid, result.status,
            f': {result.reason}' if result.reason else '')

    def _write(self, lease, what, write, *args, **kwargs):
        """Write to the queue, retried while the database is away; True
        if the row was still ours."""
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(OUTCOME_WRITES),
            wait=tenacity.wait_exponential(multiplier=0.5, max=10),
            before_sleep=lambda state: LOG.warning(
                'Could not %s notification %s (%s); trying again', what,
                lease.notification_uuid, state.outcome.exception()),
            reraise=True)
        if retrying(write, *args, **kwargs):
            return True
        LOG.warning('Did not %s notification %s: another engine took it '
                    'over from generation %d', what,
                    lease.notification_uuid, lease.generation)
        return False

    def _renew_leases(self):
        """Renew the rows being worked on, and only those."""
        interval = self._lease_seconds / 6
        while not self._stopping.wait(interval):
            with self._lock:
                leases = list(self._leases.values())
            for lease in leases:
                lease.renew()

    # --- periodic -----------------------------------------------------

    def process_unfinished(self, new_age, expire_age):
        """Resume, retry and expire: the engine's periodic sweep."""
        for notification_uuid in self._db.fail_abandoned(expire_age):
            LOG.error('Notification %s failed: no engine worked on it for '
                      '%g s', notification_uuid, expire_age)
        for notification_uuid in self._db.expired_leases():
            LOG.info('Resuming notification %s whose lease expired',
                     notification_uuid)
            self.submit(notification_uuid, resume=True)
        expired = self._db.expire_notifications(expire_age)
        for notification_uuid in expired:
            LOG.error('Notification %s expired and failed', notification_uuid)
        self._db.fail_exhausted_errors(MAX_ATTEMPTS)
        for notification_uuid in self._db.requeue_errors(MAX_ATTEMPTS):
            LOG.info('Retrying notification %s after an error',
                     notification_uuid)
            self.submit(notification_uuid)
        for notification_uuid in self._db.new_notifications_older_than(
                new_age):
            self.submit(notification_uuid)
