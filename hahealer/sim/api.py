"""The compute API v2.1: routes, microversions, policy and request bodies.

Who calls is read from the token, as a lab without keystone would need:
no token or any token makes the caller an admin of project ``admin``;
a token ``member:<project>`` makes the caller a non-admin member of
``<project>``.
"""

import re
import secrets
import time
import urllib.parse
import uuid

from hahealer.sim import errors
from hahealer.sim import migrations
from hahealer.sim import model
from hahealer.sim import views
from hahealer.sim import wire

ADMIN_PROJECT = 'admin'
MEMBER_TOKEN_PREFIX = 'member:'
PREFIX = '/v2.1'
# Every status Nova's status filter knows, emulated or not.
_KNOWN_STATUSES = {'ACTIVE', 'BUILD', 'SHUTOFF', 'ERROR', 'REBUILD',
                   'PAUSED', 'SUSPENDED', 'RESCUE', 'SHELVED',
                   'SHELVED_OFFLOADED', 'VERIFY_RESIZE', 'REVERT_RESIZE',
                   'RESIZE', 'MIGRATING', 'REBOOT', 'HARD_REBOOT',
                   'PASSWORD', 'DELETED', 'SOFT_DELETED', 'UNKNOWN'}


def context_for(token, request_id):
    """The caller a token stands for (see the module docstring)."""
    if token and token.startswith(MEMBER_TOKEN_PREFIX):
        project = token[len(MEMBER_TOKEN_PREFIX):] or 'member'
        return model.Context(project, project + '-user', False, request_id)
    return model.Context(ADMIN_PROJECT, 'admin', True, request_id)


def _require_admin(req, policy):
    if not req.context.is_admin:
        raise errors.policy_refused(policy)


def _only_params(req, allowed):
    """Nova's strict query schemas: refuse parameters they do not know."""
    unexpected = sorted(set(req.query) - set(allowed))
    if unexpected:
        names = ', '.join(repr(name) for name in unexpected)
        verb = 'was' if len(unexpected) == 1 else 'were'
        raise errors.BadRequest(
            'Additional properties are not allowed (%s %s unexpected)'
            % (names, verb))


def _flag(req, name):
    """A boolean query parameter as Nova's bool_from_string reads it."""
    value = req.param(name)
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in ('', '1', 't', 'true', 'on', 'y', 'yes'):
        return True
    if lowered in ('0', 'f', 'false', 'off', 'n', 'no'):
        return False
    raise errors.BadRequest(
        "Invalid input received: Unrecognized value '%s', acceptable "
        "values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', "
        "'true', 'y', 'yes'" % value)


def _id_from_href(href):
    return urllib.parse.urlsplit(str(href)).path.split('/')[-1]


def _is_uuid(text):
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


