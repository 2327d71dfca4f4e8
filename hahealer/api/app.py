"""hahealer-api as one WSGI application.

    /        the versions document (no authentication)
    /v1      the same version's document; below it, segments, hosts,
             notifications and vmoves behind auth_token (or noauth),
             oslo.policy and Masakari's microversions
"""

import logging

from oslo_middleware import request_id
from oslo_middleware import sizelimit

from hahealer import rpc
from hahealer.api import auth
from hahealer.api import inventory
from hahealer.api import notifications
from hahealer.api import policy
from hahealer.api import router
from hahealer.api import versions
from hahealer.api import wire
from hahealer.compute import nova
from hahealer.db import api as db_api
from hahealer.db import migration
from hahealer.management import Management

LOG = logging.getLogger(__name__)


class Application:
    """Routes / and /v1 without authentication, the rest of /v1 with."""

    def __init__(self, conf, database, engine=None, nova_api=None):
        manage = Management(database, nova_api)
        routes = (inventory.Inventory(manage).routes()
                  + notifications.Notifications(database, manage,
                                                engine).routes())
        self._v1 = auth.protect(
            router.Router(routes, policy.enforcer(conf),
                          conf.api.max_limit), conf)

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '') or '/'
        if path.rstrip('/') in ('', '/v1'):
            app = versions.v1 if path.rstrip('/') else versions.root
            return app(environ, start_response)
        if path.startswith('/v1/'):
            environ['SCRIPT_NAME'] = environ.get('SCRIPT_NAME', '') + '/v1'
            environ['PATH_INFO'] = path[3:]
            return self._v1(environ, start_response)
        return versions.root(environ, start_response)


def build(conf):
    """The application as configured: database, Nova host checks, the
    engine's RPC topic, request ids and a body size limit."""
    database = db_api.Database(conf.database.connection,
                               conf.database.pool_size)
    migration.check_current(database.engine)
    engine = None
    if conf.api.notify_engine:
        engine = rpc.EngineClient(rpc.get_transport(conf), conf.engine_topic)
    nova_api = nova.NovaAPI.from_conf(conf) if conf.nova.check_hosts \
        else None
    return wrap(Application(conf, database, engine, nova_api), conf)


def wrap(app, conf):
    """``app`` behind request ids and a body size limit, as Masakari's
    pipeline has them."""
    return request_id.RequestId(BodyLimit(app, conf))


class BodyLimit:
    """413 with Masakari's overLimit fault for a body larger than
    ``[oslo_middleware] max_request_body_size``: oslo.middleware answers
    an HTML page of its own, not the JSON fault clients of this API parse."""

    def __init__(self, app, conf):
        # oslo.middleware's limiter registers the option and cuts a body
        # of unknown length (chunked) as it is read: the router answers
        # that one.
        self._app = sizelimit.RequestBodySizeLimiter(app, conf)
        self._limit = conf.oslo_middleware.max_request_body_size

    def __call__(self, environ, start_response):
        try:
            length = int(environ.get('CONTENT_LENGTH') or 0)
        except ValueError:
            length = 0
        if length > self._limit:
            return wire.fault_response(
                413, f'{wire.TOO_LARGE} ({self._limit} bytes)')(
                environ, start_response)
        return self._app(environ, start_response)
