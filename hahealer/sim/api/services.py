"""/os-services: list compute services, enable, disable, force down."""

import time
import typing

from hahealer.sim import errors
from hahealer.sim import views
from hahealer.sim import wire
from hahealer.sim.api import common

# Request bodies, as Nova's JSON schemas define them (reduced to the
# properties the emulator acts on).
_UPDATE: dict[str, typing.Any] = {
    'type': 'object',
    'properties': {'host': wire.HOST_NAME,
                   'binary': {'type': 'string', 'minLength': 1,
                              'maxLength': 255},
                   'disabled_reason': wire.REASON},
    'required': ['host', 'binary'],
    'additionalProperties': False,
}
_UPDATE_V211 = {
    **_UPDATE,
    'properties': {**_UPDATE['properties'],
                   'forced_down': wire.BOOLEAN},
}
_UPDATE_V253 = {
    'type': 'object',
    'properties': {'status': {'type': 'string',
                              'enum': ['enabled', 'disabled']},
                   'disabled_reason': wire.REASON,
                   'forced_down': wire.BOOLEAN},
    'additionalProperties': False,
}


class Services(common.Resource):
    def routes(self):
        return [('GET', '/os-services', self._list),
                ('PUT', '/os-services/{service_id}', self._update)]

    def _list(self, req):
        common.require_admin(req, 'os_compute_api:os-services:list')
        if req.at_least('2.75'):
            common.only_params(req, ('host', 'binary'))
        cloud = self._cloud
        with cloud.lock:
            services = cloud.services(host=req.param('host'),
                                      binary=req.param('binary'))
            return wire.Response(200, {'services': [
                views.service(req, cloud, s) for s in services]})

    def _update(self, req, service_id):
        common.require_admin(req, 'os_compute_api:os-services:update')
        body = req.json()
        if req.at_least('2.53'):
            return self._update_by_uuid(req, service_id, body)
        actions = ['enable', 'disable', 'disable-log-reason']
        if req.at_least('2.11'):
            actions.append('force-down')
        if service_id not in actions:
            raise errors.NotFound('Unknown action')
        wire.validate(_UPDATE_V211 if req.at_least('2.11') else _UPDATE,
                      body)
        host, binary = body['host'], body['binary']
        reply = {'host': host, 'binary': binary}
        if service_id == 'force-down':
            if 'forced_down' not in body:
                raise errors.BadRequest('Missing forced_down field')
            forced_down = wire.as_bool(body['forced_down'])
            service = self._updatable(host, binary)
            self._cloud.set_forced_down(service, forced_down)
            reply['forced_down'] = forced_down
            return wire.Response(200, {'service': reply})
        reason = None
        if service_id == 'disable-log-reason':
            if 'disabled_reason' not in body:
                raise errors.BadRequest('Missing disabled reason field')
            reason = body['disabled_reason']
        disabled = service_id != 'enable'
        service = self._updatable(host, binary)
        rpc_wait = self._cloud.set_service_status(service, disabled, reason)
        time.sleep(rpc_wait)
        reply['status'] = 'disabled' if disabled else 'enabled'
        if reason:
            reply['disabled_reason'] = reason
        return wire.Response(200, {'service': reply})

    def _updatable(self, host, binary):
        if binary != 'nova-compute':
            raise errors.BadRequest(
                'Updating a %s service is not supported. Only nova-compute '
                'services can be updated.' % binary)
        return self._cloud.service_by_host_and_binary(host, binary)

    def _update_by_uuid(self, req, service_id, body):
        if not common.is_uuid(service_id):
            raise errors.BadRequest('Invalid uuid %s' % service_id)
        wire.validate(_UPDATE_V253, body)
        cloud = self._cloud
        with cloud.lock:
            service = cloud.service_by_uuid(service_id)
            if service.binary != 'nova-compute':
                raise errors.BadRequest(
                    'Updating a %s service is not supported. Only '
                    'nova-compute services can be updated.' % service.binary)
            status = body.get('status')
            if status == 'enabled' and body.get('disabled_reason'):
                raise errors.BadRequest("Specifying 'disabled_reason' with "
                                        "status 'enabled' is invalid.")
            if status is None and 'forced_down' not in body:
                raise errors.BadRequest(
                    "No updates were requested. Fields 'status' or "
                    "'forced_down' should be specified.")
            # forced_down first: it may be refused, and Nova saves both
            # changes together or neither.
            if 'forced_down' in body:
                cloud.set_forced_down(service,
                                      wire.as_bool(body['forced_down']))
            rpc_wait = 0.0
            if status is not None:
                rpc_wait = cloud.set_service_status(
                    service, status == 'disabled',
                    body.get('disabled_reason'))
            reply = views.service(req, cloud, service)
        time.sleep(rpc_wait)
        return wire.Response(200, {'service': reply})
