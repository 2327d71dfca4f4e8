"""The version documents at / and /v1: open to everyone, as Masakari's."""

import webob.dec

from hahealer.api import wire

UPDATED = '2026-11-23T00:00:00Z'


def _version(request, version_id):
    return {
        'id': version_id,
        'status': 'CURRENT',
        'version': wire.version_string(wire.MAX_VERSION),
        'min_version': wire.version_string(wire.MIN_VERSION),
        'updated': UPDATED,
        'links': [{'rel': 'self', 'href': request.host_url
                   + request.script_name + '/v1/'}],
        'media-types': [{
            'base': 'application/json',
            'type': 'application/vnd.openstack.masakari+json;version=1'}],
    }


@webob.dec.wsgify
def root(request):
    """GET /: every major version (there is one)."""
    if request.path_info.strip('/'):
        return wire.fault_response(404, 'The resource could not be found.')
    return wire.respond(200, {'versions': [_version(request, 'v1.0')]})


@webob.dec.wsgify
def v1(request):
    """GET /v1: this version."""
    return wire.respond(200, {'version': _version(request, 'v1')})
