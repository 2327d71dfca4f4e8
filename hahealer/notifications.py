"""Notifications: their format, their validation and what each one means.

A notification is Masakari's envelope::

    {"type": "COMPUTE_HOST" | "VM" | "PROCESS",
     "hostname": "compute-3",
     "generated_time": "2026-11-21T03:00:00Z",
     "payload": {...},
     "notification_uuid": "..."}          # optional: makes retries safe

with a payload per type:

* COMPUTE_HOST ``{"event": "STOPPED"|"STARTED", "host_status": "NORMAL"|
  "UNKNOWN"|..., "cluster_status": "ONLINE"|"OFFLINE"|...}``
* PROCESS ``{"event": "STOPPED"|"STARTED", "process_name": "nova-compute"}``
* VM ``{"event": "LIFECYCLE"|"IO_ERROR"|"QEMU_GUEST_AGENT_ERROR"|...,
  "instance_uuid": "...", "vir_domain_event": "STOPPED_FAILED"|...}``

Event names are compared case-insensitively and stored upper-case.
"""

import datetime

import fastjsonschema
import jsonschema

from hahealer import exception
from hahealer import validation

COMPUTE_HOST = 'COMPUTE_HOST'
VM = 'VM'
PROCESS = 'PROCESS'
TYPES = (COMPUTE_HOST, VM, PROCESS)

STARTED = 'STARTED'
STOPPED = 'STOPPED'
HOST_STATUS_NORMAL = 'NORMAL'

#: (event, vir_domain_event) pairs that mean the instance died
INSTANCE_DEATH_EVENTS = frozenset({
    ('LIFECYCLE', 'STOPPED_FAILED'),
    ('IO_ERROR', 'IO_ERROR_REPORT'),
    ('QEMU_GUEST_AGENT_ERROR', 'STOPPED_FAILED'),
})

_NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255}

ENVELOPE_SCHEMA = {
    'type': 'object',
    'properties': {
        'type': {'enum': list(TYPES)},
        'hostname': _NAME,
        'generated_time': {'type': 'string', 'minLength': 1},
        'payload': {'type': 'object'},
        'notification_uuid': {'type': 'string'},
    },
    'required': ['type', 'hostname', 'generated_time', 'payload'],
    'additionalProperties': False,
}

PAYLOAD_SCHEMAS = {
    COMPUTE_HOST: {
        'type': 'object',
        'properties': {
            'event': {'enum': [STARTED, STOPPED]},
            'host_status': _NAME,
            'cluster_status': _NAME,
        },
        'required': ['event', 'host_status'],
    },
    PROCESS: {
        'type': 'object',
        'properties': {
            'event': {'enum': [STARTED, STOPPED]},
            'process_name': _NAME,
        },
        'required': ['event', 'process_name'],
    },
    VM: {
        'type': 'object',
        'properties': {
            'event': _NAME,
            'instance_uuid': {'type': 'string'},
            'vir_domain_event': _NAME,
        },
        'required': ['event', 'instance_uuid', 'vir_domain_event'],
    },
}

_UPPER_CASE_FIELDS = ('event', 'host_status', 'cluster_status',
                      'vir_domain_event')


def _checks(schema):
    """The schema compiled to Python code, which passes a valid document
    in microseconds, and jsonschema's validator, which says what is wrong
    with one that does not pass."""
    return (fastjsonschema.compile(schema, use_default=False,
                                   detailed_exceptions=False),
            jsonschema.Draft7Validator(schema))


_ENVELOPE_CHECKS = _checks(ENVELOPE_SCHEMA)
_PAYLOAD_CHECKS = {kind: _checks(schema)
                   for kind, schema in PAYLOAD_SCHEMAS.items()}


