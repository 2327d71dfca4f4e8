"""POST /servers/{id}/action: stop, start, lock, unlock, reset state,
evacuate."""

import secrets

from hahealer.sim import errors
from hahealer.sim import wire
from hahealer.sim.api import common

_LOCK_V273 = {
    'type': 'object',
    'properties': {'lock': {
        'type': ['object', 'null'],
        'properties': {'locked_reason': wire.REASON},
        'additionalProperties': False}},
    'required': ['lock'],
    'additionalProperties': False,
}
_RESET_STATE = {
    'type': 'object',
    'properties': {'os-resetState': {
        'type': 'object',
        'properties': {'state': {'type': 'string',
                                 'enum': ['active', 'error']}},
        'required': ['state'],
        'additionalProperties': False}},
    'required': ['os-resetState'],
    'additionalProperties': False,
}


def _evacuate_schema(req):
    properties = {'host': wire.HOST_NAME,
                  'adminPass': {'type': 'string'}}
    required = []
    if not req.at_least('2.14'):
        properties['onSharedStorage'] = wire.BOOLEAN
        required = ['onSharedStorage']
    elif not req.at_least('2.68') and req.at_least('2.29'):
        properties['force'] = wire.BOOLEAN
    inner = {'type': 'object', 'properties': properties,
             'additionalProperties': False}
    if required:
        inner['required'] = required
    return {'type': 'object', 'properties': {'evacuate': inner},
            'required': ['evacuate'], 'additionalProperties': False}


class ServerActions(common.Resource):
    def __init__(self, cloud, max_version, max_limit):
        super().__init__(cloud, max_version, max_limit)
        self._actions = {
            'os-stop': self._stop,
            'os-start': self._start,
            'lock': self._lock,
            'unlock': self._unlock,
            'os-resetState': self._reset_state,
            'evacuate': self._evacuate,
        }

    def routes(self):
        return [('POST', '/servers/{server_id}/action', self._action)]

    def _action(self, req, server_id):
        body = req.json()
        if not isinstance(body, dict) or len(body) != 1:
            raise errors.BadRequest(
                'Malformed message body: too many body keys')
        name = next(iter(body))
        handler = self._actions.get(name)
        if handler is None:
            raise errors.BadRequest('There is no such action: %s' % name)
        return handler(req, server_id, body)

    def _stop(self, req, server_id, body):
        self._cloud.stop_server(req.context, server_id)
        return wire.Response(202)

    def _start(self, req, server_id, body):
        self._cloud.start_server(req.context, server_id)
        return wire.Response(202)

    def _lock(self, req, server_id, body):
        reason = None
        if req.at_least('2.73'):
            wire.validate(_LOCK_V273, body)
            if body['lock'] is not None:
                reason = body['lock'].get('locked_reason')
        self._cloud.lock_server(req.context, server_id, reason)
        return wire.Response(202)

    def _unlock(self, req, server_id, body):
        self._cloud.unlock_server(req.context, server_id)
        return wire.Response(202)

    def _reset_state(self, req, server_id, body):
        wire.validate(_RESET_STATE, body)
        self._cloud.get_server(req.context, server_id)
        common.require_admin(req,
                             'os_compute_api:os-admin-actions:reset_state')
        self._cloud.reset_state(req.context, server_id,
                                body['os-resetState']['state'])
        return wire.Response(202)

    def _evacuate(self, req, server_id, body):
        wire.validate(_evacuate_schema(req), body)
        self._cloud.get_server(req.context, server_id)
        common.require_admin(req, 'os_compute_api:os-evacuate')
        evacuate = body['evacuate']
        host = evacuate.get('host')
        force = False
        if req.at_least('2.29') and not req.at_least('2.68'):
            force = wire.as_bool(evacuate.get('force', False))
            if force and not host:
                raise errors.BadRequest(
                    "Can't force to a non-provided destination")
        password = None
        if not req.at_least('2.14'):
            on_shared_storage = wire.as_bool(evacuate['onSharedStorage'])
            password = evacuate.get('adminPass')
            if password is not None and on_shared_storage:
                raise errors.BadRequest(
                    "admin password can't be changed on existing disk")
            if password is None and not on_shared_storage:
                password = secrets.token_urlsafe(9)
        # Before 2.29 a named host bypasses the scheduler, as 'force' does.
        forced = bool(host) and (force or not req.at_least('2.29'))
        self._cloud.evacuate(req.context, server_id, host, forced,
                             stop_at_destination=req.at_least('2.95'))
        if not req.at_least('2.14'):
            return wire.Response(200, {'adminPass': password})
        return wire.Response(200)
