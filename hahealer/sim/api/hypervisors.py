"""/os-hypervisors: list, show, and the pre-2.53 search and servers."""

from hahealer.sim import errors
from hahealer.sim import views
from hahealer.sim import wire
from hahealer.sim.api import common


class Hypervisors(common.Resource):
    def routes(self):
        return [
            ('GET', '/os-hypervisors', self._list),
            ('GET', '/os-hypervisors/detail', self._list_detail),
            ('GET', '/os-hypervisors/{pattern}/search', self._search),
            ('GET', '/os-hypervisors/{pattern}/servers', self._servers),
            ('GET', '/os-hypervisors/{hypervisor_id}', self._show),
        ]

    def _hypervisors(self, req, detail):
        common.require_admin(req, 'os_compute_api:os-hypervisors:%s'
                             % ('list-detail' if detail else 'list'))
        pattern = with_servers = None
        if req.at_least('2.53'):
            pattern = req.param('hypervisor_hostname_pattern')
            with_servers = common.flag(req, 'with_servers')
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

    def _list(self, req):
        return self._hypervisors(req, detail=False)

    def _list_detail(self, req):
        return self._hypervisors(req, detail=True)

    def _show(self, req, hypervisor_id):
        common.require_admin(req, 'os_compute_api:os-hypervisors:show')
        with_servers = (common.flag(req, 'with_servers')
                        if req.at_least('2.53') else False)
        cloud = self._cloud
        with cloud.lock:
            host = cloud.hypervisor(hypervisor_id)
            return wire.Response(200, {'hypervisor': views.hypervisor(
                req, cloud, host, True, with_servers)})

    def _matching(self, req, pattern, policy, with_servers):
        if req.at_least('2.53'):
            # Replaced by query parameters of GET /os-hypervisors.
            raise errors.NotFound('The resource could not be found.')
        common.require_admin(req, policy)
        cloud = self._cloud
        with cloud.lock:
            hosts = cloud.hypervisors(pattern)
            if not hosts:
                raise errors.NotFound(
                    "No hypervisor matching '%s' could be found." % pattern)
            return wire.Response(200, {'hypervisors': [
                views.hypervisor(req, cloud, h, False, with_servers)
                for h in hosts]})

    def _search(self, req, pattern):
        return self._matching(
            req, pattern, 'os_compute_api:os-hypervisors:search', False)

    def _servers(self, req, pattern):
        return self._matching(
            req, pattern, 'os_compute_api:os-hypervisors:servers', True)
