"""Segments and hosts through hahealer-api, as an OpenStack client.

The ``hahealer segment|host`` commands use this when OpenStack's usual
options say where to authenticate (``--os-cloud`` and clouds.yaml,
``OS_AUTH_URL`` and the other ``OS_*`` variables, or an endpoint override
for ``--os-auth-type none``): the request carries a Keystone token and
hahealer-api's policy decides. Records come back in the shape the RPC API
gives, so the commands print the same; fencing parameters are never in a
REST answer, so a host shows only its fencing driver.
"""

from keystoneauth1 import exceptions as ks_exceptions

from hahealer import exception
from hahealer import openstack_options
from hahealer.cli import app

MICROVERSION = '1.2'


def _segment(view):
    return {key: view[key] for key in (
        'id', 'uuid', 'name', 'description', 'service_type',
        'recovery_method', 'enabled', 'created_at', 'updated_at')}


def _host(view):
    return {
        'id': view['id'], 'uuid': view['uuid'], 'name': view['name'],
        'segment': view['failover_segment']['name'],
        'segment_uuid': view['failover_segment_id'], 'type': view['type'],
        'control_attributes': view['control_attributes'],
        'reserved': view['reserved'],
        'on_maintenance': view['on_maintenance'],
        'fencing_driver': view['fencing_driver'],
        'created_at': view['created_at'], 'updated_at': view['updated_at'],
    }


class RestInventory:
    """The inventory methods of ``rpc.EngineClient``, over REST."""

    def __init__(self, options):
        try:
            self._client = openstack_options.adapter(options)
        except exception.Invalid as exc:
            raise app.CommandError(exc.kwargs['reason']) from None

    def _request(self, method, path, body=None):
        try:
            response = self._client.request(
                path, method, json=body, raise_exc=False,
                microversion=MICROVERSION)
        except ks_exceptions.ClientException as exc:
            raise app.CommandError(f'cannot reach hahealer-api: {exc}') \
                from None
        if response.status_code >= 400:
            try:
                [fault] = response.json().values()
                message = fault['message']
            except (ValueError, AttributeError, KeyError, TypeError):
                message = response.text[:200]
            raise app.CommandError(
                f'hahealer-api refused it ({response.status_code}): '
                f'{message}')
        return response.json() if response.content else None

    # --- segments -----------------------------------------------------------

    def create_segment(self, name, recovery_method, description=None,
                       enabled=True):
        return _segment(self._request('POST', '/segments', {'segment': {
            'name': name, 'recovery_method': recovery_method,
            'description': description, 'enabled': enabled,
            'service_type': 'COMPUTE'}})['segment'])

    def get_segment(self, segment):
        return _segment(self._request('GET',
                                      f'/segments/{segment}')['segment'])

    def list_segments(self):
        return [_segment(view) for view in self._request(
            'GET', '/segments?sort_key=name&sort_dir=asc')['segments']]

    def update_segment(self, segment, values):
        return _segment(self._request('PUT', f'/segments/{segment}',
                                      {'segment': values})['segment'])

    def delete_segment(self, segment):
        self._request('DELETE', f'/segments/{segment}')

    # --- hosts --------------------------------------------------------------

    def create_host(self, name, segment, reserved=False,
                    on_maintenance=False, fencing_driver=None,
                    fencing_params=None, nova_check=True):
        body = {'name': name, 'type': 'COMPUTE', 'control_attributes': '',
                'reserved': reserved, 'on_maintenance': on_maintenance}
        if not nova_check:
            body['nova_check'] = False
        if fencing_driver:
            body.update(fencing_driver=fencing_driver,
                        fencing_params=fencing_params or {})
        return _host(self._request('POST', f'/segments/{segment}/hosts',
                                   {'host': body})['host'])

    def list_hosts(self, segment=None):
        segments = ([segment] if segment else
                    [s['uuid'] for s in self.list_segments()])
        hosts = [_host(view) for uuid in segments for view in self._request(
            'GET', f'/segments/{uuid}/hosts')['hosts']]
        return sorted(hosts, key=lambda host: host['name'])

    def _find(self, host):
        for record in self.list_hosts():
            if host in (record['name'], record['uuid']):
                return record
        raise app.CommandError(f'Host {host} could not be found.')

    def get_host(self, host):
        return self._find(host)

    def update_host(self, host, values):
        record = self._find(host)
        if 'segment' in values:
            raise app.CommandError(
                "a host does not move between segments through "
                "hahealer-api (Masakari's API has no such change): delete "
                "it and create it in the other segment")
        return _host(self._request(
            'PUT', f"/segments/{record['segment_uuid']}/hosts/"
                   f"{record['uuid']}", {'host': values})['host'])

    def delete_host(self, host):
        record = self._find(host)
        self._request('DELETE', f"/segments/{record['segment_uuid']}/hosts/"
                                f"{record['uuid']}")
