"""Request bodies of segments and hosts, as Masakari's v1 accepts them.

Notifications are checked by hahealer.notifications, the same validation
the RPC intake runs.
"""

import jsonschema

from hahealer.api import wire
from hahealer.db import api as db

_NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255,
         'pattern': r'^(?! )[\x20-\x7e]*(?<! )$'}
_TEXT = {'type': ['string', 'null'], 'maxLength': 255}
_BOOL = {'type': ['boolean', 'string'],
         'enum': [True, False, 'True', 'False', 'true', 'false', 'TRUE',
                  'FALSE', '1', '0', 'yes', 'no', 'on', 'off']}

_SEGMENT = {
    'name': _NAME,
    'description': _TEXT,
    'recovery_method': {'type': 'string',
                        'enum': list(db.RECOVERY_METHODS)},
    'service_type': _NAME,
}
_HOST = {
    'name': _NAME,
    'type': _NAME,
    'control_attributes': {'type': 'string'},
    'reserved': _BOOL,
    'on_maintenance': _BOOL,
    # hahealer's own: power fencing (the parameters are never shown)
    'fencing_driver': {'type': ['string', 'null'], 'maxLength': 64},
    'fencing_params': {'type': 'object'},
}


def _object(properties, required=(), min_properties=0):
    return {'type': 'object', 'properties': properties,
            'required': list(required), 'minProperties': min_properties,
            'additionalProperties': False}


def segment_create(version):
    return _object(_segment_fields(version),
                   ('name', 'recovery_method', 'service_type'))


def segment_update(version):
    return _object(_segment_fields(version), min_properties=1)


def _segment_fields(version):
    if version >= (1, 2):
        return {**_SEGMENT, 'enabled': {'type': 'boolean'}}
    return _SEGMENT


# hahealer's own, on create only: False skips the check that Nova knows
# the host.
HOST_CREATE = _object({**_HOST, 'nova_check': _BOOL},
                      ('name', 'type', 'control_attributes'))
HOST_UPDATE = _object(_HOST, min_properties=1)

_TRUE = {'true', '1', 'yes', 'on'}


def check(schema, document, root):
    """``document`` against ``schema``; 400 naming the field otherwise.
    Booleans given as strings come back as booleans."""
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(document),
                    key=lambda error: list(error.absolute_path))
    if errors:
        error = errors[0]
        field = '.'.join([root] + [str(p) for p in error.absolute_path])
        raise wire.Fault(400, f'Invalid input for field/attribute {field}. '
                              f'{error.message}')
    return {key: (str(value).lower() in _TRUE
                  if schema['properties'].get(key) is _BOOL else value)
            for key, value in document.items()}


def flag(value, name):
    """A boolean query parameter ("true", "false", ...)."""
    text = str(value).lower()
    if text in _TRUE:
        return True
    if text in {'false', '0', 'no', 'off'}:
        return False
    raise wire.Fault(400, f"Invalid value '{value}' for {name}: expected "
                          f"true or false")
