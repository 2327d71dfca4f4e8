"""Faults injected on demand: failing, slow or unanswered requests, broken
or slow evacuations.

One ``Faults`` value is in force at a time; setting a new one replaces it
whole, and ``Faults()`` means no fault at all. Request faults pick their
requests by method, path and, for ``POST /servers/{id}/action``, by the
action's name (``evacuate``, ``lock``...), each a regular expression
searched in the request's.
"""

import dataclasses
import re
import threading

LATENCY_STAGES = ('before', 'after')


@dataclasses.dataclass(frozen=True)
class Faults:
    # Answer matching compute requests with this HTTP status (500, 503...).
    error_status: int | None = None
    error_fraction: float = 1.0
    error_method: str | None = None
    error_path: str | None = None  # regular expression searched in the path
    error_action: str | None = None  # ... in the server action's name
    error_limit: int | None = None  # stop after this many injected errors
    # Delay matching compute requests by this many seconds, 'before' Nova
    # acts (a client that gives up first sees the action land later) or
    # 'after' it acted (the action is done; only the answer is late).
    latency: float = 0.0
    latency_when: str = 'before'
    latency_fraction: float = 1.0
    latency_method: str | None = None
    latency_path: str | None = None
    latency_action: str | None = None
    # Nova acts on matching compute requests, then the answer is lost: the
    # connection is held this many seconds and closed with no reply.
    lose_reply_hold: float | None = None
    lose_reply_fraction: float = 1.0
    lose_reply_method: str | None = None
    lose_reply_path: str | None = None
    lose_reply_action: str | None = None
    lose_reply_limit: int | None = None
    # Evacuations of these instances (or this fraction of all) never finish.
    hang_evacuations: tuple[str, ...] = ()
    hang_fraction: float = 0.0
    # Evacuations of these instances (or this fraction of all) end in ERROR.
    fail_evacuations: tuple[str, ...] = ()
    fail_fraction: float = 0.0
    # Evacuations that start while this is set take this long, not the
    # scenario's evacuate_seconds.
    rebuild_seconds: float | None = None

    @classmethod
    def from_json(cls, data):
        """Build from a JSON object; ValueError names what is wrong."""
        if not isinstance(data, dict):
            raise ValueError('faults must be a JSON object')
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError('unknown fault field(s): %s; known: %s'
                             % (', '.join(unknown), ', '.join(known)))
        values = {}
        for name, value in data.items():
            values[name] = _checked(name, value)
        faults = cls(**values)
        if (faults.error_status is not None
                and not 400 <= faults.error_status <= 599):
            raise ValueError('error_status must be an HTTP error status '
                             '(400-599), not %s' % faults.error_status)
        return faults

    def to_json(self):
        return dataclasses.asdict(self)


_NULLABLE = {'error_status', 'error_method', 'error_path', 'error_action',
             'error_limit', 'latency_method', 'latency_path',
             'latency_action', 'lose_reply_hold', 'lose_reply_method',
             'lose_reply_path', 'lose_reply_action', 'lose_reply_limit',
             'rebuild_seconds'}
_SECONDS = {'latency', 'lose_reply_hold', 'rebuild_seconds'}
_COUNTS = {'error_status', 'error_limit', 'lose_reply_limit'}


def _checked(name, value):
    if value is None:
        if name in _NULLABLE:
            return None
        raise ValueError('%s cannot be null' % name)
    if name.endswith('_evacuations'):
        if (not isinstance(value, list)
                or not all(isinstance(v, str) for v in value)):
            raise ValueError('%s must be a list of instance ids' % name)
        return tuple(value)
    if name.endswith('_fraction'):
        if not _is_number(value) or not 0.0 <= value <= 1.0:
            raise ValueError('%s must be a number from 0 to 1' % name)
        return float(value)
    if name in _SECONDS:
        if not _is_number(value) or value < 0:
            raise ValueError('%s must be a number of seconds >= 0' % name)
        return float(value)
    if name in _COUNTS:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError('%s must be an integer' % name)
        return value
    if name == 'latency_when' and value not in LATENCY_STAGES:
        raise ValueError('latency_when must be one of %s'
                         % ', '.join(LATENCY_STAGES))
    if not isinstance(value, str):
        raise ValueError('%s must be a string' % name)
    if name.endswith(('_path', '_action')):
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError('%s is not a valid regular expression: %s'
                             % (name, exc)) from None
    return value


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclasses.dataclass(frozen=True)
class Request:
    """What faults match a compute request on."""

    method: str
    path: str
    action: str | None = None  # a server action's name


def _matches(request, faults, prefix):
    want_method = getattr(faults, prefix + '_method')
    want_path = getattr(faults, prefix + '_path')
    want_action = getattr(faults, prefix + '_action')
    if want_method and request.method.upper() != want_method.upper():
        return False
    if want_path and re.search(want_path, request.path) is None:
        return False
    return not want_action or (request.action is not None and re.search(
        want_action, request.action) is not None)


class FaultInjector:
    """Decides, request by request, whether a fault applies."""

    def __init__(self, rng):
        self._rng = rng
        self._lock = threading.Lock()
        self._faults = Faults()
        self._injected = {'error': 0, 'lose_reply': 0}

    @property
    def faults(self):
        return self._faults

    def set(self, faults):
        with self._lock:
            self._faults = faults
            self._injected = dict.fromkeys(self._injected, 0)

    def _applies(self, request, prefix, limit):
        """Whether this request draws the fault; counts it if so."""
        f = self._faults
        if limit is not None and self._injected[prefix] >= limit:
            return False
        if not _matches(request, f, prefix):
            return False
        if self._rng.random() >= getattr(f, prefix + '_fraction'):
            return False
        self._injected[prefix] += 1
        return True

    def error_status(self, request):
        """The status to fail this request with, or None."""
        with self._lock:
            f = self._faults
            if f.error_status is None or not self._applies(
                    request, 'error', f.error_limit):
                return None
            return f.error_status

    def latency(self, request):
        """(seconds to delay this request by, 'before' or 'after')."""
        with self._lock:
            f = self._faults
            if (f.latency <= 0 or not _matches(request, f, 'latency')
                    or self._rng.random() >= f.latency_fraction):
                return 0.0, f.latency_when
            return f.latency, f.latency_when

    def lost_reply_hold(self, request):
        """Seconds to hold the connection before dropping the answer to
        this request, or None to answer it."""
        with self._lock:
            f = self._faults
            if f.lose_reply_hold is None or not self._applies(
                    request, 'lose_reply', f.lose_reply_limit):
                return None
            return f.lose_reply_hold

    def evacuation_seconds(self, default):
        """How long an evacuation that starts now takes."""
        with self._lock:
            seconds = self._faults.rebuild_seconds
            return default if seconds is None else seconds

    def evacuation_outcome(self, instance_uuid):
        """'hang', 'fail' or None (the evacuation goes well)."""
        with self._lock:
            f = self._faults
            if (instance_uuid in f.hang_evacuations
                    or self._rng.random() < f.hang_fraction):
                return 'hang'
            if (instance_uuid in f.fail_evacuations
                    or self._rng.random() < f.fail_fraction):
                return 'fail'
            return None
