"""/servers: list (with Nova's filters), show, create."""

import re
import secrets

from hahealer.sim import errors
from hahealer.sim import views
from hahealer.sim import wire
from hahealer.sim.api import common

# Every status Nova's status filter knows, emulated or not.
_KNOWN_STATUSES = {'ACTIVE', 'BUILD', 'SHUTOFF', 'ERROR', 'REBUILD',
                   'PAUSED', 'SUSPENDED', 'RESCUE', 'SHELVED',
                   'SHELVED_OFFLOADED', 'VERIFY_RESIZE', 'REVERT_RESIZE',
                   'RESIZE', 'MIGRATING', 'REBOOT', 'HARD_REBOOT',
                   'PASSWORD', 'DELETED', 'SOFT_DELETED', 'UNKNOWN'}


def _create_schema(req):
    """Nova's schema of a create request, reduced to what is acted on."""
    properties = {
        'name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'imageRef': {'type': 'string'},
        'flavorRef': {'type': ['string', 'integer'], 'minLength': 1},
        'metadata': wire.METADATA,
    }
    required = ['name', 'flavorRef']
    if req.at_least('2.37'):
        properties['networks'] = {'oneOf': [
            {'type': 'array', 'items': {'type': 'object'}},
            {'type': 'string', 'enum': ['none', 'auto']}]}
        required.append('networks')
    if req.at_least('2.74'):
        properties['host'] = wire.HOST_NAME
        properties['hypervisor_hostname'] = wire.HOST_NAME
    server = {'type': 'object', 'properties': properties,
              'required': required}
    return {'type': 'object', 'properties': {'server': server},
            'required': ['server']}


class Servers(common.Resource):
    def routes(self):
        return [('GET', '/servers', self._list),
                ('GET', '/servers/detail', self._list_detail),
                ('POST', '/servers', self._create),
                ('GET', '/servers/{server_id}', self._show)]

    def _servers(self, req, detail):
        ctx = req.context
        all_tenants = common.flag(req, 'all_tenants') or False
        if all_tenants and not ctx.is_admin:
            raise errors.policy_refused(
                'os_compute_api:servers:%s:get_all_tenants'
                % ('detail' if detail else 'index'))
        statuses = req.query.get('status')
        if statuses and not any(
                s.upper() in _KNOWN_STATUSES for s in statuses):
            if req.at_least('2.38'):
                raise errors.BadRequest('Invalid status value')
            return wire.Response(200, {'servers': []})
        name = req.param('name')
        if name is not None:
            try:
                name = re.compile(name)
            except re.error:
                raise errors.BadRequest(
                    'Invalid input for query parameters name. Value: %s. '
                    "'%s' is not a 'regex'" % (name, name)) from None
        locked = common.flag(req, 'locked') if req.at_least('2.73') else None
        # Nova drops admin-only filters from a non-admin's request.
        host = req.param('host') if ctx.is_admin else None
        project = (req.param('project_id') or req.param('tenant_id')
                   if all_tenants else None)
        cloud = self._cloud
        with cloud.lock:
            found = cloud.servers(ctx, all_tenants=all_tenants,
                                  project_id=project, host=host,
                                  statuses=statuses, name=name,
                                  locked=locked)
            page, links = self._page(
                req, found, lambda i: i.uuid, 'marker [%s] not found',
                'servers/detail' if detail else 'servers')
            if detail:
                items = [views.server(req, cloud, i) for i in page]
            else:
                items = [views.server_summary(req, i) for i in page]
            body = {'servers': items}
            if links:
                body['servers_links'] = links
            return wire.Response(200, body)

    def _list(self, req):
        return self._servers(req, detail=False)

    def _list_detail(self, req):
        return self._servers(req, detail=True)

    def _show(self, req, server_id):
        cloud = self._cloud
        with cloud.lock:
            instance = cloud.get_server(req.context, server_id)
            return wire.Response(200, {'server': views.server(
                req, cloud, instance, single=True)})

    def _create(self, req):
        body = req.json()
        wire.validate(_create_schema(req), body)
        server = body['server']
        for key in ('host', 'hypervisor_hostname'):
            if key in server and not req.at_least('2.74'):
                raise errors.BadRequest(
                    "Invalid input for field/attribute server. Value: %s. "
                    "Additional properties are not allowed ('%s' was "
                    "unexpected)" % (server, key))
        requested_host = (server.get('host')
                          or server.get('hypervisor_hostname'))
        if requested_host:
            common.require_admin(req, 'compute:servers:create:'
                                      'requested_destination')
        if not server.get('imageRef'):
            raise errors.BadRequest('Missing imageRef attribute')
        cloud = self._cloud
        with cloud.lock:
            instance = cloud.create_server(
                req.context, server['name'],
                common.id_from_href(server['flavorRef']),
                common.id_from_href(server['imageRef']),
                server.get('metadata', {}), requested_host)
            reply = {
                'id': instance.uuid,
                'links': views.links(req, 'servers', instance.uuid),
                'OS-DCF:diskConfig': 'MANUAL',
                'security_groups': server.get('security_groups',
                                              [{'name': 'default'}]),
                'adminPass': secrets.token_urlsafe(9),
            }
        location = '%s%s/servers/%s' % (req.host_url, common.PREFIX,
                                        instance.uuid)
        return wire.Response(202, {'server': reply},
                             [('Location', location)])
