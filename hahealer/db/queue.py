"""The notification queue: ownership and the end of each recovery.

Every change of a notification's state is a compare-and-set on (status,
owner, generation). A claim or a takeover gives the row a new generation,
the fencing token its owner carries: once another engine has taken the row
over, the old owner's renewals and its finish match nothing. Lease times
are the database's, so engines' clocks never meet.
"""

import dataclasses
import datetime

import sqlalchemy as sa

from hahealer import exception
from hahealer.db import connection
from hahealer.db import models
from hahealer.db import paging

NEW = 'new'
RUNNING = 'running'
FINISHED = 'finished'
IGNORED = 'ignored'
ERROR = 'error'
FAILED = 'failed'
STATUSES = (NEW, RUNNING, FINISHED, IGNORED, ERROR, FAILED)
TERMINAL = (FINISHED, IGNORED, FAILED)

N = models.Notification
SORT_KEYS = {key: getattr(N, key) for key in (
    'created_at', 'type', 'generated_time', 'updated_at', 'uuid', 'status')}


@dataclasses.dataclass(frozen=True)
class Takeover:
    generation: int
    #: why it must end failed instead of being resumed, if it must
    exhausted: str | None = None


def notification_to_dict(row):
    return {
        'notification_uuid': row.uuid,
        'type': row.type,
        'hostname': row.hostname,
        'generated_time': connection.iso(row.generated_time),
        'payload': row.payload,
        'status': row.status,
        'reason': row.reason,
        'attempts': row.attempts,
        'takeovers': row.takeovers,
        'generation': row.generation,
        'held': row.held,
        'owner': row.owner,
        'created_at': connection.iso(row.created_at),
        'updated_at': connection.iso(row.updated_at),
        'started_at': connection.iso(row.started_at),
        'finished_at': connection.iso(row.finished_at),
    }


def later(now, seconds):
    return now + datetime.timedelta(seconds=seconds)


