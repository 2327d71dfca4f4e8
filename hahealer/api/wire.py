"""What travels on the wire: microversions, JSON answers, Masakari's faults.

A request asks for a microversion with ``OpenStack-API-Version:
instance-ha 1.2`` (``latest`` is the newest); without it, 1.0. Every answer
under /v1 names the version it was served at. An error is Masakari's body,
``{"badRequest": {"code": 400, "message": "..."}}``, with the fault name of
its status.
"""

import json
import re

import webob

from hahealer import exception

HEADER = 'OpenStack-API-Version'
SERVICE_TYPE = 'instance-ha'
MIN_VERSION = (1, 0)
#: 1.1 progress details of a notification, 1.2 a segment's ``enabled``,
#: 1.3 vmoves
MAX_VERSION = (1, 3)

FAULT_NAMES = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    406: 'notAcceptable',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    501: 'notImplemented',
    503: 'serviceUnavailable',
}

TOO_LARGE = ('The request body is larger than [oslo_middleware] '
             'max_request_body_size allows')

_VERSION = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')


class Fault(Exception):
    """An error answer: HTTP status and the message the client sees."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def version_string(version):
    return '%d.%d' % version


def requested_version(headers):
    """The microversion a request asks for, as (major, minor)."""
    value = None
    for item in headers.get(HEADER, '').split(','):
        parts = item.strip().split(None, 1)
        if len(parts) == 2 and parts[0].lower() == SERVICE_TYPE:
            value = parts[1].strip()
    if value is None:
        return MIN_VERSION
    if value == 'latest':
        return MAX_VERSION
    match = _VERSION.match(value)
    if not match:
        raise Fault(400, f'API Version String {value} is of invalid format. '
                         f'Must be of format MajorNum.MinorNum.')
    version = (int(match.group(1)), int(match.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise Fault(406, f'Version {value} is not supported by the API. '
                         f'Minimum is {version_string(MIN_VERSION)} and '
                         f'maximum is {version_string(MAX_VERSION)}.')
    return version


def respond(status, body=None, version=None):
    """A JSON answer (no body for 204), naming ``version`` if given."""
    response = webob.Response(status=status)
    if body is not None:
        response.content_type = 'application/json'
        response.charset = 'UTF-8'
        response.text = json.dumps(body)
    else:
        response.content_type = None
    if version is not None:
        response.headers[HEADER] = f'{SERVICE_TYPE} ' \
                                   f'{version_string(version)}'
        response.headers.add('Vary', HEADER)
    return response


def fault_response(status, message, version=None):
    name = FAULT_NAMES.get(status, 'masakariFault')
    return respond(status, {name: {'code': status, 'message': message}},
                   version)


def status_of(exc):
    """The HTTP status of a hahealer exception."""
    if isinstance(exc, exception.ComputeError):
        # Nova's own 4xx/5xx about a host check is not the client's
        # request being wrong in the same way: keep Masakari's meaning.
        return 400 if isinstance(exc, exception.ComputeNotFound) else 503
    return exc.code if exc.code in FAULT_NAMES else 500


def json_body(request, root):
    """The object under ``root`` in the request's JSON body."""
    if not request.body:
        raise Fault(400, 'The request has no body: a JSON object with '
                         f'"{root}" is expected.')
    try:
        body = json.loads(request.body)
    except ValueError as exc:
        raise Fault(400, f'Malformed request body: {exc}') from None
    if not isinstance(body, dict) or not isinstance(body.get(root), dict):
        raise Fault(400, f'Invalid input for field/attribute {root}: the '
                         f'body must be a JSON object with "{root}" '
                         f'holding an object.')
    return body[root]
