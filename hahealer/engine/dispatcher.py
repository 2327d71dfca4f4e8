"""Who works on which notification, and when.

A stored notification is claimed with a compare-and-set (new -> running,
with this engine as owner and a lease), run on a worker thread, and
finished with its outcome. The owner renews its leases while it works; when
an engine dies its leases expire and any engine takes the notifications over
and resumes their flows. Periodic work: resume expired leases, retry errors
once, pick up forgotten new notifications, expire what stayed open too long.
"""

import logging
import threading
from concurrent import futures

from hahealer import metrics
from hahealer.db import api as db

LOG = logging.getLogger(__name__)

#: an error is retried once: the first attempt and one more
MAX_ATTEMPTS = 2


class Dispatcher:
    def __init__(self, database, recovery, owner, max_workers,
                 lease_seconds, stopping):
        self._db = database
        self._recovery = recovery
        self.owner = owner
        self._lease_seconds = lease_seconds
        self._stopping = stopping
        self._pool = futures.ThreadPoolExecutor(
            max_workers, thread_name_prefix='hahealer-recovery')
        self._running = set()
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
            LOG.warning('Recoveries still running after %g s: %s; leaving '
                        'them to be resumed', grace_period,
                        ', '.join(sorted(self._running)))
            # Waiting tasks end with RecoveryInterrupted, their flows stay
            # resumable and their leases are released as they end.
            self._stopping.set()
            done.wait(grace_period)
        self._stopping.set()  # ends the lease renewals

    @property
    def busy(self):
        with self._lock:
            return len(self._running)

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
        if not self._accepting:
            return
        if resume:
            claimed = self._db.take_over_notification(
                notification_uuid, self.owner, self._lease_seconds)
        else:
            claimed = self._db.claim_notification(
                notification_uuid, self.owner, self._lease_seconds)
        if not claimed:
            return
        with self._lock:
            self._running.add(notification_uuid)
        try:
            self._run(notification_uuid)
        finally:
            with self._lock:
                self._running.discard(notification_uuid)

    def _run(self, notification_uuid):
        notification = self._db.get_notification(notification_uuid)
        LOG.info('Processing notification %s: %s on host %s',
                 notification_uuid, notification['type'],
                 notification['hostname'])
        try:
            result = self._recovery.run(notification)
        except Exception as exc:
            LOG.exception('Recovery of notification %s failed',
                          notification_uuid)
            reason = getattr(exc, 'message', None) or (
                f'{type(exc).__name__}: {exc}')
            self._db.finish_notification(notification_uuid, self.owner,
                                         db.ERROR, reason)
            metrics.NOTIFICATIONS.labels(notification['type'], db.ERROR).inc()
            return
        if result.status is None:
            LOG.info('Notification %s interrupted; another engine may '
                     'resume it now', notification_uuid)
            self._db.release_notification(notification_uuid, self.owner)
            return
        self._db.finish_notification(notification_uuid, self.owner,
                                     result.status, result.reason,
                                     held=result.held)
        metrics.NOTIFICATIONS.labels(notification['type'],
                                     result.status).inc()
        log = LOG.info if result.status != db.ERROR else LOG.error
        log('Notification %s ended %s%s', notification_uuid, result.status,
            f': {result.reason}' if result.reason else '')

    def _renew_leases(self):
        interval = self._lease_seconds / 3
        while not self._stopping.wait(interval):
            try:
                self._db.renew_leases(self.owner, self._lease_seconds)
            except Exception:
                LOG.exception('Could not renew the leases of %s; another '
                              'engine may take its notifications over',
                              self.owner)

    # --- periodic -----------------------------------------------------

    def process_unfinished(self, new_age, expire_age):
        """Resume, retry and expire: the engine's periodic sweep."""
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
