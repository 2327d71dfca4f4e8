"""Checks for every value that crosses the RPC boundary.

One place for the rules, so every method answers bad input the same way:
with ``exception.Invalid`` naming the field and what is wrong, quoting
at most QUOTE_LENGTH characters of the value (errors end up in logs).
Each validator takes ``(value, field)`` and returns the value normalised;
``checked`` applies them to a method's arguments.
"""

import datetime
import functools
import inspect
import math
import uuid

from oslo_utils import timeutils

from hahealer import exception

QUOTE_LENGTH = 80
#: deepest nesting of lists and objects in a free-form JSON value
MAX_DEPTH = 16
#: longest string, and most items in one list or object, of free JSON
MAX_TEXT = 4096
MAX_ITEMS = 256
#: the dates a notification or a filter may name
EARLIEST = datetime.datetime(1970, 1, 1)
LATEST = datetime.datetime(9999, 12, 30)


def quote(value):
    """``value``'s repr, cut to QUOTE_LENGTH characters."""
    text = repr(value)
    if len(text) <= QUOTE_LENGTH:
        return text
    return f'{text[:QUOTE_LENGTH]}... ({len(text)} characters)'


def _invalid(field, what):
    return exception.Invalid(reason=f'{field}: {what}')


def _type_name(value):
    return {dict: 'an object', list: 'a list', str: 'a string',
            bool: 'a boolean', type(None): 'null'}.get(
        type(value), 'a number' if isinstance(value, int | float)
        else type(value).__name__)


def _clean_text(value, field):
    if '\x00' in value:
        raise _invalid(field, f'{quote(value)} contains a NUL character')
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:
        raise _invalid(field, f'{quote(value)} contains an unpaired '
                              f'surrogate (not valid Unicode)') from None
    return value


def text(max_length=255, optional=False):
    """A non-empty string without NUL or unpaired surrogates."""
    def check(value, field):
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise _invalid(field, f'must be a string, not '
                                  f'{_type_name(value)}')
        if not value.strip():
            raise _invalid(field, 'must not be empty')
        if len(value) > max_length:
            raise _invalid(field, f'{quote(value)} is longer than '
                                  f'{max_length} characters')
        return _clean_text(value, field)
    return check


def integer(minimum, maximum):
    def check(value, field):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(field, f'must be an integer, not '
                                  f'{_type_name(value)}')
        if not minimum <= value <= maximum:
            raise _invalid(field, f'{value} is not between {minimum} and '
                                  f'{maximum}')
        return value
    return check


def boolean(value, field):
    if not isinstance(value, bool):
        raise _invalid(field, f'must be true or false, not {quote(value)}')
    return value


def choice(*values):
    def check(value, field):
        if not isinstance(value, str) or value not in values:
            raise _invalid(field, f'{quote(value)} is not one of '
                                  f'{", ".join(values)}')
        return value
    return check


def uuid_text(value, field, optional=False):
    """A UUID in its canonical lower-case form.

    ``urn:uuid:...``, ``{...}``, upper case and the form without dashes
    are accepted and normalised, so one id is stored and found one way.
    """
    if value is None and optional:
        return None
    text(45)(value, field)
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise _invalid(field, f'{quote(value)} is not a UUID') from None


def optional_uuid(value, field):
    return uuid_text(value, field, optional=True)


def time(value, field):
    """An ISO 8601 date and time, as naive UTC, between EARLIEST and
    LATEST."""
    text(64)(value, field)
    try:
        parsed = timeutils.normalize_time(timeutils.parse_isotime(value))
    except ValueError:
        raise _invalid(field, f'{quote(value)} is not an ISO 8601 date and '
                              f'time (e.g. 2026-11-21T03:00:00Z)') from None
    except OverflowError:
        parsed = None
    if parsed is None or not EARLIEST <= parsed <= LATEST:
        raise _invalid(field, f'{quote(value)} is not between '
                              f'{EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}')
    return parsed


def check_nesting(value, field, limit):
    """Refuse ``value`` nested deeper than ``limit``, without recursing:
    it may be nested deeper than Python's own recursion limit."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > limit:
            raise _invalid(field, f'is nested deeper than {limit} levels')
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list | tuple):
            pending.extend((child, depth + 1) for child in item)


def json_value(value, field, depth=0):
    """Free-form JSON: finite numbers, clean strings, bounded size."""
    if depth > MAX_DEPTH:
        raise _invalid(field, f'is nested deeper than {MAX_DEPTH} levels')
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise _invalid(field, f'{quote(value)} is longer than '
                                  f'{MAX_TEXT} characters')
        return _clean_text(value, field)
    if isinstance(value, float) and not math.isfinite(value):
        raise _invalid(field, f'{value} is not a finite number')
    if value is None or isinstance(value, bool | int | float):
        return value
    if not isinstance(value, dict | list):
        raise _invalid(field, f'{_type_name(value)} is not JSON')
    if len(value) > MAX_ITEMS:
        raise _invalid(field, f'has more than {MAX_ITEMS} items')
    if isinstance(value, list):
        return [json_value(item, f'{field}[{index}]', depth + 1)
                for index, item in enumerate(value)]
    result = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise _invalid(field, f'key {quote(key)} is not a string')
        _clean_text(key, f'{field} key')
        result[key] = json_value(item, f'{field}.{key[:QUOTE_LENGTH]}',
                                 depth + 1)
    return result


def fencing_params(value, field):
    """Fencing parameters: never quoted, a value may be a password."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _invalid(field, f'must be an object, not {_type_name(value)}')
    for key, item in value.items():
        text(64)(key, f'{field} key')
        rule = (f'{field}.{key}: must be a string of at most 1024 '
                f'characters without NUL or unpaired surrogates, a number, '
                f'a boolean or null')
        if isinstance(item, str):
            # Empty is allowed: the driver reads it as not given.
            try:
                _clean_text(item, field)
            except exception.Invalid:
                raise exception.Invalid(reason=rule) from None
            if len(item) > 1024:
                raise exception.Invalid(reason=rule)
        elif item is not None and not isinstance(item, bool | int):
            raise exception.Invalid(reason=rule)
    return value


def fields(**validators):
    """An object of named fields, each optional, none other allowed."""
    def check(value, field):
        if not isinstance(value, dict):
            raise _invalid(field, f'must be an object, not '
                                  f'{_type_name(value)}')
        unknown = sorted(set(value) - set(validators), key=str)
        if unknown:
            raise _invalid(field, f'unknown field {quote(unknown[0])}; '
                                  f'known: {", ".join(sorted(validators))}')
        return {key: validators[key](item, f'{field}.{key}')
                for key, item in value.items()}
    return check


NAME = text(255)
OPTIONAL_NAME = text(255, optional=True)
DESCRIPTION = text(4096, optional=True)


def checked(**validators):
    """Validate the named arguments of an RPC method before it runs."""
    def decorate(method):
        signature = inspect.signature(method)

        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:
                raise exception.Invalid(
                    reason=f'{method.__name__}: {exc}') from None
            for name, validator in validators.items():
                if name in bound.arguments:
                    bound.arguments[name] = validator(bound.arguments[name],
                                                      name)
            return method(*bound.args, **bound.kwargs)
        return wrapper
    return decorate
