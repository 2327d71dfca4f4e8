"""/os-aggregates: list, show, add a host."""

import re

from hahealer.sim import errors
from hahealer.sim import views
from hahealer.sim import wire
from hahealer.sim.api import common

_ADD_HOST = {
    'type': 'object',
    'properties': {'add_host': {
        'type': 'object',
        'properties': {'host': wire.HOST_NAME},
        'required': ['host'],
        'additionalProperties': False}},
    'required': ['add_host'],
    'additionalProperties': False,
}


def _aggregate_id(aggregate_id):
    if not re.fullmatch(r'-?[0-9]+', aggregate_id):
        raise errors.BadRequest(
            'Invalid input received: id must be an integer')
    return int(aggregate_id)


class Aggregates(common.Resource):
    def routes(self):
        return [('GET', '/os-aggregates', self._list),
                ('GET', '/os-aggregates/{aggregate_id}', self._show),
                ('POST', '/os-aggregates/{aggregate_id}/action',
                 self._action)]

    def _list(self, req):
        common.require_admin(req, 'os_compute_api:os-aggregates:index')
        with self._cloud.lock:
            return wire.Response(200, {'aggregates': [
                views.aggregate(req, a) for a in self._cloud.aggregates()]})

    def _show(self, req, aggregate_id):
        common.require_admin(req, 'os_compute_api:os-aggregates:show')
        with self._cloud.lock:
            aggregate = self._cloud.aggregate(_aggregate_id(aggregate_id))
            return wire.Response(
                200, {'aggregate': views.aggregate(req, aggregate)})

    def _action(self, req, aggregate_id):
        body = req.json()
        if not isinstance(body, dict) or list(body) != ['add_host']:
            name = next(iter(body), '') if isinstance(body, dict) else ''
            raise errors.BadRequest('There is no such action: %s' % name)
        common.require_admin(req, 'os_compute_api:os-aggregates:add_host')
        wire.validate(_ADD_HOST, body)
        with self._cloud.lock:
            aggregate = self._cloud.add_host_to_aggregate(
                _aggregate_id(aggregate_id), body['add_host']['host'])
            return wire.Response(
                200, {'aggregate': views.aggregate(req, aggregate)})
