"""Faults injected on demand: failing or slow requests, broken evacuations.

One ``Faults`` value is in force at a time; setting a new one replaces it
whole, and ``Faults()`` means no fault at all.
"""

import dataclasses
import re
import threading


@dataclasses.dataclass(frozen=True)
class Faults:
    # Answer matching compute requests with this HTTP status (500, 503...).
    error_status: int | None = None
    error_fraction: float = 1.0
    error_method: str | None = None
    error_path: str | None = None  # regular expression searched in the path
    error_limit: int | None = None  # stop after this many injected errors
    # Delay matching compute requests by this many seconds.
    latency: float = 0.0
    latency_fraction: float = 1.0
    latency_method: str | None = None
    latency_path: str | None = None
    # Evacuations of these instances (or this fraction of all) never finish.
    hang_evacuations: tuple[str, ...] = ()
    hang_fraction: float = 0.0
    # Evacuations of these instances (or this fraction of all) end in ERROR.
    fail_evacuations: tuple[str, ...] = ()
    fail_fraction: float = 0.0

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


def _checked(name, value):
    if value is None:
        if name in ('error_status', 'error_method', 'error_path',
                    'error_limit', 'latency_method', 'latency_path'):
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
    if name == 'latency':
        if not _is_number(value) or value < 0:
            raise ValueError('latency must be a number of seconds >= 0')
        return float(value)
    if name in ('error_status', 'error_limit'):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError('%s must be an integer' % name)
        return value
    if not isinstance(value, str):
        raise ValueError('%s must be a string' % name)
    if name.endswith('_path'):
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError('%s is not a valid regular expression: %s'
                             % (name, exc)) from exc
    return value


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _matches(method, path, want_method, want_path):
    if want_method and method.upper() != want_method.upper():
        return False
    return not want_path or re.search(want_path, path) is not None


class FaultInjector:
    """Decides, request by request, whether a fault applies."""

    def __init__(self, rng):
        self._rng = rng
        self._lock = threading.Lock()
        self._faults = Faults()
        self._errors_injected = 0

    @property
    def faults(self):
        return self._faults

    def set(self, faults):
        with self._lock:
            self._faults = faults
            self._errors_injected = 0

    def error_status(self, method, path):
        """The status to fail this request with, or None."""
        with self._lock:
            f = self._faults
            if f.error_status is None:
                return None
            if (f.error_limit is not None
                    and self._errors_injected >= f.error_limit):
                return None
            if not _matches(method, path, f.error_method, f.error_path):
                return None
            if self._rng.random() >= f.error_fraction:
                return None
            self._errors_injected += 1
            return f.error_status

    def latency(self, method, path):
        """Seconds to delay this request by."""
        with self._lock:
            f = self._faults
            if (f.latency <= 0
                    or not _matches(method, path, f.latency_method,
                                    f.latency_path)
                    or self._rng.random() >= f.latency_fraction):
                return 0.0
            return f.latency

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
