"""Segments and their hosts over REST, managed through the same
hahealer.management.Management as the RPC API."""

from hahealer.api import schemas
from hahealer.api import views


class Inventory:
    def __init__(self, manage):
        self._manage = manage

    def routes(self):
        return [
            ('GET', '/segments', self.list_segments, (1, 0)),
            ('POST', '/segments', self.create_segment, (1, 0)),
            ('GET', '/segments/{segment_id}', self.show_segment, (1, 0)),
            ('PUT', '/segments/{segment_id}', self.update_segment, (1, 0)),
            ('DELETE', '/segments/{segment_id}', self.delete_segment,
             (1, 0)),
            ('GET', '/segments/{segment_id}/hosts', self.list_hosts, (1, 0)),
            ('POST', '/segments/{segment_id}/hosts', self.create_host,
             (1, 0)),
            ('GET', '/segments/{segment_id}/hosts/{host_id}', self.show_host,
             (1, 0)),
            ('PUT', '/segments/{segment_id}/hosts/{host_id}',
             self.update_host, (1, 0)),
            ('DELETE', '/segments/{segment_id}/hosts/{host_id}',
             self.delete_host, (1, 0)),
        ]

    # --- segments -----------------------------------------------------------

    def list_segments(self, call):
        call.authorize('segments:index')
        filters = call.params('recovery_method', 'service_type')
        if 'enabled' in call.request.params and call.version >= (1, 2):
            filters['enabled'] = call.flag('enabled')
        records = self._manage.list_segments(filters=filters, **call.page())
        return 200, {'segments': [views.segment(record, call.version)
                                  for record in records]}

    def create_segment(self, call):
        call.authorize('segments:create')
        values = schemas.check(schemas.segment_create(call.version),
                               call.body('segment'), 'segment')
        record = self._manage.create_segment(
            values['name'], values['recovery_method'],
            values.get('description'), values.get('enabled', True),
            values['service_type'])
        return 201, {'segment': views.segment(record, call.version)}

    def show_segment(self, call, segment_id):
        call.authorize('segments:detail')
        record = self._manage.get_segment(segment_id)
        return 200, {'segment': views.segment(record, call.version)}

    def update_segment(self, call, segment_id):
        call.authorize('segments:update')
        values = schemas.check(schemas.segment_update(call.version),
                               call.body('segment'), 'segment')
        record = self._manage.update_segment(segment_id, values)
        return 200, {'segment': views.segment(record, call.version)}

    def delete_segment(self, call, segment_id):
        call.authorize('segments:delete')
        self._manage.delete_segment(segment_id)
        return 204, None

    # --- hosts --------------------------------------------------------------

    def list_hosts(self, call, segment_id):
        call.authorize('os-hosts:index')
        segment = views.segment(self._manage.get_segment(segment_id),
                                call.version)
        filters = call.params('type')
        for name in ('reserved', 'on_maintenance'):
            if name in call.request.params:
                filters[name] = call.flag(name)
        records = self._manage.list_hosts(segment_id, filters=filters,
                                          **call.page())
        return 200, {'hosts': [views.host(record, segment)
                               for record in records]}

    def create_host(self, call, segment_id):
        call.authorize('os-hosts:create')
        values = schemas.check(schemas.HOST_CREATE, call.body('host'),
                               'host')
        segment = self._manage.get_segment(segment_id)
        record = self._manage.create_host(
            values.pop('name'), segment['uuid'], **values)
        return 201, {'host': views.host(
            record, views.segment(segment, call.version))}

    def show_host(self, call, segment_id, host_id):
        call.authorize('os-hosts:detail')
        return 200, {'host': self._host_view(
            call, self._manage.get_host(host_id, segment_id))}

    def update_host(self, call, segment_id, host_id):
        call.authorize('os-hosts:update')
        values = schemas.check(schemas.HOST_UPDATE, call.body('host'),
                               'host')
        record = self._manage.update_host(host_id, values, segment_id)
        return 200, {'host': self._host_view(call, record)}

    def delete_host(self, call, segment_id, host_id):
        call.authorize('os-hosts:delete')
        self._manage.delete_host(host_id, segment_id)
        return 204, None

    def _host_view(self, call, record):
        segment = self._manage.get_segment(record['segment_uuid'])
        return views.host(record, views.segment(segment, call.version))
