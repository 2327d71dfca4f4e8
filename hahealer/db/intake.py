"""Intake: storing notifications, concurrent ones in one transaction.

Notifications that arrive together are stored by one transaction (group
commit, hahealer.db.group_commit): a few queries for the whole batch, one
commit, and each caller answered after it. Each notification of a batch
is judged on its own, in arrival order, as if stored alone: a duplicate
comes back as the earlier record, a reused id with other content or an
unknown host is that caller's error, and the others are stored. When
another engine stored the same key meanwhile, the batch loses on the
unique key and its notifications are stored again one at a time.
"""

import hashlib
import json
import types

import sqlalchemy as sa
from oslo_utils import uuidutils
from sqlalchemy import exc as sa_exc

from hahealer import exception
from hahealer.db import models
from hahealer.db import queue

N = models.Notification.__table__
K = models.NotificationKey.__table__
# Core statements built once (their cache keys too): the ORM's bookkeeping
# would cost more than the statements.
_HOSTS = sa.select(models.Host.__table__.c.name).where(
    models.Host.__table__.c.name.in_(sa.bindparam('names', expanding=True)))
_KEYS = sa.select(K.c.fingerprint, K.c.notification_uuid,
                  K.c.expires_at).where(
    K.c.fingerprint.in_(sa.bindparam('prints', expanding=True)))
_ROWS = sa.select(N).where(
    N.c.uuid.in_(sa.bindparam('uuids', expanding=True)))
_INSERT_ROWS = sa.insert(N)
_INSERT_KEYS = sa.insert(K)
_TAKE_KEY = sa.update(K).where(
    K.c.fingerprint == sa.bindparam('print'),
    K.c.expires_at == sa.bindparam('old_expires'),
    K.c.notification_uuid == sa.bindparam('old_uuid')).values(
    notification_uuid=sa.bindparam('new_uuid'),
    expires_at=sa.bindparam('new_expires'))
# A concurrent insert of the same key loses on the unique constraint; the
# next try finds the winner's row.
_INSERT_TRIES = 3


class _Raced(Exception):
    """Another engine took over the same expired key first."""


def fingerprint(notification_type, hostname, payload):
    """Same type, host and payload: the same failure reported again."""
    canonical = json.dumps([notification_type, hostname, payload],
                           sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(canonical.encode()).hexdigest()


class IntakeQueries:
    """create_notification, for the engine's RPC endpoint."""

    def create_notification(self, values, duplicate_window):
        """Store a notification; return (record, created).

        A notification whose id is known with the same content, or with the
        fingerprint of one stored within ``duplicate_window`` seconds, is
        not stored again: the earlier record comes back with created False.
        Conflict when the id already names another notification; NotFound
        when its host is in no segment. Returns once the row is committed.
        """
        return self._intake.submit((values, duplicate_window))

    def store_notifications(self, requests):
        """Store (values, duplicate_window) pairs in one transaction.

        Returns, for each, (record, created) or the exception that is that
        notification's answer.
        """
        batch = [(values, window, fingerprint(
            values['type'], values['hostname'], values['payload']))
            for values, window in requests]
        try:
            return self._insert(batch)
        except (sa_exc.IntegrityError, _Raced):
            if len(batch) == 1:
                return [self._insert_alone(batch[0], _INSERT_TRIES - 1)]
            return [self._insert_alone(one, _INSERT_TRIES) for one in batch]

    def _insert_alone(self, one, tries):
        for _ in range(tries):
            try:
                return self._insert([one])[0]
            except (sa_exc.IntegrityError, _Raced):
                continue
            except Exception as exc:
                return exc
        return exception.Conflict(
            reason=f"notification for host {one[0]['hostname']} could not "
                   f"be stored: it is being stored concurrently; send it "
                   f"again")

    def _insert(self, batch):
        with self.transaction() as connection:
            known = _Batch(connection, self.now(connection), batch)
            answers = []
            for values, window, print_ in batch:
                try:
                    answers.append(known.place(values, window, print_))
                except exception.HahealerException as exc:
                    answers.append(exc)
            known.write()
            return [answer if isinstance(answer, Exception)
                    else (queue.notification_to_dict(answer[0]), answer[1])
                    for answer in answers]


class _Batch:
    """What one transaction knows: the hosts, keys and rows its
    notifications name (read once), and what it adds."""

    def __init__(self, connection, now, batch):
        self._connection = connection
        self._now = now
        self._hosts = set(connection.scalars(_HOSTS, {
            'names': list({values['hostname'] for values, _, _ in batch})}))
        #: fingerprint -> (notification uuid, expires at)
        self._keys = {print_: (uuid, expires) for print_, uuid, expires
                      in connection.execute(_KEYS, {
                          'prints': list({p for _, _, p in batch})})}
        wanted = {values['notification_uuid'] for values, _, _ in batch
                  if values.get('notification_uuid')}
        wanted.update(uuid for uuid, expires in self._keys.values()
                      if expires > now)
        #: uuid -> row, stored or added by this batch
        self._rows = {}
        if wanted:
            self._rows = {row.uuid: row for row in connection.execute(
                _ROWS, {'uuids': list(wanted)})}
        self._new_rows = []
        self._new_keys = {}

    def place(self, values, window, print_):
        """One notification: (row, created), or raise its error."""
        if values['hostname'] not in self._hosts:
            raise exception.NotFound(kind='Host', name=values['hostname'])
        given_uuid = values.get('notification_uuid')
        if given_uuid and given_uuid in self._rows:
            existing = self._rows[given_uuid]
            if existing.fingerprint != print_:
                raise exception.Conflict(
                    reason=f'notification_uuid {given_uuid} already names '
                           f'another notification')
            return existing, False
        key = self._keys.get(print_)
        if key is not None and key[1] > self._now and key[0] in self._rows:
            return self._rows[key[0]], False
        row = self._new_row(values, given_uuid, print_)
        expires = queue.later(self._now, window)
        if key is None or print_ in self._new_keys:
            self._new_keys[print_] = {'fingerprint': print_,
                                      'notification_uuid': row.uuid,
                                      'expires_at': expires}
        else:
            # Take over an expired key only if nobody else just did.
            taken = self._connection.execute(_TAKE_KEY, {
                'print': print_, 'old_uuid': key[0], 'old_expires': key[1],
                'new_uuid': row.uuid, 'new_expires': expires})
            if taken.rowcount != 1:
                raise _Raced()
        self._keys[print_] = (row.uuid, expires)
        return row, True

    def _new_row(self, values, given_uuid, print_):
        now = self._now
        status = values.get('status', queue.NEW)
        row = types.SimpleNamespace(
            uuid=given_uuid or uuidutils.generate_uuid(),
            type=values['type'], hostname=values['hostname'],
            generated_time=values['generated_time'],
            payload=values['payload'], fingerprint=print_, status=status,
            reason=values.get('reason'), attempts=0, generation=0,
            takeovers=0, held=False, forced=False, storm_cleared=False,
            owner=None, lease_expires_at=None, started_at=None,
            finished_at=now if status in queue.TERMINAL else None,
            created_at=now, updated_at=now)
        self._new_rows.append(row)
        self._rows[row.uuid] = row
        return row

    def write(self):
        """Insert what the batch added, each table in one statement."""
        if self._new_rows:
            self._connection.execute(
                _INSERT_ROWS, [vars(row) for row in self._new_rows])
        if self._new_keys:
            self._connection.execute(_INSERT_KEYS,
                                     list(self._new_keys.values()))
