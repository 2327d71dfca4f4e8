"""The base class of every recovery task, built-in or third-party.

A task receives two things when its flow is built:

* ``context``: a :class:`RecoveryContext` for the one notification being
  recovered (its id, where progress goes, the engine's lease on it);
* ``resources``: the engine-wide :class:`Resources` (the compute API and the
  other collaborators a task may need). Tasks never build clients or read
  configuration files themselves.

Tasks may run again: after an engine crash the task that was running is run
once more by the engine that resumes the recovery. Every task checks before
it acts (already disabled, already locked by hahealer, already moved).
"""

import contextlib
import dataclasses
import datetime
import logging
import threading
import time
import typing
from concurrent import futures

from taskflow import task

from hahealer import exception
from hahealer.compute import actions as compute_actions
from hahealer.compute import interface
from hahealer.compute import nova as compute_nova
from hahealer.conf import CONF

if typing.TYPE_CHECKING:
    from hahealer.db import api as db_api

LOG = logging.getLogger(__name__)
_T = typing.TypeVar('_T')


class RecoveryInterrupted(BaseException):  # noqa: N818
    """The engine is stopping: leave the recovery resumable.

    A BaseException on purpose: taskflow reverts a flow on ``Exception``,
    while this one passes through and leaves the flow's persisted state as
    it was (the running task is run again on resume), exactly as if the
    engine had been killed.
    """


@dataclasses.dataclass
class ProgressEntry:
    timestamp: str
    progress: float
    message: str


class Guard(typing.Protocol):
    """An engine's hold on the notification a flow works on
    (hahealer.engine.lease.Lease)."""

    #: set once the hold is lost or the engine stops
    interrupted: threading.Event

    def check(self) -> None:
        """Confirm the hold before an action; RecoveryInterrupted if it is
        lost."""


class Locks(typing.Protocol):
    """Locks shared by every engine (hahealer.engine.coordination)."""

    def lock(self, name: str, timeout: float | None = None
             ) -> contextlib.AbstractContextManager[None]:
        """Hold the shared lock ``name``; RecoveryFailed after
        ``timeout``."""


class Unleased:
    """The guard of a flow run outside an engine (tools, examples): it
    owns nothing that another engine could take over."""

    def __init__(self) -> None:
        self.interrupted = threading.Event()

    def check(self) -> None:
        """Nothing to confirm."""


def _no_progress_sink(task_name: str, entry: ProgressEntry) -> None:
    """Progress goes nowhere when nobody records it (e.g. ad hoc runs)."""


@dataclasses.dataclass
class RecoveryContext:
    """What one recovery's tasks know about the notification."""

    notification_uuid: str
    #: called as record_progress(task_name, ProgressEntry)
    record_progress: typing.Callable[[str, ProgressEntry], None] = (
        _no_progress_sink)
    #: the engine's hold on the notification: ``check()`` before every
    #: action on Nova or on power
    lease: Guard = dataclasses.field(default_factory=Unleased)
    #: the failed host's instances as the instance list read them, by id,
    #: with the time.monotonic() of the read: each pipeline's first look
    #: (hahealer.tasks.instance_move) spares Nova one request per instance
    listed_servers: dict[str, tuple[compute_nova.Server, float]] = (
        dataclasses.field(default_factory=dict))


@dataclasses.dataclass
class Resources:
    """Engine-wide collaborators handed to every task."""

    #: hahealer.compute.nova.NovaAPI, or any other implementation
    nova: interface.Compute
    #: the whole database: segments, hosts, notifications, vmoves (None,
    #: like locks, only where flows are built to be checked, never run)
    database: 'db_api.Database | None' = None
    #: shared locks (hahealer.engine.coordination.Coordinator)
    locks: Locks | None = None
    #: runs the compute calls that must not stall a flow
    background: futures.Executor = dataclasses.field(
        default_factory=lambda: futures.ThreadPoolExecutor(
            max_workers=8, thread_name_prefix='hahealer-background'))
    #: caps evacuations in flight over all recoveries of the engine
    evacuation_slots: threading.Semaphore = dataclasses.field(
        default_factory=lambda: threading.BoundedSemaphore(64))
    #: set when the engine stops for good: waits end with RecoveryInterrupted
    stopping: threading.Event = dataclasses.field(
        default_factory=threading.Event)


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(
        timespec='milliseconds')


class HealerTask(task.Task):  # type: ignore[misc]
    """Base class of recovery tasks.

    Subclasses declare what they need with ``execute``'s arguments (taskflow
    binds them from the flow's store, see hahealer.tasks.keys) and what they
    give with ``default_provides``.
    """

    def __init__(self, context: RecoveryContext, resources: Resources,
                 name: str | None = None, **kwargs: typing.Any) -> None:
        super().__init__(name=name, **kwargs)
        self.context = context
        self.resources = resources

    @property
    def nova(self) -> interface.Compute:
        """The compute API; its actions first confirm the lease."""
        return typing.cast(interface.Compute,
                           GuardedCompute(self.resources.nova,
                                          self.context.lease))

    def update_details(self, message: str, progress: float = 0.0) -> None:
        """Tell the operator what this task is doing, with its progress.

        The entry is kept with the notification's workflow details (not in
        taskflow's logbook: one commit there per message would slow every
        recovery for nothing that resumes it).
        """
        entry = ProgressEntry(timestamp=now_iso(), progress=float(progress),
                              message=message)
        LOG.info('[%s] %s', self.context.notification_uuid, message)
        self.context.record_progress(self.name, entry)

    def wait_until(self, condition: typing.Callable[[], _T], timeout: float,
                   what: str, failure: str | None = None,
                   interval: float | None = None) -> _T:
        """Poll ``condition`` until it returns a true value; return it.

        Checks every ``interval`` seconds ([DEFAULT] verify_interval by
        default) until ``timeout`` seconds have passed, then raises
        RecoveryFailed saying what was awaited, after ``failure`` (and
        records that as this task's last progress entry) when given. Ends
        at once with RecoveryInterrupted when the engine stops. Never a
        fixed sleep: it returns as soon as the condition holds.
        """
        if interval is None:
            interval = CONF.verify_interval
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                reason = f'timed out after {timeout:g} s waiting for {what}'
                if failure:
                    reason = f'{failure}: {reason}'
                    self.update_details(reason, 1.0)
                raise exception.RecoveryFailed(reason=reason)
            lease = self.context.lease
            if (lease.interrupted.wait(min(interval, remaining))
                    or self.resources.stopping.is_set()):
                lease.check()
                raise RecoveryInterrupted(what)


class GuardedCompute:
    """The compute API as tasks see it: every call that changes Nova is
    preceded by ``lease.check()``, so an engine that no longer owns the
    notification at its generation does nothing to Nova; once the lease is
    lost, reads stop too."""

    def __init__(self, nova: interface.Compute, lease: Guard) -> None:
        self._nova = nova
        self._lease = lease

    def __getattr__(self, name: str) -> typing.Any:
        attribute = getattr(self._nova, name)
        if not callable(attribute):
            return attribute
        full_check = name in compute_actions.ACTIONS

        def guarded(*args: typing.Any, **kwargs: typing.Any) -> typing.Any:
            if full_check:
                self._lease.check()
            elif self._lease.interrupted.is_set():
                # Reads are harmless, but useless once the work is lost.
                self._lease.check()
            return attribute(*args, **kwargs)
        return guarded


class NoOpTask(HealerTask):
    """Does nothing: a placeholder for an empty stage in a custom flow."""

    def execute(self) -> None:
        self.update_details('Nothing to do', 1.0)
