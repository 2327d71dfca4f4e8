"""The compute API v2.1: one module per Nova resource, routed here.

Who calls is read from the token, as a lab without keystone would need:
no token or any token makes the caller an admin of project ``admin``;
a token ``member:<project>`` makes the caller a non-admin member of
``<project>``.
"""

from hahealer.sim import errors
from hahealer.sim import wire
from hahealer.sim.api import aggregates
from hahealer.sim.api import common
from hahealer.sim.api import flavors
from hahealer.sim.api import hypervisors
from hahealer.sim.api import images
from hahealer.sim.api import instance_actions
from hahealer.sim.api import migrations
from hahealer.sim.api import server_actions
from hahealer.sim.api import server_metadata
from hahealer.sim.api import servers
from hahealer.sim.api import services
from hahealer.sim.api import versions

PREFIX = common.PREFIX
# In the order their routes are matched: a fixed path before a variable one.
_RESOURCES = (versions.Versions, services.Services,
              hypervisors.Hypervisors, servers.Servers,
              server_actions.ServerActions, server_metadata.ServerMetadata,
              instance_actions.InstanceActions, migrations.Migrations,
              aggregates.Aggregates, flavors.Flavors, images.Images)


class ComputeAPI:
    """Nova's compute API over a ``state.Cloud``."""

    def __init__(self, cloud, max_version, max_limit):
        self._max_version = max_version
        self._router = router = wire.Router()
        resources = [resource(cloud, max_version, max_limit)
                     for resource in _RESOURCES]
        # The root document lives outside /v2.1 and has no microversion.
        router.add('GET', '/', resources[0].root)
        for resource in resources:
            for method, template, handler in resource.routes():
                router.add(method, PREFIX + template, handler)

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
            req.context = common.context_for(
                req.headers.get('X-Auth-Token'), req.request_id)
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
