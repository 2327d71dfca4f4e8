"""A real Keystone on loopback: the ``keystone`` package from PyPI, SQLite,
served by waitress in a subprocess; bootstrapped with an admin, and given a
monitor (the ``service`` role in project ``service``), a reader, and the
``instance-ha`` service whose endpoint is hahealer-api.

Keystone's requirements sit beside hahealer's without a conflict (checked
with ``pip install --dry-run keystone``), so it comes with the test extras.
"""

import dataclasses
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time

import requests
from cryptography import fernet

BIN = pathlib.Path(sys.executable).parent
ADMIN_PASSWORD = 'admin-pw'
PASSWORD = 'user-pw'
REGION = 'RegionOne'

# Keystone parses the command line itself: the port comes in the
# environment.
_SERVE = """
import os, waitress
from keystone.server.wsgi import initialize_public_application
waitress.serve(initialize_public_application(), host='127.0.0.1',
               port=int(os.environ['KEYSTONE_PORT']), threads=8,
               ident='keystone')
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@dataclasses.dataclass
class Keystone:
    url: str
    process: subprocess.Popen
    log_path: pathlib.Path

    def auth(self, username, project, password=PASSWORD):
        """keystoneauth's password options for one user."""
        return {'auth_url': self.url, 'username': username,
                'password': password, 'project_name': project,
                'user_domain_name': 'Default',
                'project_domain_name': 'Default'}

    @property
    def admin(self):
        return self.auth('admin', 'admin', ADMIN_PASSWORD)

    def token(self, username, project, password=PASSWORD):
        body = {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': username, 'domain': {'name': 'Default'},
                'password': password}}},
            'scope': {'project': {'name': project,
                                  'domain': {'name': 'Default'}}}}}
        response = requests.post(f'{self.url}/auth/tokens', json=body,
                                 timeout=30)
        response.raise_for_status()
        return response.headers['X-Subject-Token']

    def authtoken_options(self):
        """hahealer-api's [keystone_authtoken]: keystonemiddleware
        validates tokens as Keystone's admin."""
        return {'auth_type': 'password', 'auth_url': self.url,
                'www_authenticate_uri': self.url, 'username': 'admin',
                'password': ADMIN_PASSWORD, 'project_name': 'admin',
                'user_domain_name': 'Default',
                'project_domain_name': 'Default'}

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def _write_keys(directory):
    directory.mkdir(mode=0o700)
    for index in (0, 1):
        (directory / str(index)).write_bytes(fernet.Fernet.generate_key())


def _manage(config, *args):
    result = subprocess.run(
        [str(BIN / 'keystone-manage'), '--config-file', str(config), *args],
        capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise AssertionError(f'keystone-manage {args[0]} failed:\n'
                             f'{result.stderr[-3000:]}')


def start(directory, api_url):
    """Set up and serve Keystone in ``directory``; the instance-ha
    endpoint is ``api_url``."""
    directory = pathlib.Path(directory)
    port = free_port()
    url = f'http://127.0.0.1:{port}/v3'
    config = directory / 'keystone.conf'
    config.write_text(
        f'[database]\nconnection = sqlite:///{directory}/keystone.db\n'
        f'[token]\nprovider = fernet\n'
        f'[fernet_tokens]\nkey_repository = {directory}/fernet-keys\n'
        f'[fernet_receipts]\nkey_repository = {directory}/receipt-keys\n'
        f'[credential]\nkey_repository = {directory}/credential-keys\n')
    # What fernet_setup and credential_setup would write, without two more
    # slow starts of keystone-manage.
    for name in ('fernet-keys', 'receipt-keys', 'credential-keys'):
        _write_keys(directory / name)
    _manage(config, 'db_sync')
    _manage(config, 'bootstrap', '--bootstrap-password', ADMIN_PASSWORD,
            '--bootstrap-admin-url', url, '--bootstrap-public-url', url,
            '--bootstrap-internal-url', url, '--bootstrap-region-id', REGION)
    log_path = directory / 'keystone.log'
    with open(log_path, 'ab') as log:
        process = subprocess.Popen(
            [sys.executable, '-c', _SERVE], stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, 'OS_KEYSTONE_CONFIG_FILES': str(config),
                 'KEYSTONE_PORT': str(port)})
    keystone = Keystone(url, process, log_path)
    _wait(keystone)
    _populate(keystone, api_url)
    return keystone


def _wait(keystone, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if keystone.process.poll() is not None:
            break
        try:
            if requests.get(keystone.url, timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    keystone.stop()
    raise AssertionError(f'Keystone did not answer on {keystone.url}:\n'
                         f'{keystone.log_path.read_text()[-3000:]}')


def _populate(keystone, api_url):
    """The monitor and reader users and the instance-ha endpoint."""
    import openstack

    cloud = openstack.connect(auth=keystone.admin, region_name=REGION)
    try:
        identity = cloud.identity
        roles = {role.name: role for role in identity.roles()}
        for name in ('service', 'reader'):
            if name not in roles:
                roles[name] = identity.create_role(name=name)
        default = identity.find_domain('default')
        service_project = identity.create_project(name='service',
                                                  domain_id=default.id)
        admin_project = identity.find_project('admin')
        for name, project, role in (
                ('monitor', service_project, 'service'),
                ('viewer', admin_project, 'reader')):
            user = identity.create_user(name=name, password=PASSWORD,
                                        domain_id=default.id)
            identity.assign_project_role_to_user(project, user,
                                                 roles[role])
        service = identity.create_service(name='hahealer',
                                          type='instance-ha')
        for interface in ('public', 'internal', 'admin'):
            identity.create_endpoint(service_id=service.id,
                                     interface=interface, url=api_url,
                                     region_id=REGION)
    finally:
        cloud.close()


def available():
    """Whether keystone-manage is installed beside this Python."""
    return shutil.which('keystone-manage', path=str(BIN)) is not None
