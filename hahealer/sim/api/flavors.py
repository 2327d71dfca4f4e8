"""/flavors: the fixed flavors of the emulated cloud."""

from hahealer.sim import errors
from hahealer.sim import views
from hahealer.sim import wire
from hahealer.sim.api import common


class Flavors(common.Resource):
    def routes(self):
        return [('GET', '/flavors', self._list),
                ('GET', '/flavors/detail', self._list_detail),
                ('GET', '/flavors/{flavor_id}', self._show)]

    def _flavors(self, req, detail):
        flavors = list(self._cloud.flavors.values())
        page, links = self._page(req, flavors, lambda f: f.id,
                                 'marker [%s] not found',
                                 'flavors/detail' if detail else 'flavors')
        body = {'flavors': [views.flavor(req, f, detail) for f in page]}
        if links:
            body['flavors_links'] = links
        return wire.Response(200, body)

    def _list(self, req):
        return self._flavors(req, detail=False)

    def _list_detail(self, req):
        return self._flavors(req, detail=True)

    def _show(self, req, flavor_id):
        flavor = self._cloud.flavors.get(flavor_id)
        if flavor is None:
            raise errors.NotFound('Flavor %s could not be found.' % flavor_id)
        return wire.Response(200, {'flavor': views.flavor(req, flavor, True)})
