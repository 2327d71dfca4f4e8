"""Every error status Masakari's v1 API reference lists, over real HTTP.

hahealer-api (noauth, behind the same request-id and body-size middleware
as in production) is served by waitress on loopback and asked with
requests. One world is built per database: a segment with a free host, a
segment whose host has a notification being recovered (with an instance
move), and a segment with a process failure. Each row of the table is a
request that must fail: its status, the fault's top-level key, the code in
the body and words of the message that name what is wrong.
"""

import dataclasses
import io
import json
import threading
import uuid

import pytest
import requests
import waitress
import webob

from hahealer.api import app as api_app
from hahealer.conf import CONF
from hahealer.db import api as db_api
from hahealer.db import migration
from tests.functional.api.conftest import ADMIN
from tests.functional.api.conftest import FakeNova

PROJECT = '0123456789abcdef0123456789abcdef'
OTHER_PROJECT = 'fedcba9876543210fedcba9876543210'
UNKNOWN = '00000000-0000-4000-8000-00000000dead'
NOW = '2026-11-23T00:00:00Z'


@dataclasses.dataclass
class Case:
    method: str
    path: str
    status: int
    fault: str
    words: tuple
    body: object = None
    version: str | None = None
    roles: str = ADMIN
    #: raw bytes instead of ``body`` as JSON
    raw: bytes | None = None
    #: ``raw`` sent in chunks, without a Content-Length
    chunked: bool = False

    def __str__(self):
        return f'{self.method} {self.path} ({self.status})'


def _bad_request(method, path, *words, **kwargs):
    return Case(method, path, 400, 'badRequest', words, **kwargs)


def _forbidden(method, path, rule, roles='nobody', **kwargs):
    return Case(method, path, 403, 'forbidden',
                (f'os_masakari_api:{rule}',), roles=roles, **kwargs)


def _not_found(method, path, *words, **kwargs):
    return Case(method, path, 404, 'itemNotFound', words, **kwargs)


def _conflict(method, path, *words, **kwargs):
    return Case(method, path, 409, 'conflictingRequest', words, **kwargs)


def _foreign(method, path):
    """The caller's project must be the one in the path (any call)."""
    return _bad_request(method, f'/v1/{OTHER_PROJECT}{path[3:]}',
                        OTHER_PROJECT, "doesn't match")


SEGMENT = {'name': 'rack9', 'recovery_method': 'auto',
           'service_type': 'COMPUTE'}
HOST = {'name': 'compute-3', 'type': 'COMPUTE', 'control_attributes': 'SSH'}
HOST_DOWN = {'type': 'COMPUTE_HOST', 'hostname': 'compute-2',
             'generated_time': NOW,
             'payload': {'event': 'STOPPED', 'host_status': 'NORMAL',
                         'cluster_status': 'OFFLINE'}}

FREE = '/v1/segments/{free}'
BUSY = '/v1/segments/{busy}'
FREE_HOST = FREE + '/hosts/{free_host}'
BUSY_HOST = BUSY + '/hosts/{busy_host}'
FAILURE = '/v1/notifications/{failure}'
PROCESS = '/v1/notifications/{process}'

