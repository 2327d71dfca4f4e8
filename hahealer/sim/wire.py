"""HTTP plumbing shared by the compute API and the control API.

Requests and responses as plain objects, a small router, microversion
negotiation, JSON-Schema validation with Nova's error wording, and Nova's
fault bodies.
"""

import dataclasses
import json
import re
import typing

import jsonschema

from hahealer.sim import errors

API_VERSION_HEADER = 'OpenStack-API-Version'
LEGACY_API_VERSION_HEADER = 'X-OpenStack-Nova-API-Version'

# Nova's names for the error body's only key, by status.
_FAULT_NAMES = {
    400: 'badRequest', 401: 'unauthorized', 403: 'forbidden',
    404: 'itemNotFound', 405: 'badMethod', 409: 'conflictingRequest',
    413: 'overLimit', 415: 'badMediaType', 429: 'overLimit',
    501: 'notImplemented', 503: 'serviceUnavailable',
}


class APIVersion(typing.NamedTuple):
    major: int
    minor: int

    @classmethod
    def parse(cls, text):
        match = re.match(r'^([1-9]\d*)\.([1-9]\d*|0)$', text)
        if not match:
            raise ValueError(text)
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self):
        return '%d.%d' % self


MIN_VERSION = APIVersion(2, 1)


def negotiate_version(headers, max_version):
    """The microversion a request asks for, checked as Nova checks it."""
    value = None
    for item in (headers.get(API_VERSION_HEADER) or '').split(','):
        service, _, version = item.strip().partition(' ')
        if service.lower() == 'compute' and version.strip():
            value = version.strip()
    if value is None:
        value = (headers.get(LEGACY_API_VERSION_HEADER) or '').strip() or None
    if value is None:
        return MIN_VERSION
    if value.lower() == 'latest':
        return max_version
    try:
        version = APIVersion.parse(value)
    except ValueError:
        raise errors.BadRequest(
            'API Version String %s is of invalid format. Must be of format '
            'MajorNum.MinorNum.' % value) from None
    if not MIN_VERSION <= version <= max_version:
        raise errors.NotAcceptable(
            'Version %s is not supported by the API. Minimum is %s and '
            'maximum is %s.' % (version, MIN_VERSION, max_version))
    return version


@dataclasses.dataclass
class Request:
    method: str
    path: str
    query: dict            # name -> list of values
    headers: typing.Any    # case-insensitive mapping
    body: bytes
    host_url: str          # scheme://host:port the client used
    request_id: str
    version: APIVersion | None = None
    context: typing.Any = None

    def param(self, name, default=None):
        """The last value of a query parameter, as webob's GET gives."""
        values = self.query.get(name)
        return values[-1] if values else default

    def at_least(self, version):
        return self.version >= APIVersion.parse(version)

    def json(self):
        if not self.body:
            raise errors.BadRequest(
                'Malformed request body: the request has no body.')
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise errors.BadRequest(
                'Malformed request body: %s' % exc) from None


def action_name(req):
    """The action an ``.../action`` request's body names, or None."""
    if not req.path.endswith('/action'):
        return None
    try:
        body = json.loads(req.body)
    except ValueError:
        return None
    if not isinstance(body, dict) or len(body) != 1:
        return None
    return next(iter(body))


@dataclasses.dataclass
class Response:
    status: int
    body: typing.Any = None   # JSON-serialisable, or None for no body
    headers: list = dataclasses.field(default_factory=list)

    def encoded(self):
        if self.body is None:
            return b''
        return json.dumps(self.body, default=str).encode('utf-8')


def fault(status, message):
    name = _FAULT_NAMES.get(status, 'computeFault')
    return Response(status, {name: {'code': status, 'message': message}})


@dataclasses.dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: typing.Callable
    pattern: re.Pattern


class Router:
    """Matches a method and path to a handler; path parts are arguments.

    Templates name their variable parts in braces: ``/servers/{server_id}``.
    """

    def __init__(self):
        self._routes = []

    def add(self, method, template, handler):
        regex = re.sub(r'\{(\w+)\}', r'(?P<\1>[^/]+)', template)
        self._routes.append(Route(method, template, handler,
                                  re.compile('^%s$' % regex)))

    def match(self, method, path):
        """(route, arguments); NovaError 404 or 405 when nothing fits."""
        path_matched = False
        for route in self._routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            path_matched = True
            if route.method == method:
                return route, found.groupdict()
        if path_matched:
            raise _MethodNotAllowed()
        raise errors.NotFound('The resource could not be found.')


class _MethodNotAllowed(errors.NovaError):
    status = 405

    def __init__(self):
        super().__init__('The method specified is not allowed for this '
                         'resource.')


def validate(schema, body):
    """Validate a request body; BadRequest in Nova's words if it fails."""
    validator = jsonschema.Draft4Validator(schema)
    try:
        validator.validate(body)
    except jsonschema.ValidationError as exc:
        if exc.path:
            detail = ('Invalid input for field/attribute %s. Value: %s. %s'
                      % (exc.path.pop(), exc.instance, exc.message))
        else:
            detail = exc.message
        raise errors.BadRequest(detail) from None


# Schema pieces shared by several request bodies, as Nova defines them.
BOOLEAN = {
    'type': ['boolean', 'string'],
    'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on',
             'YES', 'Yes', 'yes',
             False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off',
             'NO', 'No', 'no'],
}
HOST_NAME = {'type': 'string', 'pattern': '^[a-zA-Z0-9-._]*$',
             'minLength': 1, 'maxLength': 255}
REASON = {'type': 'string', 'minLength': 1, 'maxLength': 255}
METADATA = {
    'type': 'object',
    'patternProperties': {
        '^[a-zA-Z0-9-_:. ]{1,255}$': {'type': 'string', 'maxLength': 255},
    },
    'additionalProperties': False,
}


def as_bool(value):
    """A validated BOOLEAN value as a Python bool."""
    if isinstance(value, bool):
        return value
    return value.lower() in ('true', '1', 'on', 'yes')
