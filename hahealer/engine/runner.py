"""Run and resume recovery flows with taskflow persistence.

Every notification has a logbook (its id is the notification's id) in the
[taskflow] connection. A flow that was interrupted (engine killed or
stopped) is loaded from its flow detail and resumed: finished tasks are not
run again; the task that was running runs again. A flow that ended in
failure is run afresh on retry, under a new flow detail.
"""

import contextlib
import dataclasses
import logging

import sqlalchemy as sa
from taskflow import engines
from taskflow import exceptions as tf_exc
from taskflow import states
from taskflow.persistence import backends
from taskflow.persistence import models

from hahealer import exception
from hahealer.db import api as db
from hahealer.tasks import base

LOG = logging.getLogger(__name__)

FINISHED = 'finished'
SKIPPED = 'skipped'
IGNORED = 'ignored'
# The flow ended in an error; a notification's status says the same
# ('error', retried), while its 'failed' means no attempt is left.
ERROR = 'error'
INTERRUPTED = 'interrupted'

# Flow details in these states are taken up where they stopped.
_RESUMABLE = (states.PENDING, states.RUNNING, states.SUSPENDED,
              states.RESUMING)

# SQLite serialises writers; wait for the lock rather than fail.
_SQLITE_ENGINE_ARGS = {'connect_args': {'timeout': 60}}


@dataclasses.dataclass(frozen=True)
class Outcome:
    status: str
    reason: str = ''


def _outcome_of(exc):
    if isinstance(exc, exception.SkipRecovery):
        return Outcome(SKIPPED, exc.message)
    if isinstance(exc, exception.IgnoreRecovery):
        return Outcome(IGNORED, exc.message)
    if isinstance(exc, exception.HahealerException):
        return Outcome(ERROR, exc.message)
    return Outcome(ERROR, f'{type(exc).__name__}: {exc}')


def _wal(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA journal_mode=WAL')
    # No sync per commit: a power cut may cost the flow's last transitions,
    # never its consistency, and a task run again reads before it acts.
    # hahealer's own database, which holds the notifications, keeps FULL.
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.close()


class FlowRunner:
    """Runs flows against one taskflow persistence backend."""

    def __init__(self, connection):
        db.ensure_sqlite_directory(connection)
        conf = {'connection': connection}
        if connection.startswith('sqlite'):
            conf['engine_args'] = _SQLITE_ENGINE_ARGS
        self._backend = backends.fetch(conf)
        if connection.startswith('sqlite'):
            # WAL: a commit per task state costs a third of a rollback
            # journal's, and readers go on while the flow writes.
            sa.event.listen(self._backend.engine, 'connect', _wal)

    def check_reachable(self):
        """Raise StorageFailure unless the database answers."""
        self._backend.get_connection().close()

    def upgrade(self):
        """Create or upgrade taskflow's own schema."""
        with contextlib.closing(self._backend.get_connection()) as conn:
            conn.upgrade()

    def close(self):
        self._backend.close()

    def destroy_logbooks(self, notification_uuids):
        """Delete these notifications' logbooks; those absent are skipped."""
        with contextlib.closing(self._backend.get_connection()) as conn:
            for book_id in notification_uuids:
                try:
                    conn.destroy_logbook(book_id)
                except tf_exc.NotFound:
                    pass

    def _flow_detail(self, conn, book_id, flow_name):
        """The flow detail to run: the resumable one, or a new one."""
        try:
            book = conn.get_logbook(book_id)
        except tf_exc.NotFound:
            book = models.LogBook(book_id, uuid=book_id)
        attempts = [fd for fd in book if fd.name.split('#')[0] == flow_name]
        latest = max(attempts, key=lambda fd: int(fd.name.split('#')[1]),
                     default=None)
        if latest is not None and (latest.state in _RESUMABLE
                                   or latest.state == states.SUCCESS):
            return book, latest
        attempt = 1 if latest is None else int(latest.name.split('#')[1]) + 1
        detail = models.FlowDetail(f'{flow_name}#{attempt}',
                                   uuid=f'{book_id}-{flow_name}-{attempt}')
        book.add(detail)
        conn.save_logbook(book)
        return book, detail

    def run(self, notification_uuid, flow, store, on_task_state=None):
        """Run or resume ``flow`` for one notification; return an Outcome.

        ``on_task_state(task_name, state)`` is called on each task's state
        change. RecoveryInterrupted ends the run with status interrupted,
        leaving the flow resumable.
        """
        with contextlib.closing(self._backend.get_connection()) as conn:
            book, detail = self._flow_detail(conn, notification_uuid,
                                             flow.name)
        if detail.state == states.SUCCESS:
            return Outcome(FINISHED, 'finished before')
        if detail.state in _RESUMABLE and detail.state != states.PENDING:
            LOG.info('Resuming recovery flow %s of notification %s',
                     flow.name, notification_uuid)
        engine = engines.load(flow, store=store, flow_detail=detail,
                              book=book, backend=self._backend,
                              engine='serial')
        if on_task_state is not None:
            def notify(state, details):
                name = details.get('task_name') or details.get('retry_name')
                on_task_state(name, state)
            engine.atom_notifier.register('*', notify)
        try:
            engine.run()
        except base.RecoveryInterrupted:
            return Outcome(INTERRUPTED, 'the engine stopped')
        except tf_exc.WrappedFailure as failures:
            return _outcome_of(failures[0].exception)
        except Exception as exc:
            return _outcome_of(exc)
        return Outcome(FINISHED)
