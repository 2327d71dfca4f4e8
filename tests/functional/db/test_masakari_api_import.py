"""``hahealer-manage import-masakari`` from a Masakari v1 API: a real
hahealer-api (it speaks Masakari's v1 API) serves the source, with noauth,
and the import writes into a fresh database."""

import contextlib
import http.server
import json
import os
import subprocess
import sys
import threading

import pytest

from tests import engine_fixture
from tests import keystone_fixture

NOWHERE = 'http://127.0.0.1:9/'


def import_masakari(config, *args, env=None):
    """Run the command, without the caller's OS_* variables."""
    clean = {key: value for key, value in os.environ.items()
             if not key.startswith('OS_')}
    return subprocess.run(
        [sys.executable, '-m', 'hahealer.cmd.manage', '--config-file',
         str(config), 'import-masakari', *args], capture_output=True,
        text=True, cwd=engine_fixture.REPO_ROOT, timeout=120,
        env={**clean, **(env or {})})


def noauth(endpoint):
    return ('--os-auth-type', 'none', '--os-instance-ha-endpoint-override',
            endpoint)


def contents(config):
    """(segments, hosts) of a hahealer database, the fields copied."""
    database = engine_fixture.open_database(config)
    try:
        segments = [(s['uuid'], s['name'], s['recovery_method'],
                     s['description'], s['enabled'])
                    for s in database.list_segments()]
        hosts = sorted((h['uuid'], h['name'], h['segment'], h['reserved'],
                        h['on_maintenance'], h['control_attributes'],
                        h['fencing_driver'])
                       for h in database.list_hosts())
    finally:
        database.dispose()
    return segments, hosts


@pytest.fixture
def source(tmp_path):
    """(API endpoint, its config): hahealer-api with noauth over two
    segments, one disabled, and three hosts."""
    port = keystone_fixture.free_port()
    config = engine_fixture.prepare(
        tmp_path / 'source', NOWHERE, segment='rack1',
        hosts=('compute-1', 'compute-2'),
        api={'auth_strategy': 'noauth', 'bind_host': '127.0.0.1',
             'bind_port': port})
    database = engine_fixture.open_database(config)
    try:
        database.create_segment('rack2', 'reserved_host', 'spares here',
                                enabled=False)
        database.create_host('spare-1', 'rack2', reserved=True,
                             on_maintenance=True,
                             control_attributes='SSH')
    finally:
        database.dispose()
    api = engine_fixture.ApiProcess(config, 'api').start()
    yield f'http://127.0.0.1:{port}/v1', config
    api.kill()


def test_copies_what_the_api_serves_once(source, tmp_path):
    endpoint, source_config = source
    target = engine_fixture.prepare(tmp_path / 'target', NOWHERE)
    done = import_masakari(target, *noauth(endpoint))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert sorted(lines[:-1]) == [
        'host compute-1: copied, no fencing driver yet (hahealer host '
        'update compute-1 --fencing-driver ...)',
        'host compute-2: copied, no fencing driver yet (hahealer host '
        'update compute-2 --fencing-driver ...)',
        'host spare-1: copied, no fencing driver yet (hahealer host '
        'update spare-1 --fencing-driver ...)',
        'segment rack1: copied', 'segment rack2: copied']
    assert lines[-1] == 'Copied 2 of 2 segment(s) and 3 of 3 host(s).'
    copied = contents(target)
    assert copied == contents(source_config)
    assert copied[0][1][1:] == ('rack2', 'reserved_host', 'spares here',
                                False)
    assert ('spare-1', 'rack2', True, True, 'SSH', None) in [
        host[1:] for host in copied[1]]

    again = import_masakari(target, *noauth(endpoint))
    assert again.returncode == 0, again.stderr
    assert 'segment rack2: exists, left as it is' in again.stdout
    assert 'host spare-1: exists, left as it is' in again.stdout
    assert again.stdout.splitlines()[-1] == (
        'Copied 0 of 2 segment(s) and 0 of 3 host(s).')
    assert contents(target) == copied


def test_a_dry_run_reports_and_writes_nothing(source, tmp_path):
    endpoint, _ = source
    target = engine_fixture.prepare(tmp_path / 'target', NOWHERE)
    done = import_masakari(target, '--dry-run', *noauth(endpoint))
    assert done.returncode == 0, done.stderr
    assert 'segment rack1: copied' in done.stdout
    assert done.stdout.splitlines()[-1] == (
        'Would copy 2 of 2 segment(s) and 3 of 3 host(s); dry run, '
        'nothing written.')
    assert contents(target) == ([], [])


