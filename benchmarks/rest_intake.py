"""The REST side of the intake benchmark (``intake --rest``): hahealer-api
behind keystonemiddleware, a real Keystone on loopback validating tokens.

hahealer-api runs as its own process on the engine's database and
transport. The senders post every notification with one token of the
monitor user (the ``service`` role, as masakari-monitors use), as a
monitor's keystoneauth session reuses its token; keystonemiddleware
validates it at Keystone once and then answers from its in-process token
cache, its default without memcached.
"""

import configparser
import contextlib
import pathlib
import tempfile
import threading

import requests

from tests import engine_fixture
from tests import keystone_fixture


def _api_config(engine_config, directory, keystone, port):
    """The engine's config with hahealer-api's sections added."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(engine_config)
    parser['api'] = {'auth_strategy': 'keystone', 'bind_host': '127.0.0.1',
                     'bind_port': str(port)}
    parser['keystone_authtoken'] = keystone.authtoken_options()
    path = directory / 'hahealer-api.conf'
    with open(path, 'w') as stream:
        parser.write(stream)
    return path


@contextlib.contextmanager
def running(engine_config):
    """Keystone and hahealer-api; yields the API's URL, the monitor's token
    and the API's pid."""
    with tempfile.TemporaryDirectory(prefix='hahealer-bench-api-') as name:
        directory = pathlib.Path(name)
        port = keystone_fixture.free_port()
        api_url = f'http://127.0.0.1:{port}/v1'
        (directory / 'keystone').mkdir()
        keystone = keystone_fixture.start(directory / 'keystone', api_url)
        try:
            api = engine_fixture.ApiProcess(
                _api_config(engine_config, directory, keystone, port),
                'api').start(timeout=60)
            try:
                yield (api_url, keystone.token('monitor', 'service'),
                       api.process.pid)
            finally:
                api.stop()
        finally:
            keystone.stop()


def sender(api_url, token):
    """(send, close) for one sender process: POST /v1/notifications with
    ``token``, a connection per thread."""
    local = threading.local()
    sessions = []

    def send(document):
        session = getattr(local, 'session', None)
        if session is None:
            session = local.session = requests.Session()
            session.headers['X-Auth-Token'] = token
            sessions.append(session)
        response = session.post(f'{api_url}/notifications',
                                json={'notification': document}, timeout=30)
        if response.status_code != 202:
            raise RuntimeError(f'hahealer-api answered '
                               f'{response.status_code}: '
                               f'{response.text[:300]}')

    def close():
        for session in sessions:
            session.close()

    return send, close
