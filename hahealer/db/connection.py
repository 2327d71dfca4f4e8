"""The connection to hahealer's database, shared by its query modules."""

import contextlib
import os
import threading

import sqlalchemy as sa
from sqlalchemy import orm

from hahealer.db import models


def iso(value):
    if value is None:
        return None
    # Always with microseconds, so that the strings sort in time order.
    return value.isoformat(timespec='microseconds') + 'Z'


def ensure_sqlite_directory(connection):
    """Create the directory of a SQLite file URL (the state path)."""
    url = sa.engine.make_url(connection)
    if url.drivername.startswith('sqlite') and url.database not in (
            None, '', ':memory:'):
        os.makedirs(os.path.dirname(os.path.abspath(url.database)),
                    exist_ok=True)


# The database's own clock, as a naive UTC timestamp. Leases are compared
# on this one clock, never on each engine's. SQLite lives in this machine,
# so its clock is this machine's.
_NOW = {
    'postgresql': "SELECT (clock_timestamp() AT TIME ZONE 'UTC')",
    'mysql': 'SELECT UTC_TIMESTAMP(6)',
}


class Connection:
    """Engine and sessions; SQLite writers queue on a lock."""

    def __init__(self, connection, pool_size=10, timeout=None):
        """``timeout``: seconds a networked database may stay silent on
        one connection before the call fails (None: the driver's own).
        An engine bounds it below its lease, so a database cut off
        mid-query cannot hold the engine past the moment it must stop."""
        ensure_sqlite_directory(connection)
        kwargs = {}
        if connection.startswith('sqlite'):
            # Threads share the file; wait for SQLite's write lock.
            kwargs['connect_args'] = {'timeout': 60,
                                      'check_same_thread': False}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size,
                          pool_pre_ping=True)
            if timeout:
                kwargs['connect_args'] = _timeouts(connection, timeout)
        self.engine = sa.create_engine(connection, **kwargs)
        # SQLite lets one writer in at a time, and its busy handler backs
        # off in sleeps of up to 100 ms; queueing this process's
        # transactions on a lock instead keeps latency flat under load.
        self._serialise = contextlib.nullcontext()
        if connection.startswith('sqlite'):
            sa.event.listen(self.engine, 'connect', _sqlite_pragmas)
            self._serialise = threading.Lock()
        self._now_query = _NOW.get(self.engine.dialect.name)
        self._sessions = orm.sessionmaker(self.engine,
                                          expire_on_commit=False)

    @property
    def networked(self):
        """Whether engines on other machines can share this database."""
        return self.engine.dialect.name != 'sqlite'

    def dispose(self):
        self.engine.dispose()

    @contextlib.contextmanager
    def session(self):
        with self._serialise, self._sessions.begin() as session:
            yield session

    @contextlib.contextmanager
    def transaction(self):
        """A Core connection in one transaction, for hot paths."""
        with self._serialise, self.engine.begin() as connection:
            yield connection

    def now(self, session):
        """The database's time, within ``session`` (or a connection)."""
        if self._now_query is None:
            return models.utcnow()
        return session.scalar(sa.text(self._now_query))


def _timeouts(connection, seconds):
    """Driver options that end a call on a silent connection."""
    whole = max(1, int(seconds))
    if connection.startswith('postgresql'):
        # tcp_user_timeout covers a peer that vanished mid-query, which
        # keepalives alone would notice only after minutes.
        return {'connect_timeout': whole,
                'tcp_user_timeout': whole * 1000,
                'keepalives': 1, 'keepalives_idle': whole,
                'keepalives_interval': 1, 'keepalives_count': 3}
    if connection.startswith('mysql'):
        return {'connect_timeout': whole, 'read_timeout': whole,
                'write_timeout': whole}
    return {}


def _sqlite_pragmas(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one engine thread writes.
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.close()
