"""Who is asking: keystonemiddleware's auth_token, or no authentication.

With ``[api] auth_strategy = keystone`` every request under /v1 passes
keystonemiddleware's auth_token ([keystone_authtoken]), which refuses a
missing or invalid token with 401 and sets the identity headers (after
removing any the client sent). With ``noauth`` (labs, tests) the identity
is read from those headers as the client sent them, by default an admin.
"""

from keystonemiddleware import auth_token
from oslo_context import context

from hahealer import exception

NOAUTH_ROLES = 'admin,member,reader'


class NoAuth:
    """Trusts the identity headers the client sends: never in production."""

    def __init__(self, app):
        self._app = app

    def __call__(self, environ, start_response):
        environ.setdefault('HTTP_X_USER_ID', 'noauth-user')
        environ.setdefault('HTTP_X_PROJECT_ID', 'noauth-project')
        environ.setdefault('HTTP_X_ROLES', NOAUTH_ROLES)
        environ['HTTP_X_IDENTITY_STATUS'] = 'Confirmed'
        return self._app(environ, start_response)


def protect(app, conf):
    """``app`` behind the configured authentication."""
    strategy = conf.api.auth_strategy
    if strategy == 'noauth':
        return NoAuth(app)
    if strategy == 'keystone':
        return auth_token.AuthProtocol(app, {'oslo_config_config': conf})
    raise exception.ConfigurationError(
        reason=f'[api] auth_strategy {strategy} is not keystone or noauth')


def request_context(environ):
    """The caller as an oslo.context RequestContext, from the identity
    headers auth_token (or NoAuth) left in ``environ``."""
    return context.RequestContext.from_environ(environ)
