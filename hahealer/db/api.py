"""Queries: the only module that reads and writes hahealer's database.

Records leave as plain dicts (what RPC replies carry); a host's fencing
secrets only leave through ``get_host`` for the fencing task, and
``host_to_dict`` masks them.
"""

import contextlib
import datetime
import hashlib
import json
import os
import threading
import uuid

import sqlalchemy as sa
from oslo_utils import uuidutils
from sqlalchemy import orm

from hahealer import exception
from hahealer.db import models

NEW = 'new'
RUNNING = 'running'
FINISHED = 'finished'
IGNORED = 'ignored'
ERROR = 'error'
FAILED = 'failed'
STATUSES = (NEW, RUNNING, FINISHED, IGNORED, ERROR, FAILED)
TERMINAL = (FINISHED, IGNORED, FAILED)

RECOVERY_METHODS = ('auto', 'reserved_host', 'auto_priority', 'rh_priority')
MASK = '***'


def fingerprint(notification_type, hostname, payload):
    """Same type, host and payload: the same failure reported again."""
    canonical = json.dumps([notification_type, hostname, payload],
                           sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _iso(value):
    if value is None:
        return None
    # Always with microseconds, so that the strings sort in time order.
    return value.isoformat(timespec='microseconds') + 'Z'


def notification_to_dict(row):
    return {
        'notification_uuid': row.uuid,
        'type': row.type,
        'hostname': row.hostname,
        'generated_time': _iso(row.generated_time),
        'payload': row.payload,
        'status': row.status,
        'reason': row.reason,
        'attempts': row.attempts,
        'held': row.held,
        'owner': row.owner,
        'created_at': _iso(row.created_at),
        'updated_at': _iso(row.updated_at),
        'started_at': _iso(row.started_at),
        'finished_at': _iso(row.finished_at),
    }


def segment_to_dict(row):
    return {
        'uuid': row.uuid,
        'name': row.name,
        'description': row.description,
        'recovery_method': row.recovery_method,
        'enabled': row.enabled,
        'created_at': _iso(row.created_at),
        'updated_at': _iso(row.updated_at),
    }


def _no_secrets(driver_name):
    return ()


def host_to_dict(row, secrets_of=_no_secrets):
    """A host for display: ``secrets_of(driver)`` names what to mask."""
    secret_params = secrets_of(row.fencing_driver)
    params = {key: (MASK if key in secret_params else value)
              for key, value in (row.fencing_params or {}).items()}
    return {
        'uuid': row.uuid,
        'name': row.name,
        'segment': row.segment.name,
        'reserved': row.reserved,
        'on_maintenance': row.on_maintenance,
        'fencing_driver': row.fencing_driver,
        'fencing_params': params,
        'created_at': _iso(row.created_at),
        'updated_at': _iso(row.updated_at),
    }


def ensure_sqlite_directory(connection):
    """Create the directory of a SQLite file URL (the state path)."""
    url = sa.engine.make_url(connection)
    if url.drivername.startswith('sqlite') and url.database not in (
            None, '', ':memory:'):
        os.makedirs(os.path.dirname(os.path.abspath(url.database)),
                    exist_ok=True)


class Database:
    """hahealer's database, shared by every engine."""

    def __init__(self, connection, pool_size=10):
        ensure_sqlite_directory(connection)
        kwargs = {}
        if connection.startswith('sqlite'):
            # Threads share the file; wait for SQLite's write lock.
            kwargs['connect_args'] = {'timeout': 60,
                                      'check_same_thread': False}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size,
                          pool_pre_ping=True)
        self.engine = sa.create_engine(connection, **kwargs)
        # SQLite lets one writer in at a time, and its busy handler backs
        # off in sleeps of up to 100 ms; queueing this process's
        # transactions on a lock instead keeps latency flat under load.
        self._serialise = contextlib.nullcontext()
        if connection.startswith('sqlite'):
            sa.event.listen(self.engine, 'connect', _sqlite_pragmas)
            self._serialise = threading.Lock()
        self._sessions = orm.sessionmaker(self.engine,
                                          expire_on_commit=False)

    def dispose(self):
        self.engine.dispose()

    @contextlib.contextmanager
    def session(self):
        with self._serialise, self._sessions.begin() as session:
            yield session

    # --- notifications ------------------------------------------------------

    def create_notification(self, values, duplicate_window):
        """Store a notification; return (record, created).

        A notification whose id is known, or with the fingerprint of one
        stored within ``duplicate_window`` seconds, is not stored again:
        the earlier record comes back with created False. NotFound when its
        host is in no segment.
        """
        print_ = fingerprint(values['type'], values['hostname'],
                             values['payload'])
        given_uuid = values.get('notification_uuid')
        with self.session() as session:
            if session.scalar(sa.select(models.Host.id).filter_by(
                    name=values['hostname'])) is None:
                raise exception.NotFound(kind='Host', name=values['hostname'])
            if given_uuid:
                existing = session.scalar(sa.select(models.Notification)
                                          .filter_by(uuid=given_uuid))
                if existing is not None:
                    return notification_to_dict(existing), False
            since = models.utcnow() - datetime.timedelta(
                seconds=duplicate_window)
            existing = session.scalar(
                sa.select(models.Notification)
                .filter(models.Notification.fingerprint == print_,
                        models.Notification.created_at >= since)
                .order_by(models.Notification.id.desc()).limit(1))
            if existing is not None:
                return notification_to_dict(existing), False
            row = models.Notification(
                uuid=given_uuid or uuidutils.generate_uuid(),
                type=values['type'], hostname=values['hostname'],
                generated_time=values['generated_time'],
                payload=values['payload'], fingerprint=print_,
                status=values.get('status', NEW),
                reason=values.get('reason'), attempts=0)
            if row.status in TERMINAL:
                row.finished_at = models.utcnow()
            session.add(row)
            session.flush()
            return notification_to_dict(row), True

    def get_notification(self, notification_uuid):
        with self.session() as session:
            return notification_to_dict(
                self._notification(session, notification_uuid))

    def _notification(self, session, notification_uuid):
        row = session.scalar(sa.select(models.Notification)
                             .filter_by(uuid=notification_uuid))
        if row is None:
            raise exception.NotFound(kind='Notification',
                                     name=notification_uuid)
        return row

    def list_notifications(self, status=None, type=None, hostname=None,
                           since=None, limit=100, marker=None):
        """Newest first; ``marker`` is the last uuid of the previous page."""
        query = sa.select(models.Notification)
        if status:
            query = query.filter(models.Notification.status == status)
        if type:
            query = query.filter(models.Notification.type == type)
        if hostname:
            query = query.filter(models.Notification.hostname == hostname)
        if since:
            query = query.filter(models.Notification.created_at >= since)
        with self.session() as session:
            if marker:
                last = self._notification(session, marker)
                query = query.filter(models.Notification.id < last.id)
            rows = session.scalars(
                query.order_by(models.Notification.id.desc()).limit(limit))
            return [notification_to_dict(row) for row in rows]

    def _update_notification(self, notification_uuid, where, **values):
        """Compare-and-set: update only if ``where`` holds; True if so."""
        with self.session() as session:
            result = session.execute(
                sa.update(models.Notification)
                .where(models.Notification.uuid == notification_uuid, *where)
                .values(updated_at=models.utcnow(), **values))
            return result.rowcount == 1

    def claim_notification(self, notification_uuid, owner, lease_seconds):
        """Move a new notification to running for ``owner``; True if won."""
        now = models.utcnow()
        return self._update_notification(
            notification_uuid, [models.Notification.status == NEW],
            status=RUNNING, owner=owner, started_at=now, reason=None,
            lease_expires_at=now + datetime.timedelta(seconds=lease_seconds),
            attempts=models.Notification.attempts + 1)

    def take_over_notification(self, notification_uuid, owner,
                               lease_seconds):
        """Claim a running notification whose owner's lease expired."""
        now = models.utcnow()
        return self._update_notification(
            notification_uuid,
            [models.Notification.status == RUNNING,
             models.Notification.lease_expires_at < now],
            owner=owner,
            lease_expires_at=now + datetime.timedelta(seconds=lease_seconds))

    def expired_leases(self):
        now = models.utcnow()
        with self.session() as session:
            return list(session.scalars(
                sa.select(models.Notification.uuid)
                .filter(models.Notification.status == RUNNING,
                        models.Notification.lease_expires_at < now)
                .order_by(models.Notification.id)))

    def renew_leases(self, owner, lease_seconds):
        expires = models.utcnow() + datetime.timedelta(seconds=lease_seconds)
        with self.session() as session:
            session.execute(
                sa.update(models.Notification)
                .where(models.Notification.owner == owner,
                       models.Notification.status == RUNNING)
                .values(lease_expires_at=expires))

    def release_notification(self, notification_uuid, owner):
        """Let another engine resume it now (this one is stopping)."""
        return self._update_notification(
            notification_uuid,
            [models.Notification.owner == owner,
             models.Notification.status == RUNNING],
            lease_expires_at=models.utcnow())

    def finish_notification(self, notification_uuid, owner, status,
                            reason=None, held=False):
        """Record the end of a recovery run by ``owner``."""
        return self._update_notification(
            notification_uuid,
            [models.Notification.owner == owner,
             models.Notification.status == RUNNING],
            status=status, reason=reason, held=held, owner=None,
            lease_expires_at=None, finished_at=models.utcnow())

    def new_notifications_older_than(self, seconds):
        before = models.utcnow() - datetime.timedelta(seconds=seconds)
        with self.session() as session:
            return list(session.scalars(
                sa.select(models.Notification.uuid)
                .filter(models.Notification.status == NEW,
                        models.Notification.updated_at <= before)
                .order_by(models.Notification.id)))

    def requeue_errors(self, max_attempts):
        """Errors not yet retried (and not held) go back to new."""
        with self.session() as session:
            rows = session.scalars(
                sa.select(models.Notification)
                .filter(models.Notification.status == ERROR,
                        models.Notification.held.is_(False),
                        models.Notification.attempts < max_attempts))
            uuids = []
            for row in rows:
                row.status = NEW
                uuids.append(row.uuid)
            return uuids

    def fail_exhausted_errors(self, max_attempts):
        """Errors retried already end failed."""
        with self.session() as session:
            result = session.execute(
                sa.update(models.Notification)
                .where(models.Notification.status == ERROR,
                       models.Notification.held.is_(False),
                       models.Notification.attempts >= max_attempts)
                .values(status=FAILED, finished_at=models.utcnow(),
                        updated_at=models.utcnow()))
            return result.rowcount

    def expire_notifications(self, seconds):
        """New or error notifications older than ``seconds`` end failed."""
        before = models.utcnow() - datetime.timedelta(seconds=seconds)
        with self.session() as session:
            rows = session.scalars(
                sa.select(models.Notification)
                .filter(models.Notification.status.in_((NEW, ERROR)),
                        models.Notification.created_at <= before))
            uuids = []
            for row in rows:
                row.reason = (f'expired: still {row.status} after '
                              f'{seconds:g} s. {row.reason or ""}').strip()
                row.status = FAILED
                row.finished_at = models.utcnow()
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
            row.status = NEW
            row.held = False
            row.forced = row.forced or force
            row.attempts = 0
            row.finished_at = None
            return notification_to_dict(row)

    def is_forced(self, notification_uuid):
        with self.session() as session:
            return self._notification(session, notification_uuid).forced

    def failed_hosts_since(self, since, segment_name=None):
        """Hosts with a host failure being or having been recovered."""
        query = (sa.select(models.Notification.hostname).distinct()
                 .filter(models.Notification.type == 'COMPUTE_HOST',
                         models.Notification.started_at >= since,
                         models.Notification.status.in_(
                             (RUNNING, FINISHED, ERROR, FAILED))))
        if segment_name:
            query = (query.join(models.Host, models.Host.name
                                == models.Notification.hostname)
                     .join(models.Segment)
                     .filter(models.Segment.name == segment_name))
        with self.session() as session:
            return set(session.scalars(query))

    # --- workflow ---------------------------------------------------------

    def record_task_state(self, notification_uuid, flow, task_name, state):
        with self.session() as session:
            row = session.scalar(sa.select(models.WorkflowTask).filter_by(
                notification_uuid=notification_uuid, flow=flow,
                name=task_name))
            if row is None:
                session.add(models.WorkflowTask(
                    notification_uuid=notification_uuid, flow=flow,
                    name=task_name, state=state))
            else:
                row.state = state

    def record_progress(self, notification_uuid, flow, task_name, entry):
        timestamp = datetime.datetime.fromisoformat(entry.timestamp)
        with self.session() as session:
            session.add(models.ProgressEntry(
                notification_uuid=notification_uuid, flow=flow,
                task_name=task_name,
                timestamp=timestamp.replace(tzinfo=None),
                progress=entry.progress, message=entry.message))

    def workflow_details(self, notification_uuid):
        """Each task in execution order, with its progress entries."""
        with self.session() as session:
            self._notification(session, notification_uuid)
            tasks = session.scalars(
                sa.select(models.WorkflowTask)
                .filter_by(notification_uuid=notification_uuid)
                .order_by(models.WorkflowTask.id))
            entries = session.scalars(
                sa.select(models.ProgressEntry)
                .filter_by(notification_uuid=notification_uuid)
                .order_by(models.ProgressEntry.id))
            by_task = {}
            for entry in entries:
                by_task.setdefault((entry.flow, entry.task_name), []).append({
                    'timestamp': _iso(entry.timestamp),
                    'progress': entry.progress,
                    'message': entry.message})
            return [{'flow': task.flow, 'name': task.name,
                     'state': task.state,
                     'progress_details': by_task.get((task.flow, task.name),
                                                     [])}
                    for task in tasks]

    # --- segments ---------------------------------------------------------

    def create_segment(self, name, recovery_method, description=None,
                       enabled=True):
        _check_recovery_method(recovery_method)
        with self.session() as session:
            if session.scalar(sa.select(models.Segment)
                              .filter_by(name=name)) is not None:
                raise exception.Conflict(
                    reason=f'segment {name} already exists')
            row = models.Segment(uuid=str(uuid.uuid4()), name=name,
                                 recovery_method=recovery_method,
                                 description=description, enabled=enabled)
            session.add(row)
            session.flush()
            return segment_to_dict(row)

    def _segment(self, session, name_or_uuid):
        row = session.scalar(sa.select(models.Segment).filter(sa.or_(
            models.Segment.name == name_or_uuid,
            models.Segment.uuid == name_or_uuid)))
        if row is None:
            raise exception.NotFound(kind='Segment', name=name_or_uuid)
        return row

    def get_segment(self, name_or_uuid):
        with self.session() as session:
            return segment_to_dict(self._segment(session, name_or_uuid))

    def list_segments(self):
        with self.session() as session:
            return [segment_to_dict(row) for row in session.scalars(
                sa.select(models.Segment).order_by(models.Segment.name))]

    def update_segment(self, name_or_uuid, **values):
        if 'recovery_method' in values:
            _check_recovery_method(values['recovery_method'])
        allowed = {'name', 'description', 'recovery_method', 'enabled'}
        _check_fields('segment', values, allowed)
        with self.session() as session:
            row = self._segment(session, name_or_uuid)
            for key, value in values.items():
                setattr(row, key, value)
            session.flush()
            return segment_to_dict(row)

    def delete_segment(self, name_or_uuid):
        with self.session() as session:
            row = self._segment(session, name_or_uuid)
            if row.hosts:
                raise exception.Conflict(
                    reason=f'segment {row.name} still has hosts: '
                           f'{", ".join(h.name for h in row.hosts)}')
            session.delete(row)

    # --- hosts ------------------------------------------------------------

    def create_host(self, name, segment, reserved=False,
                    on_maintenance=False, fencing_driver=None,
                    fencing_params=None, secrets_of=_no_secrets):
        with self.session() as session:
            segment_row = self._segment(session, segment)
            if session.scalar(sa.select(models.Host)
                              .filter_by(name=name)) is not None:
                raise exception.Conflict(reason=f'host {name} already '
                                                f'exists')
            row = models.Host(uuid=str(uuid.uuid4()), name=name,
                              segment=segment_row, reserved=reserved,
                              on_maintenance=on_maintenance,
                              fencing_driver=fencing_driver,
                              fencing_params=fencing_params or {})
            session.add(row)
            session.flush()
            return host_to_dict(row, secrets_of)

    def _host(self, session, name_or_uuid):
        row = session.scalar(
            sa.select(models.Host)
            .options(orm.joinedload(models.Host.segment))
            .filter(sa.or_(models.Host.name == name_or_uuid,
                           models.Host.uuid == name_or_uuid)))
        if row is None:
            raise exception.NotFound(kind='Host', name=name_or_uuid)
        return row

    def get_host(self, name_or_uuid):
        """The host row itself, secrets included, detached: internal use."""
        with self.session() as session:
            return self._host(session, name_or_uuid)

    def show_host(self, name_or_uuid, secrets_of=_no_secrets):
        with self.session() as session:
            return host_to_dict(self._host(session, name_or_uuid),
                                secrets_of)

    def list_hosts(self, segment=None, secrets_of=_no_secrets):
        query = sa.select(models.Host).order_by(models.Host.name)
        with self.session() as session:
            if segment:
                query = query.filter(models.Host.segment_id
                                     == self._segment(session, segment).id)
            return [host_to_dict(row, secrets_of)
                    for row in session.scalars(query)]

    def update_host(self, name_or_uuid, secrets_of=_no_secrets, **values):
        allowed = {'name', 'segment', 'reserved', 'on_maintenance',
                   'fencing_driver', 'fencing_params'}
        _check_fields('host', values, allowed)
        with self.session() as session:
            row = self._host(session, name_or_uuid)
            if 'segment' in values:
                row.segment = self._segment(session, values.pop('segment'))
            if values.get('on_maintenance') is False:
                row.maintenance_notification = None
            if values.get('reserved'):
                row.claimed_by = None
            for key, value in values.items():
                setattr(row, key, value)
            session.flush()
            return host_to_dict(row, secrets_of)

    def delete_host(self, name_or_uuid):
        with self.session() as session:
            session.delete(self._host(session, name_or_uuid))

    def start_host_recovery(self, name, notification_uuid):
        """Put the host on maintenance for this recovery; True if won.

        Atomic across engines: a host already on maintenance for another
        reason or recovery is not recovered again. The host stops being a
        reserved host.
        """
        with self.session() as session:
            result = session.execute(
                sa.update(models.Host)
                .where(models.Host.name == name, sa.or_(
                    models.Host.on_maintenance.is_(False),
                    models.Host.maintenance_notification
                    == notification_uuid))
                .values(on_maintenance=True, reserved=False,
                        maintenance_notification=notification_uuid,
                        updated_at=models.utcnow()))
            return result.rowcount == 1

    def reserved_hosts(self, segment_name, exclude=()):
        """Reserved hosts of a segment that may take instances, in order."""
        with self.session() as session:
            segment = self._segment(session, segment_name)
            return list(session.scalars(
                sa.select(models.Host.name)
                .filter(models.Host.segment_id == segment.id,
                        models.Host.reserved.is_(True),
                        models.Host.on_maintenance.is_(False),
                        models.Host.name.not_in(exclude or ('',)))
                .order_by(models.Host.name)))

    def claim_reserved_host(self, name, notification_uuid):
        """Take a reserved host for one recovery; True if it is ours."""
        with self.session() as session:
            result = session.execute(
                sa.update(models.Host)
                .where(models.Host.name == name,
                       models.Host.on_maintenance.is_(False),
                       sa.or_(models.Host.reserved.is_(True),
                              models.Host.claimed_by == notification_uuid))
                .values(reserved=False, claimed_by=notification_uuid,
                        updated_at=models.utcnow()))
            return result.rowcount == 1


def _check_recovery_method(method):
    if method not in RECOVERY_METHODS:
        raise exception.Invalid(
            reason=f"recovery method '{method}' is not one of "
                   f"{', '.join(RECOVERY_METHODS)}")


def _check_fields(kind, values, allowed):
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise exception.Invalid(
            reason=f"cannot update {', '.join(unknown)} of a {kind}; "
                   f"updatable: {', '.join(sorted(allowed))}")


def _sqlite_pragmas(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one engine thread writes.
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.close()
