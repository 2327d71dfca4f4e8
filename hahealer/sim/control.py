"""The control API under /_sim: what a test or a demo does to the cloud.

The first three routes are a contract shared with the harness that
drives a real Nova; keep them as they are:

- ``POST /_sim/hosts/{name}/kill`` (204): the host's compute service stops
  heartbeating; its instances stay where they are.
- ``POST /_sim/hosts/{name}/revive`` (204): the compute service starts
  again and cleans up instances evacuated away from it.
- ``GET /_sim/hosts`` (200): ``{"hosts": [{"name": ..., "alive": ...}]}``.
"""

import collections

from hahealer.sim import errors
from hahealer.sim import faults as faults_mod
from hahealer.sim import model
from hahealer.sim import scenario
from hahealer.sim import wire

PREFIX = '/_sim'
_NEW_HOST = {
    'type': 'object',
    'properties': {'name': wire.HOST_NAME, 'alive': {'type': 'boolean'}},
    'required': ['name'],
    'additionalProperties': False,
}

# One instance entry of a scenario file.
_NEW_INSTANCES = {
    'type': 'object',
    'properties': {
        'host': wire.HOST_NAME,
        'name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'count': {'type': 'integer', 'minimum': 1},
        'metadata': wire.METADATA,
        'vm_state': {'type': 'string',
                     'enum': sorted(model.SEEDABLE_VM_STATES)},
        'locked': {'type': 'boolean'},
        'project': {'type': 'string', 'minLength': 1},
        'flavor': {'type': ['string', 'integer']},
    },
    'required': ['host'],
    'additionalProperties': False,
}
# The control API sees every project's servers.
_ADMIN = model.Context('admin', 'admin', True, 'req-sim-control')


def _error(status, message):
    return wire.Response(status, {'error': {'code': status,
                                            'message': message}})


class ControlAPI:
    def __init__(self, cloud, faults, counters):
        self._cloud = cloud
        self._faults = faults
        self._counters = counters
        self._router = router = wire.Router()
        for method, template, handler in [
                ('GET', '/hosts', self._list_hosts),
                ('POST', '/hosts', self._add_host),
                ('POST', '/hosts/{name}/kill', self._kill),
                ('POST', '/hosts/{name}/revive', self._revive),
                ('POST', '/hosts/{name}/vanish', self._vanish),
                ('GET', '/instances', self._list_instances),
                ('POST', '/instances', self._add_instances),
                ('GET', '/faults', self._show_faults),
                ('POST', '/faults', self._set_faults),
                ('GET', '/counters', self._show_counters),
                ('POST', '/reset-counters', self._reset_counters),
                ('GET', '/state', self._show_state)]:
            router.add(method, PREFIX + template, handler)

    def handle(self, req):
        try:
            route, args = self._router.match(req.method, req.path)
            return route.handler(req, **args)
        except errors.NovaError as exc:
            return _error(exc.status, exc.message)

    def _list_hosts(self, req):
        return wire.Response(200, {'hosts': [
            {'name': h.name, 'alive': h.alive} for h in self._cloud.hosts()]})

    def _add_host(self, req):
        body = req.json()
        wire.validate(_NEW_HOST, body)
        host = self._cloud.add_host(body['name'],
                                    alive=body.get('alive', True))
        return wire.Response(201, {'name': host.name, 'alive': host.alive})

    def _kill(self, req, name):
        self._cloud.kill_host(name)
        return wire.Response(204)

    def _revive(self, req, name):
        self._cloud.revive_host(name)
        return wire.Response(204)

    def _vanish(self, req, name):
        self._cloud.vanish_host(name)
        return wire.Response(204)

    def _list_instances(self, req):
        """Each server's state and the evacuations Nova accepted for it."""
        ids = set(req.query.get('id', ()))
        host = req.param('host')
        cloud = self._cloud
        with cloud.lock:
            evacuations = collections.defaultdict(list)
            for record in cloud.migrations():
                if record.migration_type == 'evacuation':
                    evacuations[record.instance_uuid].append(record.status)
            servers = [
                i for i in reversed(cloud.servers(_ADMIN, all_tenants=True))
                if (not ids or i.uuid in ids)
                and (not host or i.host == host)]
            return wire.Response(200, {'instances': [{
                'id': i.uuid, 'name': i.name, 'project_id': i.project_id,
                'host': i.host, 'vm_state': i.vm_state,
                'task_state': i.task_state, 'locked': bool(i.locked_by),
                'locked_by': i.locked_by, 'locked_reason': i.locked_reason,
                'evacuations_accepted': len(evacuations[i.uuid]),
                'evacuation_statuses': evacuations[i.uuid],
            } for i in servers]})

    def _add_instances(self, req):
        body = req.json()
        wire.validate(_NEW_INSTANCES, body)
        try:
            added = scenario.seed_instances(self._cloud, body)
        except ValueError as exc:
            raise errors.BadRequest(str(exc)) from None
        return wire.Response(201, {'instances': [
            {'id': i.uuid, 'name': i.name} for i in added]})

    def _show_faults(self, req):
        return wire.Response(200, self._faults.faults.to_json())

    def _set_faults(self, req):
        try:
            faults = faults_mod.Faults.from_json(req.json())
        except ValueError as exc:
            raise errors.BadRequest(str(exc)) from None
        self._faults.set(faults)
        return wire.Response(200, faults.to_json())

    def _show_counters(self, req):
        return wire.Response(200, self._counters.snapshot())

    def _reset_counters(self, req):
        self._counters.reset()
        return wire.Response(204)

    def _show_state(self, req):
        return wire.Response(200, self._cloud.dump())