def test_a_clash_by_uuid_is_reported_by_name(source, tmp_path):
    endpoint, source_config = source
    [(rack1_uuid, *_), _] = contents(source_config)[0]
    target = engine_fixture.prepare(tmp_path / 'target', NOWHERE)
    database = engine_fixture.open_database(target)
    try:
        database.create_segment('renamed', 'auto', uuid_=rack1_uuid)
    finally:
        database.dispose()
    done = import_masakari(target, *noauth(endpoint))
    assert done.returncode == 0, done.stderr
    assert (f"segment rack1: not copied, its uuid {rack1_uuid} is segment "
            f"renamed's here") in done.stdout
    assert 'host compute-1: not copied, its segment was not' in \
        done.stdout
    assert [segment[1] for segment in contents(target)[0]] == [
        'rack2', 'renamed']


def test_one_source_only(tmp_path):
    config = engine_fixture.prepare(tmp_path, NOWHERE)
    neither = import_masakari(config)
    both = import_masakari(config, f'sqlite:///{tmp_path}/m.sqlite',
                           *noauth(NOWHERE))
    from_env = import_masakari(config, f'sqlite:///{tmp_path}/m.sqlite',
                               env={'OS_AUTH_URL': NOWHERE})
    for done in (neither, both, from_env):
        assert done.returncode == 1
        assert 'name one source' in done.stderr
        assert 'Traceback' not in done.stderr
    assert 'not both' in both.stderr and 'not both' in from_env.stderr


def test_an_unreachable_endpoint_is_named(tmp_path):
    config = engine_fixture.prepare(tmp_path, NOWHERE)
    endpoint = f'http://127.0.0.1:{keystone_fixture.free_port()}/v1'
    done = import_masakari(config, *noauth(endpoint))
    assert done.returncode == 1
    assert (f'cannot reach the Masakari API at {endpoint}: '
            f'[Errno 111] Connection refused') in done.stderr
    assert 'Traceback' not in done.stderr


class _Peer(http.server.BaseHTTPRequestHandler):
    """A v1 API made for one test: ``answer(path, headers)`` gives the
    (status, body) of every GET."""

    answer = None

    def do_GET(self):
        status, body = type(self).answer(self.path, self.headers)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def peer(answer):
    """The endpoint of a _Peer answering with ``answer``."""
    handler = type('Handler', (_Peer,), {'answer': staticmethod(answer)})
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{server.server_port}/v1'
    finally:
        server.shutdown()
        server.server_close()


SEGMENT = {'uuid': '5b0b2c7e-3d4f-4c43-9d0a-2f5c1f0e7a10', 'name': 'rack1',
           'service_type': 'COMPUTE', 'description': None,
           'recovery_method': 'auto'}
HOST = {'uuid': '6a1c3d8f-4e5a-4d54-8e1b-3a6d2a1f8b21', 'name': 'compute-1',
        'type': 'COMPUTE', 'control_attributes': 'SSH', 'reserved': False,
        'on_maintenance': False, 'failover_segment_id': SEGMENT['uuid']}


def test_a_masakari_older_than_microversion_1_2_is_asked_again(tmp_path):
    asked = []

    def old_masakari(path, headers):
        asked.append((path, headers.get('OpenStack-API-Version')))
        if headers.get('OpenStack-API-Version'):
            return 406, {'computeFault': {
                'code': 406, 'message': 'Version 1.2 is not supported'}}
        key = 'hosts' if '/hosts' in path else 'segments'
        if 'marker=' in path:
            return 200, {key: []}
        return 200, {key: [HOST if key == 'hosts' else SEGMENT]}

    config = engine_fixture.prepare(tmp_path, NOWHERE)
    with peer(old_masakari) as endpoint:
        done = import_masakari(config, *noauth(endpoint))
    assert done.returncode == 0, done.stderr
    assert asked[:2] == [('/v1/segments', 'instance-ha 1.2'),
                         ('/v1/segments', None)]
    assert contents(config) == (
        [(SEGMENT['uuid'], 'rack1', 'auto', None, True)],
        [(HOST['uuid'], 'compute-1', 'rack1', False, False, 'SSH', None)])


@pytest.mark.parametrize('body, says', [
    ({'servers': []}, 'without a list of segments: is it a Masakari v1 '
                      'endpoint?'),
    ({'segments': [{**SEGMENT, 'recovery_method': 7}]},
     'sent a segment (rack1) whose recovery_method is 7'),
])
def test_bad_data_imports_nothing(tmp_path, body, says):
    config = engine_fixture.prepare(tmp_path, NOWHERE)
    with peer(lambda path, headers: (200, body)) as endpoint:
        done = import_masakari(config, *noauth(endpoint))
    assert done.returncode == 1
    assert f'the Masakari API at {endpoint} ' in done.stderr
    assert says in done.stderr
    assert contents(config) == ([], [])
