"""/servers/{id}/metadata: a server's metadata, whole or by key."""

from hahealer.sim import errors
from hahealer.sim import wire
from hahealer.sim.api import common

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


class ServerMetadata(common.Resource):
    def routes(self):
        path = '/servers/{server_id}/metadata'
        return [('GET', path, self._list),
                ('POST', path, self._merge),
                ('PUT', path, self._replace),
                ('GET', path + '/{key}', self._show_item),
                ('PUT', path + '/{key}', self._set_item),
                ('DELETE', path + '/{key}', self._delete_item)]

    def _list(self, req, server_id):
        with self._cloud.lock:
            instance = self._cloud.get_server(req.context, server_id)
            return wire.Response(200, {'metadata': dict(instance.metadata)})

    def _merge(self, req, server_id):
        return self._write(req, server_id, replace=False)

    def _replace(self, req, server_id):
        return self._write(req, server_id, replace=True)

    def _write(self, req, server_id, replace):
        body = req.json()
        wire.validate(_METADATA_BODY, body)
        metadata = self._cloud.update_metadata(
            req.context, server_id, body['metadata'], replace=replace)
        return wire.Response(200, {'metadata': metadata})

    def _show_item(self, req, server_id, key):
        with self._cloud.lock:
            instance = self._cloud.get_server(req.context, server_id)
            if key not in instance.metadata:
                raise errors.NotFound('Metadata item was not found')
            return wire.Response(
                200, {'meta': {key: instance.metadata[key]}})

    def _set_item(self, req, server_id, key):
        body = req.json()
        wire.validate(_META_ITEM_BODY, body)
        if key not in body['meta']:
            raise errors.BadRequest('Request body and URI mismatch')
        self._cloud.update_metadata(req.context, server_id, body['meta'])
        return wire.Response(200, {'meta': body['meta']})

    def _delete_item(self, req, server_id, key):
        self._cloud.delete_metadata_item(req.context, server_id, key)
        return wire.Response(204)