# Request bodies, as Nova's JSON schemas define them (reduced to the
# properties the emulator acts on; others are accepted and ignored where
# Nova would accept them).
_SERVICE_UPDATE = {
    'type': 'object',
    'properties': {'host': wire.HOST_NAME,
                   'binary': {'type': 'string', 'minLength': 1,
                              'maxLength': 255},
                   'disabled_reason': wire.REASON},
    'required': ['host', 'binary'],
    'additionalProperties': False,
}
_SERVICE_UPDATE_V211 = {
    **_SERVICE_UPDATE,
    'properties': {**_SERVICE_UPDATE['properties'],
                   'forced_down': wire.BOOLEAN},
}
_SERVICE_UPDATE_V253 = {
    'type': 'object',
    'properties': {'status': {'type': 'string',
                              'enum': ['enabled', 'disabled']},
                   'disabled_reason': wire.REASON,
                   'forced_down': wire.BOOLEAN},
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
_METADATA_BODY = {
    'type': 'object',
    'properties': {'metadata': wire.METADATA},
    'required': ['metadata'],
    'additionalProperties': False,
}
_META_ITEM_BODY = {
    'type': 'object',
    'properties': {'meta': {**wire.METADATA, 'minProperties': 1,
                            'maxProperties': 1}},
    'required': ['meta'],
    'additionalProperties': False,
}
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


def _create_schema(req):
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


class ComputeAPI:
    """Nova's compute API over a ``state.Cloud``."""

    def __init__(self, cloud, max_version, max_limit):
        self._cloud = cloud
        self._max_version = max_version
        self._max_limit = max_limit
        self._server_actions = {
            'os-stop': self._stop,
            'os-start': self._start,
            'lock': self._lock,
            'unlock': self._unlock,
            'os-resetState': self._reset_state,
            'evacuate': self._evacuate,
        }
        self._router = router = wire.Router()
        # The root document lives outside /v2.1 and has no microversion.
        router.add('GET', '/', self._versions)
        routes = [
            ('GET', '', self._version),
            ('GET', '/', self._version),
            ('GET', '/os-services', self._list_services),
            ('PUT', '/os-services/{service_id}', self._update_service),
            ('GET', '/os-hypervisors', self._list_hypervisors),
            ('GET', '/os-hypervisors/detail', self._list_hypervisors_detail),
            ('GET', '/os-hypervisors/{pattern}/search',
             self._search_hypervisors),
            ('GET', '/os-hypervisors/{pattern}/servers',
             self._hypervisor_servers),
            ('GET', '/os-hypervisors/{hypervisor_id}',
             self._show_hypervisor),
            ('GET', '/servers', self._list_servers),
            ('GET', '/servers/detail', self._list_servers_detail),
            ('POST', '/servers', self._create_server),
            ('GET', '/servers/{server_id}', self._show_server),
            ('POST', '/servers/{server_id}/action', self._server_action),
            ('GET', '/servers/{server_id}/metadata', self._list_metadata),
            ('POST', '/servers/{server_id}/metadata', self._merge_metadata),
            ('PUT', '/servers/{server_id}/metadata', self._replace_metadata),
            ('GET', '/servers/{server_id}/metadata/{key}',
             self._show_metadata_item),
            ('PUT', '/servers/{server_id}/metadata/{key}',
             self._set_metadata_item),
            ('DELETE', '/servers/{server_id}/metadata/{key}',
             self._delete_metadata_item),
            ('GET', '/servers/{server_id}/os-instance-actions',
             self._list_actions),
            ('GET', '/servers/{server_id}/os-instance-actions/{request_id}',
             self._show_action),
            ('GET', '/os-migrations', self._list_migrations),
            ('GET', '/os-aggregates', self._list_aggregates),
            ('GET', '/os-aggregates/{aggregate_id}', self._show_aggregate),
            ('POST', '/os-aggregates/{aggregate_id}/action',
             self._aggregate_action),
            ('GET', '/flavors', self._list_flavors),
            ('GET', '/flavors/detail', self._list_flavors_detail),
            ('GET', '/flavors/{flavor_id}', self._show_flavor),
            ('GET', '/images', self._list_images),
            ('GET', '/images/detail', self._list_images_detail),
            ('GET', '/images/{image_id}', self._show_image),
        ]
        for method, template, handler in routes:
            router.add(method, PREFIX + template, handler)

    # --- dispatch ------------------------------------------------------------

    def route(self, req):
        """(counter key, callable answering the request)."""
        try:
            route, args = self._router.match(req.method, req.path)
        except errors.NovaError as exc:
            unmatched = wire.fault(exc.status, exc.message)
            return '%s <unmatched>' % req.method, lambda: unmatched
        key = '%s %s' % (req.method, route.template)
        if route.template.endswith('/action'):
            key += ' [%s]' % (wire.action_name(req) or '?')
        return key, lambda: self._respond(req, route, args)

    def _respond(self, req, route, args):
        versioned = route.template != '/'
        try:
            if versioned:
                req.version = wire.negotiate_version(req.headers,
                                                     self._max_version)
            req.context = context_for(req.headers.get('X-Auth-Token'),
                                      req.request_id)
            response = route.handler(req, **args)
        except errors.NovaError as exc:
            response = wire.fault(exc.status, exc.message)
        if req.version is not None:
            response.headers += [
                (wire.API_VERSION_HEADER, 'compute ' + str(req.version)),
                (wire.LEGACY_API_VERSION_HEADER, str(req.version)),
                ('Vary', wire.API_VERSION_HEADER),
                ('Vary', wire.LEGACY_API_VERSION_HEADER),
            ]
        return response

    def _page(self, req, items, id_of, marker_message, collection):
        """Nova's limit/marker paging over an ordered list.

        Returns the page and its 'next' links (None when the page is not
        full, so there is nothing after it).
        """
        limit = req.param('limit')
        if limit is not None and not re.fullmatch(r'[0-9]+', limit):
            raise errors.BadRequest(
                "Invalid input for query parameters limit. Value: %s. "
                "'%s' does not match '^[0-9]*$'" % (limit, limit))
        size = min(int(limit or 0) or self._max_limit, self._max_limit)
        marker = req.param('marker')
        if marker is not None:
            ids = [id_of(item) for item in items]
            if marker not in ids:
                raise errors.BadRequest(marker_message % marker)
            items = items[ids.index(marker) + 1:]
        page = items[:size]
        return page, views.next_links(req, collection, page, size, id_of)

    # --- versions ------------------------------------------------------------

    def _versions(self, req):
        return wire.Response(200, views.versions(req, self._max_version))

    def _version(self, req):
        return wire.Response(
            200, {'version': views.version(req, self._max_version)})

    # --- services ------------------------------------------------------------

    def _list_services(self, req):
        _require_admin(req, 'os_compute_api:os-services:list')
        if req.at_least('2.75'):
            _only_params(req, ('host', 'binary'))
        cloud = self._cloud
        with cloud.lock:
            services = cloud.services(host=req.param('host'),
                                      binary=req.param('binary'))
            return wire.Response(200, {'services': [
                views.service(req, cloud, s) for s in services]})

    def _update_service(self, req, service_id):
        _require_admin(req, 'os_compute_api:os-services:update')
        body = req.json()
        if req.at_least('2.53'):
            return self._update_service_by_uuid(req, service_id, body)
        actions = ['enable', 'disable', 'disable-log-reason']
        if req.at_least('2.11'):
            actions.append('force-down')
        if service_id not in actions:
            raise errors.NotFound('Unknown action')
        wire.validate(_SERVICE_UPDATE_V211 if req.at_least('2.11')
                      else _SERVICE_UPDATE, body)
        host, binary = body['host'], body['binary']
        reply = {'host': host, 'binary': binary}
        if service_id == 'force-down':
            if 'forced_down' not in body:
                raise errors.BadRequest('Missing forced_down field')
            forced_down = wire.as_bool(body['forced_down'])
            service = self._updatable_service(host, binary)
            self._cloud.set_forced_down(service, forced_down)
            reply['forced_down'] = forced_down
            return wire.Response(200, {'service': reply})
        reason = None
        if service_id == 'disable-log-reason':
            if 'disabled_reason' not in body:
                raise errors.BadRequest('Missing disabled reason field')
            reason = body['disabled_reason']
        disabled = service_id != 'enable'
        service = self._updatable_service(host, binary)
        rpc_wait = self._cloud.set_service_status(service, disabled, reason)
        time.sleep(rpc_wait)
        reply['status'] = 'disabled' if disabled else 'enabled'
        if reason:
            reply['disabled_reason'] = reason
        return wire.Response(200, {'service': reply})

    def _updatable_service(self, host, binary):
        if binary != 'nova-compute':
            raise errors.BadRequest(
                'Updating a %s service is not supported. Only nova-compute '
                'services can be updated.' % binary)
        return self._cloud.service_by_host_and_binary(host, binary)

    def _update_service_by_uuid(self, req, service_id, body):
        if not _is_uuid(service_id):
            raise errors.BadRequest('Invalid uuid %s' % service_id)
        wire.validate(_SERVICE_UPDATE_V253, body)
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

    # --- hypervisors ---------------------------------------------------------

    def _hypervisors(self, req, detail):
        _require_admin(req, 'os_compute_api:os-hypervisors:%s'
                       % ('list-detail' if detail else 'list'))
        pattern = with_servers = None
        if req.at_least('2.53'):
            pattern = req.param('hypervisor_hostname_pattern')
            with_servers = _flag(req, 'with_servers')
        cloud = self._cloud
        with cloud.lock:
            hosts = cloud.hypervisors(pattern)
            if pattern and not hosts:
                raise errors.NotFound(
                    "No hypervisor matching '%s' could be found." % pattern)
            links = None
            if req.at_least('2.33'):
                use_uuid = req.at_least('2.53')
                hosts, links = self._page(
                    req, hosts,
                    lambda h: (h.hypervisor_uuid if use_uuid
                               else str(h.hypervisor_id)),
                    'marker [%s] not found',
                    'os-hypervisors/detail' if detail else 'os-hypervisors')
            body = {'hypervisors': [
                views.hypervisor(req, cloud, h, detail, with_servers)
                for h in hosts]}
            if links:
                body['hypervisors_links'] = links
            return wire.Response(200, body)

    def _list_hypervisors(self, req):
        return self._hypervisors(req, detail=False)

    def _list_hypervisors_detail(self, req):
        return self._hypervisors(req, detail=True)

    def _show_hypervisor(self, req, hypervisor_id):
        _require_admin(req, 'os_compute_api:os-hypervisors:show')
        with_servers = (_flag(req, 'with_servers')
                        if req.at_least('2.53') else False)
        cloud = self._cloud
        with cloud.lock:
            host = cloud.hypervisor(hypervisor_id)
            return wire.Response(200, {'hypervisor': views.hypervisor(
                req, cloud, host, True, with_servers)})

    def _matching_hypervisors(self, req, pattern, policy, with_servers):
        if req.at_least('2.53'):
            # Replaced by query parameters of GET /os-hypervisors.
            raise errors.NotFound('The resource could not be found.')
        _require_admin(req, policy)
        cloud = self._cloud
        with cloud.lock:
            hosts = cloud.hypervisors(pattern)
            if not hosts:
                raise errors.NotFound(
                    "No hypervisor matching '%s' could be found." % pattern)
            return wire.Response(200, {'hypervisors': [
                views.hypervisor(req, cloud, h, False, with_servers)
                for h in hosts]})

    def _search_hypervisors(self, req, pattern):
        return self._matching_hypervisors(
            req, pattern, 'os_compute_api:os-hypervisors:search', False)

    def _hypervisor_servers(self, req, pattern):
        return self._matching_hypervisors(
            req, pattern, 'os_compute_api:os-hypervisors:servers', True)

    # --- servers -------------------------------------------------------------

    def _servers(self, req, detail):
        ctx = req.context
        all_tenants = _flag(req, 'all_tenants') or False
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
        locked = _flag(req, 'locked') if req.at_least('2.73') else None
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

    def _list_servers(self, req):
        return self._servers(req, detail=False)

    def _list_servers_detail(self, req):
        return self._servers(req, detail=True)

    def _show_server(self, req, server_id):
        cloud = self._cloud
        with cloud.lock:
            instance = cloud.get_server(req.context, server_id)
            return wire.Response(200, {'server': views.server(
                req, cloud, instance, single=True)})

    def _create_server(self, req):
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
            _require_admin(req, 'compute:servers:create:'
                                'requested_destination')
        if not server.get('imageRef'):
            raise errors.BadRequest('Missing imageRef attribute')
        cloud = self._cloud
        with cloud.lock:
            instance = cloud.create_server(
                req.context, server['name'],
                _id_from_href(server['flavorRef']),
                _id_from_href(server['imageRef']),
                server.get('metadata', {}), requested_host)
            reply = {
                'id': instance.uuid,
                'links': views.links(req, 'servers', instance.uuid),
                'OS-DCF:diskConfig': 'MANUAL',
                'security_groups': server.get('security_groups',
                                              [{'name': 'default'}]),
                'adminPass': secrets.token_urlsafe(9),
            }
        location = '%s%s/servers/%s' % (req.host_url, PREFIX, instance.uuid)
        return wire.Response(202, {'server': reply},
                             [('Location', location)])

    # --- server actions ------------------------------------------------------

    def _server_action(self, req, server_id):
        body = req.json()
        if not isinstance(body, dict) or len(body) != 1:
            raise errors.BadRequest(
                'Malformed message body: too many body keys')
        name = next(iter(body))
        handler = self._server_actions.get(name)
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
        _require_admin(req, 'os_compute_api:os-admin-actions:reset_state')
        self._cloud.reset_state(req.context, server_id,
                                body['os-resetState']['state'])
        return wire.Response(202)

    def _evacuate(self, req, server_id, body):
        wire.validate(_evacuate_schema(req), body)
        self._cloud.get_server(req.context, server_id)
        _require_admin(req, 'os_compute_api:os-evacuate')
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

    # --- server metadata -----------------------------------------------------

    def _list_metadata(self, req, server_id):
        with self._cloud.lock:
            instance = self._cloud.get_server(req.context, server_id)
            return wire.Response(200, {'metadata': dict(instance.metadata)})

    def _merge_metadata(self, req, server_id):
        return self._write_metadata(req, server_id, replace=False)

    def _replace_metadata(self, req, server_id):
        return self._write_metadata(req, server_id, replace=True)

    def _write_metadata(self, req, server_id, replace):
        body = req.json()
        wire.validate(_METADATA_BODY, body)
        metadata = self._cloud.update_metadata(
            req.context, server_id, body['metadata'], replace=replace)
        return wire.Response(200, {'metadata': metadata})

    def _show_metadata_item(self, req, server_id, key):
        with self._cloud.lock:
            instance = self._cloud.get_server(req.context, server_id)
            if key not in instance.metadata:
                raise errors.NotFound('Metadata item was not found')
            return wire.Response(
                200, {'meta': {key: instance.metadata[key]}})

    def _set_metadata_item(self, req, server_id, key):
        body = req.json()
        wire.validate(_META_ITEM_BODY, body)
        if key not in body['meta']:
            raise errors.BadRequest('Request body and URI mismatch')
        self._cloud.update_metadata(req.context, server_id, body['meta'])
        return wire.Response(200, {'meta': body['meta']})

    def _delete_metadata_item(self, req, server_id, key):
        self._cloud.delete_metadata_item(req.context, server_id, key)
        return wire.Response(204)

    # --- instance actions and migrations -------------------------------------

    def _list_actions(self, req, server_id):
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

    def _show_action(self, req, server_id, request_id):
        with self._cloud.lock:
            action = self._cloud.action(req.context, server_id, request_id)
            return wire.Response(200, {
                'instanceAction': views.instance_action(req, action,
                                                        with_events=True)})

    def _list_migrations(self, req):
        _require_admin(req, 'os_compute_api:os-migrations:index')
        cloud = self._cloud
        with cloud.lock:
            found = migrations.matching(req, cloud.migrations())
            body = {}
            if req.at_least('2.59'):
                found.sort(key=lambda m: (m.created_at, m.id), reverse=True)
                found, links = self._page(req, found, lambda m: m.uuid,
                                          'Marker %s could not be found.',
                                          'os-migrations')
                if links:
                    body['migrations_links'] = links
            body['migrations'] = [views.migration(req, m) for m in found]
            return wire.Response(200, body)

    # --- aggregates ----------------------------------------------------------

    def _list_aggregates(self, req):
        _require_admin(req, 'os_compute_api:os-aggregates:index')
        with self._cloud.lock:
            return wire.Response(200, {'aggregates': [
                views.aggregate(req, a) for a in self._cloud.aggregates()]})

    @staticmethod
    def _aggregate_id(aggregate_id):
        if not re.fullmatch(r'-?[0-9]+', aggregate_id):
            raise errors.BadRequest(
                'Invalid input received: id must be an integer')
        return int(aggregate_id)

    def _show_aggregate(self, req, aggregate_id):
        _require_admin(req, 'os_compute_api:os-aggregates:show')
        with self._cloud.lock:
            aggregate = self._cloud.aggregate(
                self._aggregate_id(aggregate_id))
            return wire.Response(
                200, {'aggregate': views.aggregate(req, aggregate)})

    def _aggregate_action(self, req, aggregate_id):
        body = req.json()
        if not isinstance(body, dict) or list(body) != ['add_host']:
            name = next(iter(body), '') if isinstance(body, dict) else ''
            raise errors.BadRequest('There is no such action: %s' % name)
        _require_admin(req, 'os_compute_api:os-aggregates:add_host')
        wire.validate(_ADD_HOST, body)
        with self._cloud.lock:
            aggregate = self._cloud.add_host_to_aggregate(
                self._aggregate_id(aggregate_id), body['add_host']['host'])
            return wire.Response(
                200, {'aggregate': views.aggregate(req, aggregate)})

    # --- flavors and images --------------------------------------------------

    def _flavors(self, req, detail):
        flavors = list(self._cloud.flavors.values())
        page, links = self._page(req, flavors, lambda f: f.id,
                                 'marker [%s] not found',
                                 'flavors/detail' if detail else 'flavors')
        body = {'flavors': [views.flavor(req, f, detail) for f in page]}
        if links:
            body['flavors_links'] = links
        return wire.Response(200, body)

    def _list_flavors(self, req):
        return self._flavors(req, detail=False)

    def _list_flavors_detail(self, req):
        return self._flavors(req, detail=True)

    def _show_flavor(self, req, flavor_id):
        flavor = self._cloud.flavors.get(flavor_id)
        if flavor is None:
            raise errors.NotFound('Flavor %s could not be found.' % flavor_id)
        return wire.Response(200, {'flavor': views.flavor(req, flavor, True)})

    @staticmethod
    def _check_image_proxy(req):
        # Nova's image proxy API ends at 2.35; later it acts as absent.
        if req.at_least('2.36'):
            raise errors.NotFound('The resource could not be found.')

    def _images(self, req, detail):
        self._check_image_proxy(req)
        images = list(self._cloud.images.values())
        return wire.Response(200, {'images': [
            views.image(req, i, detail) for i in images]})

    def _list_images(self, req):
        return self._images(req, detail=False)

    def _list_images_detail(self, req):
        return self._images(req, detail=True)

    def _show_image(self, req, image_id):
        self._check_image_proxy(req)
        image = self._cloud.images.get(image_id)
        if image is None:
            raise errors.NotFound('Image not found.')
        return wire.Response(200, {'image': views.image(req, image, True)})
