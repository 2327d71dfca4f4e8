"""What the emulator counts, for tests and benchmarks."""

import collections
import threading

EVACUATION_EVENTS = ('accepted', 'started', 'finished', 'failed',
                     'hung', 'stranded')
INJECTED_FAULTS = ('errors', 'delayed', 'lost_replies')


class Counters:
    """Requests by route and status, and evacuation events.

    Evacuation events: ``accepted`` by the API, ``started`` (left the
    queue and took a slot), ``finished`` (done), ``failed`` (error or
    failed), ``hung`` (will never finish, by fault) and ``stranded`` (the
    destination died under it). ``in_progress`` is how many hold a slot
    now and ``peak_in_progress`` the most that ever did at once.

    ``faults`` counts the requests each kind of fault hit, and
    ``in_flight`` the compute requests being answered (or held) now.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._in_progress = 0
        self._in_flight = 0
        self.reset()

    def reset(self):
        """Zero the counts; the peak restarts from what is running now."""
        with self._lock:
            self._requests = collections.Counter()
            self._statuses = collections.Counter()
            self._evacuations = dict.fromkeys(EVACUATION_EVENTS, 0)
            self._faults = dict.fromkeys(INJECTED_FAULTS, 0)
            self._peak = self._in_progress

    def request(self, route, status):
        with self._lock:
            self._requests[route] += 1
            self._statuses[str(status)] += 1

    def fault(self, kind):
        with self._lock:
            self._faults[kind] += 1

    def in_flight(self, change):
        with self._lock:
            self._in_flight += change

    def evacuation(self, event):
        with self._lock:
            self._evacuations[event] += 1

    def evacuations_in_progress(self, count):
        with self._lock:
            self._in_progress = count
            self._peak = max(self._peak, count)

    def snapshot(self):
        with self._lock:
            evacuations = dict(self._evacuations,
                               in_progress=self._in_progress,
                               peak_in_progress=self._peak)
            return {
                'requests': dict(sorted(self._requests.items())),
                'statuses': dict(sorted(self._statuses.items())),
                'evacuations': evacuations,
                'faults': dict(self._faults),
                'in_flight': self._in_flight,
            }