CASES = [
    # versions, routing, microversions: any call
    _not_found('GET', '/v2/', 'could not be found'),
    _not_found('GET', '/v1/widgets', 'could not be found'),
    _not_found('GET', FAILURE + '/vmoves', 'could not be found',
               version='1.2'),
    Case('GET', '/v1/segments', 406, 'notAcceptable',
         ('Version 1.9 is not supported', 'maximum is 1.3'), version='1.9'),
    _bad_request('GET', '/v1/segments', 'one', 'invalid format',
                 version='one'),
    Case('PATCH', FREE, 405, 'badMethod', ('PATCH is not allowed',)),
    Case('POST', '/v1/segments', 413, 'overLimit',
         ('body is larger than', 'max_request_body_size', '114688'),
         raw=b'{"segment": {"description": "' + b'x' * 200_000 + b'"}}'),
    # chunked: waitress reads it whole before the application sees it
    Case('POST', '/v1/segments', 413, 'overLimit',
         ('body is larger than', 'max_request_body_size'),
         raw=b'{"segment": {"description": "' + b'x' * 200_000 + b'"}}',
         chunked=True),

    # GET /segments
    _bad_request('GET', '/v1/segments?sort_key=colour', 'sort_key colour'),
    _bad_request('GET', '/v1/segments?sort_dir=sideways', 'sideways'),
    _bad_request('GET', '/v1/segments?limit=-1', 'limit', '-1'),
    _bad_request('GET', '/v1/segments?limit=ten', 'limit', 'ten'),
    _bad_request('GET', f'/v1/segments?marker={UNKNOWN}', UNKNOWN),
    _bad_request('GET', '/v1/segments?enabled=maybe', 'enabled', 'maybe',
                 version='1.2'),
    _foreign('GET', '/v1/segments'),
    _forbidden('GET', '/v1/segments', 'segments:index'),

    # POST /segments
    _bad_request('POST', '/v1/segments', 'no body', '"segment"'),
    _bad_request('POST', '/v1/segments', 'Malformed request body',
                 raw=b'{"segment": '),
    _bad_request('POST', '/v1/segments', 'segment', body={'rack': {}}),
    _bad_request('POST', '/v1/segments', "'name' is a required",
                 body={'segment': {'recovery_method': 'auto',
                                   'service_type': 'COMPUTE'}}),
    _bad_request('POST', '/v1/segments', 'segment.recovery_method', 'pray',
                 body={'segment': {**SEGMENT, 'recovery_method': 'pray'}}),
    _bad_request('POST', '/v1/segments', 'colour',
                 body={'segment': {**SEGMENT, 'colour': 'red'}}),
    _bad_request('POST', '/v1/segments', 'enabled',
                 body={'segment': {**SEGMENT, 'enabled': False}}),
    _bad_request('POST', '/v1/segments', 'segment.name',
                 body={'segment': {**SEGMENT, 'name': 'r' * 256}}),
    _conflict('POST', '/v1/segments', 'rack-free', 'already exists',
              body={'segment': {**SEGMENT, 'name': 'rack-free'}}),
    _forbidden('POST', '/v1/segments', 'segments:create', roles='reader',
               body={'segment': SEGMENT}),

    # GET /segments/{segment_id}
    _not_found('GET', f'/v1/segments/{UNKNOWN}', UNKNOWN),
    _foreign('GET', FREE),
    _forbidden('GET', FREE, 'segments:detail'),

    # PUT /segments/{segment_id}
    _bad_request('PUT', FREE, 'segment', body={'segment': {}}),
    _bad_request('PUT', FREE, 'segment.recovery_method', 'pray',
                 body={'segment': {'recovery_method': 'pray'}}),
    _not_found('PUT', f'/v1/segments/{UNKNOWN}', UNKNOWN,
               body={'segment': {'description': 'x'}}),
    _conflict('PUT', FREE, 'rack-busy', 'already exists',
              body={'segment': {'name': 'rack-busy'}}),
    _conflict('PUT', BUSY, 'compute-2',
              body={'segment': {'description': 'x'}}),
    _foreign('PUT', FREE),
    _forbidden('PUT', FREE, 'segments:update', roles='reader',
               body={'segment': {'description': 'x'}}),

    # DELETE /segments/{segment_id}
    _not_found('DELETE', f'/v1/segments/{UNKNOWN}', UNKNOWN),
    _conflict('DELETE', FREE, 'rack-free', 'compute-1'),
    _conflict('DELETE', BUSY, 'compute-2'),
    _foreign('DELETE', FREE),
    _forbidden('DELETE', FREE, 'segments:delete', roles='reader'),

    # GET /segments/{segment_id}/hosts
    _not_found('GET', f'/v1/segments/{UNKNOWN}/hosts', UNKNOWN),
    _bad_request('GET', FREE + '/hosts?reserved=maybe', 'reserved',
                 'maybe'),
    _bad_request('GET', FREE + '/hosts?on_maintenance=maybe',
                 'on_maintenance', 'maybe'),
    _bad_request('GET', FREE + '/hosts?sort_key=colour', 'sort_key colour'),
    _bad_request('GET', FREE + '/hosts?limit=-5', 'limit', '-5'),
    _bad_request('GET', FREE + f'/hosts?marker={UNKNOWN}', UNKNOWN),
    _foreign('GET', FREE + '/hosts'),
    _forbidden('GET', FREE + '/hosts', 'os-hosts:index'),

    # POST /segments/{segment_id}/hosts
    _bad_request('POST', FREE + '/hosts', 'no body', '"host"'),
    _bad_request('POST', FREE + '/hosts', 'host', 'type',
                 body={'host': {'name': 'compute-3',
                                'control_attributes': 'SSH'}}),
    _bad_request('POST', FREE + '/hosts', 'host.reserved', 'maybe',
                 body={'host': {**HOST, 'reserved': 'maybe'}}),
    _bad_request('POST', FREE + '/hosts', 'toaster',
                 body={'host': {**HOST, 'name': 'toaster'}}),
    _not_found('POST', f'/v1/segments/{UNKNOWN}/hosts', UNKNOWN,
               body={'host': HOST}),
    _conflict('POST', FREE + '/hosts', 'compute-1', 'already exists',
              body={'host': {**HOST, 'name': 'compute-1'}}),
    _conflict('POST', FREE + '/hosts', 'compute-2', 'already exists',
              body={'host': {**HOST, 'name': 'compute-2'}}),
    _foreign('POST', FREE + '/hosts'),
    _forbidden('POST', FREE + '/hosts', 'os-hosts:create', roles='reader',
               body={'host': HOST}),

    # GET /segments/{segment_id}/hosts/{host_id}
    _not_found('GET', FREE + f'/hosts/{UNKNOWN}', UNKNOWN),
    _not_found('GET', f'/v1/segments/{UNKNOWN}/hosts/{{free_host}}',
               UNKNOWN),
    _not_found('GET', FREE + '/hosts/{busy_host}', '{busy_host}'),
    _foreign('GET', FREE_HOST),
    _forbidden('GET', FREE_HOST, 'os-hosts:detail'),

    # PUT /segments/{segment_id}/hosts/{host_id}
    _bad_request('PUT', FREE_HOST, 'host', body={'host': {}}),
    _bad_request('PUT', FREE_HOST, 'host.on_maintenance', 'maybe',
                 body={'host': {'on_maintenance': 'maybe'}}),
    _bad_request('PUT', FREE_HOST, 'toaster',
                 body={'host': {'name': 'toaster'}}),
    _not_found('PUT', FREE + f'/hosts/{UNKNOWN}', UNKNOWN,
               body={'host': {'reserved': True}}),
    _not_found('PUT', f'/v1/segments/{UNKNOWN}/hosts/{{free_host}}',
               UNKNOWN, body={'host': {'reserved': True}}),
    _conflict('PUT', FREE_HOST, 'compute-3', 'already exists',
              body={'host': {'name': 'compute-3'}}),
    _conflict('PUT', BUSY_HOST, 'compute-2',
              body={'host': {'reserved': True}}),
    _foreign('PUT', FREE_HOST),
    _forbidden('PUT', FREE_HOST, 'os-hosts:update', roles='reader',
               body={'host': {'reserved': True}}),

    # DELETE /segments/{segment_id}/hosts/{host_id}
    _not_found('DELETE', FREE + f'/hosts/{UNKNOWN}', UNKNOWN),
    _not_found('DELETE', f'/v1/segments/{UNKNOWN}/hosts/{{free_host}}',
               UNKNOWN),
    _conflict('DELETE', BUSY_HOST, 'compute-2'),
    _foreign('DELETE', FREE_HOST),
    _forbidden('DELETE', FREE_HOST, 'os-hosts:delete', roles='reader'),

    # GET /notifications
    _bad_request('GET', '/v1/notifications?generated-since=soon',
                 'generated-since', 'soon'),
    _bad_request('GET', '/v1/notifications?sort_key=colour',
                 'sort_key colour'),
    _bad_request('GET', '/v1/notifications?limit=many', 'limit', 'many'),
    _bad_request('GET', f'/v1/notifications?marker={UNKNOWN}', UNKNOWN),
    _foreign('GET', '/v1/notifications'),
    _forbidden('GET', '/v1/notifications', 'notifications:index'),

    # POST /notifications
    _bad_request('POST', '/v1/notifications', 'no body', '"notification"'),
    _bad_request('POST', '/v1/notifications', 'type', 'EXPLOSION',
                 body={'notification': {**HOST_DOWN, 'type': 'EXPLOSION'}}),
    _bad_request('POST', '/v1/notifications', 'event', 'EXPLODED',
                 body={'notification': {**HOST_DOWN, 'payload': {
                     'event': 'EXPLODED', 'host_status': 'NORMAL',
                     'cluster_status': 'OFFLINE'}}}),
    _bad_request('POST', '/v1/notifications', 'generated_time',
                 body={'notification': {**HOST_DOWN,
                                        'generated_time': 'yesterday'}}),
    _bad_request('POST', '/v1/notifications', 'nowhere', 'no failover '
                 'segment', body={'notification': {**HOST_DOWN,
                                                   'hostname': 'nowhere'}}),
    _conflict('POST', '/v1/notifications', 'duplicate', '{failure}',
              body={'notification': HOST_DOWN}),
    _foreign('POST', '/v1/notifications'),
    _forbidden('POST', '/v1/notifications', 'notifications:create',
               roles='reader', body={'notification': HOST_DOWN}),

    # GET /notifications/{notification_id}
    _not_found('GET', f'/v1/notifications/{UNKNOWN}', UNKNOWN),
    _foreign('GET', FAILURE),
    _forbidden('GET', FAILURE, 'notifications:detail'),

    # GET /notifications/{notification_id}/vmoves (1.3)
    _bad_request('GET', PROCESS + '/vmoves', '{process}', 'PROCESS',
                 version='1.3'),
    _not_found('GET', f'/v1/notifications/{UNKNOWN}/vmoves', UNKNOWN,
               version='1.3'),
    _bad_request('GET', FAILURE + '/vmoves?sort_key=colour',
                 'sort_key colour', version='1.3'),
    _bad_request('GET', FAILURE + f'/vmoves?marker={UNKNOWN}', UNKNOWN,
                 version='1.3'),
    _foreign('GET', FAILURE + '/vmoves'),
    _forbidden('GET', FAILURE + '/vmoves', 'vmoves:index', version='1.3'),

    # GET /notifications/{notification_id}/vmoves/{vmove_id} (1.3)
    _not_found('GET', FAILURE + f'/vmoves/{UNKNOWN}', UNKNOWN,
               version='1.3'),
    _not_found('GET', f'/v1/notifications/{UNKNOWN}/vmoves/{{vmove}}',
               UNKNOWN, version='1.3'),
    _bad_request('GET', PROCESS + '/vmoves/{vmove}', '{process}',
                 'PROCESS', version='1.3'),
    _foreign('GET', FAILURE + '/vmoves/{vmove}'),
    _forbidden('GET', FAILURE + '/vmoves/{vmove}', 'vmoves:detail',
               version='1.3'),
]