class QueueQueries:
    """Notification rows, for the engine and the RPC API."""

    # --- reading ------------------------------------------------------

    def get_notification(self, notification_uuid):
        with self.session() as session:
            return notification_to_dict(
                self._notification(session, notification_uuid))

    def _notification(self, session, notification_uuid):
        row = session.scalar(sa.select(N).filter_by(uuid=notification_uuid))
        if row is None:
            raise exception.NotFound(kind='Notification',
                                     name=notification_uuid)
        return row

    def list_notifications(self, status=None, type=None, hostname=None,
                           since=None, limit=100, marker=None,
                           generated_since=None, sort_keys=None,
                           sort_dirs=None):
        """Newest first, or in the order asked; ``marker`` is the last
        uuid of the previous page."""
        query = sa.select(N)
        if status:
            query = query.filter(N.status == status)
        if type:
            query = query.filter(N.type == type)
        if hostname:
            query = query.filter(N.hostname == hostname)
        if since:
            query = query.filter(N.created_at >= since)
        if generated_since:
            query = query.filter(N.generated_time >= generated_since)
        columns = paging.sort_columns(N, sort_keys, sort_dirs, SORT_KEYS)
        with self.session() as session:
            after = paging.marker_row(session, N, marker)
            rows = session.scalars(paging.page(query, columns, after, limit))
            return [notification_to_dict(row) for row in rows]

    def open_host_failures(self):
        """Hosts whose failure is being recovered or waits to be."""
        with self.session() as session:
            return set(session.scalars(
                sa.select(N.hostname).distinct()
                .filter(N.type == 'COMPUTE_HOST', N.held.is_(False),
                        N.status.in_((NEW, RUNNING)))))

    # --- ownership ----------------------------------------------------

    def _set(self, session, notification_uuid, where, **values):
        """Compare-and-set within ``session``; True if the row matched."""
        result = session.execute(
            sa.update(N).where(N.uuid == notification_uuid, *where)
            .values(**values).execution_options(synchronize_session=False))
        return result.rowcount == 1

    def claim_notification(self, notification_uuid, owner, lease_seconds):
        """new -> running for ``owner``: its generation, or None if lost."""
        with self.session() as session:
            now = self.now(session)
            if not self._set(session, notification_uuid, [N.status == NEW],
                             status=RUNNING, owner=owner, started_at=now,
                             reason=None, updated_at=now,
                             lease_expires_at=later(now, lease_seconds),
                             attempts=N.attempts + 1,
                             generation=N.generation + 1):
                return None
            return self._generation(session, notification_uuid)

    def take_over_notification(self, notification_uuid, owner,
                               lease_seconds, max_takeovers,
                               settle_seconds=0.0):
        """Claim a running notification whose lease expired.

        A Takeover, or None if lost. The lease must have expired
        ``settle_seconds`` ago: by then every request the last owner sent
        has landed or died, and reading Nova tells the whole story.
        Taking over from an engine that vanished counts; past
        ``max_takeovers`` the Takeover says ``exhausted``: the new owner
        only cleans up (its locks) and ends it failed, so a recovery that
        keeps bringing its engines down is not resumed forever. One handed
        over by a stopping engine (no owner) does not count.
        """
        with self.session() as session:
            now = self.now(session)
            row = session.scalar(sa.select(N).filter(
                N.uuid == notification_uuid, N.status == RUNNING,
                N.lease_expires_at < later(now, -settle_seconds)))
            if row is None:
                return None
            vanished = row.owner is not None
            if not self._set(session, notification_uuid,
                             [N.status == RUNNING,
                              N.generation == row.generation,
                              N.lease_expires_at == row.lease_expires_at],
                             owner=owner, updated_at=now,
                             lease_expires_at=later(now, lease_seconds),
                             takeovers=N.takeovers + int(vanished),
                             generation=N.generation + 1):
                return None
            takeovers = row.takeovers + int(vanished)
            exhausted = None
            if takeovers > max_takeovers:
                exhausted = (f'given up after {row.takeovers} takeovers: '
                             f'each engine that worked on it stopped '
                             f'before it ended (last one: {row.owner}). '
                             f'{row.reason or ""}').strip()
            return Takeover(row.generation + 1, exhausted)

    def _generation(self, session, notification_uuid):
        return session.scalar(sa.select(N.generation).filter_by(
            uuid=notification_uuid))

    def _owned(self, owner, generation):
        return [N.status == RUNNING, N.owner == owner,
                N.generation == generation]

    def renew_lease(self, notification_uuid, owner, generation,
                    lease_seconds):
        """Extend the lease; False when the row is no longer ours."""
        with self.session() as session:
            now = self.now(session)
            return self._set(session, notification_uuid,
                             self._owned(owner, generation),
                             lease_expires_at=later(now, lease_seconds))

    def release_notification(self, notification_uuid, owner, generation):
        """Hand it over now, to any engine (this one is stopping)."""
        with self.session() as session:
            now = self.now(session)
            return self._set(session, notification_uuid,
                             self._owned(owner, generation), owner=None,
                             lease_expires_at=now, updated_at=now)

    def finish_notification(self, notification_uuid, owner, generation,
                            status, reason=None, held=False, counted=True):
        """Record the end of a recovery run; False when no longer ours.
        A run not ``counted`` gives its attempt back."""
        with self.session() as session:
            now = self.now(session)
            values = {} if counted else {'attempts': N.attempts - 1}
            return self._set(session, notification_uuid,
                             self._owned(owner, generation), status=status,
                             reason=reason, held=held, owner=None,
                             lease_expires_at=None, finished_at=now,
                             updated_at=now, **values)

    def clear_storm(self, notification_uuid, owner, generation):
        """Store that storm protection let this recovery through."""
        with self.session() as session:
            return self._set(session, notification_uuid,
                             self._owned(owner, generation),
                             storm_cleared=True)

    def storm_decision_needed(self, notification_uuid):
        """False once decided, or when an operator forced it through."""
        with self.session() as session:
            row = self._notification(session, notification_uuid)
            return not (row.forced or row.storm_cleared)

    # --- the periodic sweep -------------------------------------------

    def expired_leases(self):
        with self.session() as session:
            now = self.now(session)
            return list(session.scalars(
                sa.select(N.uuid).filter(N.status == RUNNING,
                                         N.lease_expires_at < now)
                .order_by(N.id)))

    def fail_abandoned(self, seconds):
        """Running rows nobody renewed for ``seconds`` end failed."""
        with self.session() as session:
            before = later(self.now(session), -seconds)
            rows = list(session.execute(
                sa.select(N.uuid, N.generation, N.owner).filter(
                    N.status == RUNNING, N.lease_expires_at < before)))
            failed = []
            for uuid, generation, owner in rows:
                if self._set(session, uuid,
                             [N.status == RUNNING, N.generation == generation],
                             status=FAILED, owner=None, lease_expires_at=None,
                             finished_at=models.utcnow(),
                             reason=f'no engine worked on it for more than '
                                    f'{seconds:g} s (last owner: {owner})'):
                    failed.append(uuid)
            return failed

    def new_notifications_older_than(self, seconds):
        with self.session() as session:
            before = later(self.now(session), -seconds)
            return list(session.scalars(
                sa.select(N.uuid).filter(N.status == NEW,
                                         N.updated_at <= before)
                .order_by(N.id)))

    def requeue_errors(self, max_attempts):
        """Errors not yet retried (and not held) go back to new."""
        with self.session() as session:
            rows = list(session.execute(
                sa.select(N.uuid, N.generation).filter(
                    N.status == ERROR, N.held.is_(False),
                    N.attempts < max_attempts)))
            return [uuid for uuid, generation in rows
                    if self._set(session, uuid,
                                 [N.status == ERROR,
                                  N.generation == generation],
                                 status=NEW, updated_at=models.utcnow())]

    def fail_exhausted_errors(self, max_attempts):
        """Errors retried already end failed."""
        with self.session() as session:
            result = session.execute(
                sa.update(N).where(N.status == ERROR, N.held.is_(False),
                                   N.attempts >= max_attempts)
                .values(status=FAILED, finished_at=models.utcnow(),
                        updated_at=models.utcnow()))
            return result.rowcount

    def expire_notifications(self, seconds):
        """New or error notifications older than ``seconds`` end failed."""
        with self.session() as session:
            before = later(self.now(session), -seconds)
            rows = session.scalars(sa.select(N).filter(
                N.status.in_((NEW, ERROR)), N.created_at <= before))
            uuids = []
            for row in rows:
                if self._set(session, row.uuid,
                             [N.status == row.status,
                              N.generation == row.generation],
                             status=FAILED, finished_at=models.utcnow(),
                             reason=(f'expired: still {row.status} after '
                                     f'{seconds:g} s. {row.reason or ""}'
                                     ).strip()):
                    uuids.append(row.uuid)
            return uuids

    def retry_notification(self, notification_uuid, force=False):
        """An operator's retry: error or failed goes back to new."""
        with self.session() as session:
            row = self._notification(session, notification_uuid)
            if row.status not in (ERROR, FAILED):
                raise exception.Conflict(
                    reason=f'notification {notification_uuid} is '
                           f'{row.status}; only error and failed ones can '
                           f'be retried')
            if row.held and not force:
                raise exception.Conflict(
                    reason=f'notification {notification_uuid} is held by '
                           f'storm protection; release it with --force '
                           f'once the cause is understood')
            if not self._set(session, notification_uuid,
                             [N.status == row.status,
                              N.generation == row.generation],
                             status=NEW, held=False,
                             forced=row.forced or force, attempts=0,
                             takeovers=0, finished_at=None,
                             updated_at=models.utcnow()):
                raise exception.Conflict(
                    reason=f'notification {notification_uuid} changed '
                           f'while being retried; look at it again')
            session.expire_all()
            return notification_to_dict(
                self._notification(session, notification_uuid))

    def failed_hosts_since(self, since, segment_name=None):
        """Hosts with a host failure being or having been recovered."""
        query = (sa.select(N.hostname).distinct()
                 .filter(N.type == 'COMPUTE_HOST', N.started_at >= since,
                         N.status.in_((RUNNING, FINISHED, ERROR, FAILED))))
        if segment_name:
            query = (query.join(models.Host, models.Host.name == N.hostname)
                     .join(models.Segment)
                     .filter(models.Segment.name == segment_name))
        with self.session() as session:
            return set(session.scalars(query))
