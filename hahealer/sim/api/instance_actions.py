"""/servers/{id}/os-instance-actions: what was done to a server."""

from hahealer.sim import views
from hahealer.sim import wire
from hahealer.sim.api import common


class InstanceActions(common.Resource):
    def routes(self):
        path = '/servers/{server_id}/os-instance-actions'
        return [('GET', path, self._list),
                ('GET', path + '/{request_id}', self._show)]

    def _list(self, req, server_id):
        with self._cloud.lock:
            actions = self._cloud.actions(req.context, server_id)
            body = {}
            if req.at_least('2.58'):
                actions, links = self._page(
                    req, actions, lambda a: a.request_id,
                    'Marker %s could not be found.',
                    'servers/%s/os-instance-actions' % server_id)
                if links:
                    body['links'] = links
            body['instanceActions'] = [views.instance_action(req, a)
                                       for a in actions]
            return wire.Response(200, body)

    def _show(self, req, server_id, request_id):
        with self._cloud.lock:
            action = self._cloud.action(req.context, server_id, request_id)
            return wire.Response(200, {
                'instanceAction': views.instance_action(req, action,
                                                        with_events=True)})
