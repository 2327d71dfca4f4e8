"""An engine's hold on one notification: the guard before every action.

The claim or takeover gave the row a generation. The engine may act on
Nova or on a host's power only while the row is still its own at that
generation. Asking the database before every action would cost a round
trip each time; instead the lease is known valid, without asking, until
``lease_seconds`` after the start of the last successful renewal (the
database set the expiry no earlier than that). ``check`` passes while at
least a third of the lease remains, and otherwise renews first: an
engine that was stalled past its lease finds, on waking, that it must
renew, and that the row is no longer its own.
"""

import logging
import threading
import time

from hahealer.tasks import base

LOG = logging.getLogger(__name__)


def margin(seconds):
    """What must remain of a lease of ``seconds`` for an action to go
    ahead: a request leaves at least this long before the lease ends."""
    return seconds / 3


class Lease:
    def __init__(self, queue, notification_uuid, owner, generation,
                 seconds, since, clock=time.monotonic):
        """``since``: the clock's reading before the claim was sent."""
        self.notification_uuid = notification_uuid
        self.owner = owner
        self.generation = generation
        self.interrupted = threading.Event()
        self._queue = queue
        self._seconds = seconds
        self._clock = clock
        self._valid_until = since + seconds
        self._why = None
        self._lock = threading.Lock()

    @property
    def margin(self):
        return margin(self._seconds)

    def remaining(self):
        return self._valid_until - self._clock()

    def renew(self):
        """Extend the lease; False (and interrupted) once it is lost."""
        with self._lock:
            if self.interrupted.is_set():
                return False
            started = self._clock()
            try:
                ours = self._queue.renew_lease(
                    self.notification_uuid, self.owner, self.generation,
                    self._seconds)
            except Exception as exc:
                # The database may come back in time; stop before the
                # lease can run out, so nobody else acts beside us.
                if self.remaining() <= self.margin:
                    self._interrupt(
                        f'its lease could not be renewed for '
                        f'{self._seconds - self.remaining():.0f} s '
                        f'({type(exc).__name__})')
                    return False
                LOG.warning('Could not renew the lease of notification %s '
                            '(%s); %.0f s of it remain',
                            self.notification_uuid, type(exc).__name__,
                            self.remaining())
                return True
            if not ours:
                self._interrupt(f'another engine took it over (generation '
                                f'{self.generation} is no longer current)')
                return False
            self._valid_until = started + self._seconds
            return True

    def check(self):
        """Return if the row is still ours; else RecoveryInterrupted."""
        if self.remaining() <= self.margin and not self.interrupted.is_set():
            self.renew()
        if self.interrupted.is_set():
            raise base.RecoveryInterrupted(
                f'notification {self.notification_uuid}: {self._why}')

    def interrupt(self, why):
        with self._lock:
            self._interrupt(why)

    def _interrupt(self, why):
        if not self.interrupted.is_set():
            self._why = why
            LOG.warning('Stopping work on notification %s: %s',
                        self.notification_uuid, why)
            self.interrupted.set()
