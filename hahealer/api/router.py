"""The /v1 application: routes, policy checks, errors as Masakari's faults.

Each route is (method, path pattern, handler, oldest microversion). A
handler takes a :class:`Call` and the path's arguments and returns
(status, body). Paths may start with a project id, as Masakari's catalog
endpoints (``/v1/$(project_id)s``) have them; it must be the caller's.
"""

import logging
import re

import webob
import webob.dec
import webob.exc
from oslo_policy import policy as oslo_policy

from hahealer import exception
from hahealer.api import auth
from hahealer.api import schemas
from hahealer.api import wire

LOG = logging.getLogger(__name__)

_ARG = re.compile(r'\{(\w+)\}')
_PROJECT = re.compile(r'^/([0-9a-fA-F\-]{16,64})(/.*)$')


class Call:
    """One request as handlers see it."""

    def __init__(self, request, context, version, enforcer, max_limit):
        self.request = request
        self.context = context
        self.version = version
        self._enforcer = enforcer
        self._max_limit = max_limit

    def authorize(self, rule):
        """Raise 403 unless the policy lets the caller do ``rule``."""
        target = {'project_id': self.context.project_id,
                  'user_id': self.context.user_id}
        try:
            self._enforcer.authorize(f'os_masakari_api:{rule}', target,
                                     self.context, do_raise=True)
        except oslo_policy.PolicyNotAuthorized:
            raise wire.Fault(403, f'Policy does not allow '
                                  f'os_masakari_api:{rule} to be '
                                  f'performed.') from None

    def body(self, root):
        return wire.json_body(self.request, root)

    def params(self, *names):
        """The query parameters among ``names`` that were given."""
        return {name: self.request.params[name] for name in names
                if name in self.request.params}

    def page(self):
        """limit, marker and the sort keys and directions asked."""
        params = self.request.params
        try:
            limit = int(params.get('limit', self._max_limit))
        except ValueError:
            limit = -1
        if limit < 0:
            raise wire.Fault(400, f"limit must be an integer 0 or greater, "
                                  f"not {params.get('limit')}")
        return {'limit': min(limit, self._max_limit),
                'marker': params.get('marker'),
                'sort_keys': params.getall('sort_key'),
                'sort_dirs': params.getall('sort_dir')}

    def flag(self, name):
        return schemas.flag(self.request.params[name], name)


class Router:
    def __init__(self, routes, enforcer, max_limit):
        self._routes = [(method, _compile(path), handler, since)
                        for method, path, handler, since in routes]
        self._enforcer = enforcer
        self._max_limit = max_limit

    @webob.dec.wsgify
    def __call__(self, request):
        version = None
        try:
            version = wire.requested_version(request.headers)
            context = auth.request_context(request.environ)
            path = self._strip_project(request.path_info, context)
            handler, args = self._match(request.method, path, version)
            call = Call(request, context, version, self._enforcer,
                        self._max_limit)
            status, body = handler(call, **args)
            return wire.respond(status, body, version)
        except wire.Fault as fault:
            return wire.fault_response(fault.status, fault.message, version)
        except exception.HahealerException as exc:
            return wire.fault_response(wire.status_of(exc), exc.message,
                                       version)
        except webob.exc.HTTPRequestEntityTooLarge:
            # a body of unknown length cut by oslo.middleware's reader
            return wire.fault_response(413, wire.TOO_LARGE, version)
        except Exception:
            LOG.exception('%s %s failed', request.method, request.path)
            return wire.fault_response(
                500, 'The server has either erred or is incapable of '
                     'performing the requested operation.', version)

    def _strip_project(self, path, context):
        match = _PROJECT.match(path)
        if not match:
            return path
        if match.group(1) != context.project_id:
            raise wire.Fault(400, f"Malformed request URL: URL's project_id "
                                  f"'{match.group(1)}' doesn't match "
                                  f"Context's project_id "
                                  f"'{context.project_id}'")
        return match.group(2)

    def _match(self, method, path, version):
        path = path.rstrip('/') or '/'
        allowed = False
        for route_method, pattern, handler, since in self._routes:
            match = pattern.match(path)
            if not match or version < since:
                continue
            if route_method == method:
                return handler, match.groupdict()
            allowed = True
        if allowed:
            raise wire.Fault(405, f'The method {method} is not allowed for '
                                  f'this resource.')
        raise wire.Fault(404, 'The resource could not be found.')


def _compile(path):
    return re.compile('^' + _ARG.sub(r'(?P<\1>[^/]+)', path) + '$')
