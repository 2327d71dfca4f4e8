"""GET / and GET /v2.1: the API versions and their microversions."""

from hahealer.sim import views
from hahealer.sim import wire
from hahealer.sim.api import common


class Versions(common.Resource):
    def routes(self):
        return [('GET', '', self._version), ('GET', '/', self._version)]

    def root(self, req):
        return wire.Response(200, views.versions(req, self._max_version))

    def _version(self, req):
        return wire.Response(
            200, {'version': views.version(req, self._max_version)})
