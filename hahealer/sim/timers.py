"""One thread that runs callbacks when their time comes.

Every delayed effect of the emulator (an evacuation finishing, a server
stopping) is a callback on this queue, so hundreds of actions in flight
cost one thread and a heap, not one thread each.
"""

import heapq
import itertools
import logging
import threading
import time

LOG = logging.getLogger(__name__)


class TimerQueue:
    def __init__(self, name='nova-sim-timers'):
        self._heap = []
        self._order = itertools.count()
        self._wakeup = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name=name,
                                        daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        with self._wakeup:
            self._stopped = True
            self._heap.clear()
            self._wakeup.notify()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def call_later(self, delay, callback):
        """Run ``callback()`` on the timer thread after ``delay`` seconds."""
        due = time.monotonic() + max(0.0, delay)
        with self._wakeup:
            heapq.heappush(self._heap, (due, next(self._order), callback))
            self._wakeup.notify()

    def _next_due(self):
        """Wait for the earliest callback that is due; None once stopped."""
        with self._wakeup:
            while not self._stopped:
                if not self._heap:
                    self._wakeup.wait()
                    continue
                due = self._heap[0][0]
                wait = due - time.monotonic()
                if wait <= 0:
                    return heapq.heappop(self._heap)[2]
                self._wakeup.wait(wait)
            return None

    def _run(self):
        while (callback := self._next_due()) is not None:
            try:
                callback()
            except Exception:
                # One broken callback must not stop every later action.
                LOG.exception('Timer callback %r failed', callback)