def _first_error(checks, document, prefix=None):
    """The first schema violation as 'field.path: what is wrong', or None."""
    compiled, validator = checks
    try:
        compiled(document)
        return None
    except fastjsonschema.JsonSchemaException:
        pass
    errors = sorted(validator.iter_errors(document),
                    key=lambda error: list(error.absolute_path))
    if not errors:
        return None
    error = errors[0]
    parts = ([prefix] if prefix else []) + [str(p)
                                            for p in error.absolute_path]
    if error.validator == 'required':
        # jsonschema says "'event' is a required property"
        parts.append(error.message.split("'")[1])
        return f"{'.'.join(parts)}: is required"
    # jsonschema quotes the whole value; a log line must not.
    return (f"{'.'.join(parts) or 'notification'}: "
            f"{_shorten(error.message)}")


def _shorten(message, limit=4 * validation.QUOTE_LENGTH):
    if len(message) <= limit:
        return message
    return f'{message[:limit]}... ({len(message)} characters)'


def validate(notification):
    """Check a notification; return it normalised, or raise with a reason.

    The reason names the field that is wrong and why, e.g.
    ``payload.event: 'EXPLODED' is not one of ['STARTED', 'STOPPED']``.
    """
    if not isinstance(notification, dict):
        raise exception.InvalidNotification(
            reason=f'a notification is a JSON object, not '
                   f'{type(notification).__name__}')
    try:
        return _validate(notification)
    except exception.InvalidNotification:
        raise
    except exception.Invalid as exc:
        raise exception.InvalidNotification(
            reason=exc.kwargs['reason']) from None


def _validate(notification):
    validation.json_value(notification, 'notification')
    error = _first_error(_ENVELOPE_CHECKS, notification)
    if error:
        raise exception.InvalidNotification(reason=error)
    payload = dict(notification['payload'])
    for field in _UPPER_CASE_FIELDS:
        if isinstance(payload.get(field), str):
            payload[field] = payload[field].upper()
    error = _first_error(_PAYLOAD_CHECKS[notification['type']], payload,
                         'payload')
    if error:
        raise exception.InvalidNotification(reason=error)
    if notification['type'] == VM:
        payload['instance_uuid'] = validation.uuid_text(
            payload['instance_uuid'], 'payload.instance_uuid')
    return {
        'type': notification['type'],
        'hostname': validation.NAME(notification['hostname'], 'hostname'),
        'generated_time': validation.time(notification['generated_time'],
                                          'generated_time'),
        'payload': payload,
        'notification_uuid': validation.optional_uuid(
            notification.get('notification_uuid'), 'notification_uuid'),
    }


def ignore_reason(notification, act_on_host_start=False):
    """Why a valid notification calls for no recovery, or None.

    Unsafe or meaningless recoveries are recorded as ignored with this
    reason instead of being run. A host's STARTED event calls for work only
    with ``act_on_host_start`` ([host_failure] unfence_on_start).
    """
    payload = notification['payload']
    event = payload['event']
    if notification['type'] == COMPUTE_HOST:
        if event == STARTED:
            if act_on_host_start:
                return None
            return 'the host reports it started: recorded, nothing to recover'
        if payload['host_status'] != HOST_STATUS_NORMAL:
            return (f"host_status is {payload['host_status']}, not NORMAL: "
                    f"the host may still be running, and recovering it "
                    f"would run its instances twice")
        return None
    if notification['type'] == PROCESS:
        if event != STOPPED:
            return (f"process {payload['process_name']} reports {event}: "
                    f"recorded, nothing to recover")
        return None
    if (event, payload['vir_domain_event']) not in INSTANCE_DEATH_EVENTS:
        return (f"event {event}/{payload['vir_domain_event']} does not mean "
                f"the instance died: recorded, nothing to recover")
    return None


def build(notification_type, hostname, payload, generated_time=None,
          notification_uuid=None):
    """A notification envelope, for monitors and scripts."""
    generated_time = generated_time or datetime.datetime.now(datetime.UTC)
    envelope = {
        'type': notification_type,
        'hostname': hostname,
        'generated_time': generated_time.strftime('%Y-%m-%dT%H:%M:%S.%fZ'),
        'payload': payload,
    }
    if notification_uuid:
        envelope['notification_uuid'] = notification_uuid
    return envelope