@pytest.fixture(params=['sqlite', 'postgresql'])
def served(request, conf, database_url_factory):
    """(base URL, database) of hahealer-api served by waitress."""
    conf.override(group='api', auth_strategy='noauth')
    database = db_api.Database(database_url_factory(request.param))
    migration.upgrade(database.engine)
    app = api_app.wrap(
        api_app.Application(CONF, database, nova_api=FakeNova()), CONF)
    server = waitress.create_server(app, host='127.0.0.1', port=0,
                                    threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{server.effective_port}', database
    finally:
        server.close()
        thread.join(10)
        database.dispose()


def _call(base, case, names):
    headers = {'X-Roles': case.roles, 'X-Project-Id': PROJECT}
    if case.version:
        headers['OpenStack-API-Version'] = f'instance-ha {case.version}'
    data = case.raw
    if data is None and case.body is not None:
        data = json.dumps(case.body).encode()
    if data is not None:
        headers['Content-Type'] = 'application/json'
    if case.chunked:
        data = iter([data[:1000], data[1000:]])
    return requests.request(case.method, base + case.path.format(**names),
                            data=data, headers=headers, timeout=30)


def test_a_body_of_unknown_length_is_cut_at_the_limit(conf,
                                                       database_url_factory):
    """What a server that streams a chunked body (uWSGI, gunicorn) hands
    over: no length, the body read as the application asks for it."""
    conf.override(group='api', auth_strategy='noauth')
    database = db_api.Database(database_url_factory('sqlite'))
    migration.upgrade(database.engine)
    app = api_app.wrap(api_app.Application(CONF, database), CONF)
    request = webob.Request.blank('/v1/segments', method='POST')
    request.environ['wsgi.input'] = io.BytesIO(b'{"segment": "' +
                                               b'x' * 200_000 + b'"}')
    request.environ.pop('CONTENT_LENGTH', None)
    request.environ['HTTP_TRANSFER_ENCODING'] = 'chunked'
    # how such a server says the stream ends with the body
    request.environ['wsgi.input_terminated'] = True
    response = request.get_response(app)
    database.dispose()
    assert response.status_int == 413, response.text
    fault = response.json['overLimit']
    assert fault['code'] == 413
    assert 'max_request_body_size' in fault['message']


def _world(base):
    """Names the table's paths use: three segments of one host each, a
    host failure being recovered and a process failure."""
    def send(method, path, body):
        response = requests.request(method, base + path, json=body,
                                    headers={'X-Project-Id': PROJECT},
                                    timeout=30)
        assert response.status_code in (201, 202), response.text
        return response.json()

    names = {}
    for key, segment, host in (('free', 'rack-free', 'compute-1'),
                               ('busy', 'rack-busy', 'compute-2'),
                               ('other', 'rack-other', 'compute-3')):
        created = send('POST', '/v1/segments', {'segment': {
            **SEGMENT, 'name': segment}})['segment']
        names[key] = created['uuid']
        names[f'{key}_host'] = send(
            'POST', f"/v1/segments/{created['uuid']}/hosts",
            {'host': {**HOST, 'name': host}})['host']['uuid']
    names['failure'] = send('POST', '/v1/notifications', {
        'notification': HOST_DOWN})['notification']['notification_uuid']
    names['process'] = send('POST', '/v1/notifications', {'notification': {
        'type': 'PROCESS', 'hostname': 'compute-3', 'generated_time': NOW,
        'payload': {'event': 'STOPPED', 'process_name': 'nova-compute'}}}
    )['notification']['notification_uuid']
    return names


def test_every_listed_error(served):
    base, database = served
    names = _world(base)
    database.start_vmove(names['failure'], str(uuid.uuid4()), 'compute-2')
    [names['vmove']] = [vmove['uuid'] for vmove in
                        database.list_vmoves(names['failure'])]
    wrong = []
    for case in CASES:
        response = _call(base, case, names)
        problem = _check(case, response, names)
        if problem:
            wrong.append(f'{case}: {problem}')
    assert not wrong, '\n'.join(wrong)
    # None of those requests changed anything.
    assert [s['name'] for s in database.list_segments()] == [
        'rack-busy', 'rack-free', 'rack-other']
    assert [h['name'] for h in database.list_hosts()] == [
        'compute-1', 'compute-2', 'compute-3']
    assert len(database.list_notifications()) == 2


def _check(case, response, names):
    if response.status_code != case.status:
        return f'answered {response.status_code}: {response.text[:300]}'
    try:
        body = response.json()
    except ValueError:
        return f'no JSON body: {response.text[:300]}'
    if list(body) != [case.fault]:
        return f'fault {list(body)}, not {case.fault}'
    fault = body[case.fault]
    if fault.get('code') != case.status:
        return f"code {fault.get('code')} in the body"
    message = fault.get('message', '')
    missing = [word.format(**names) for word in case.words
               if word.format(**names) not in message]
    if missing:
        return f'message {message!r} does not name {missing}'
    return None
