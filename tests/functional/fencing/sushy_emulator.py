"""sushy-tools' Redfish emulator (fake driver) as a loopback subprocess."""

import socket
import subprocess
import sys
import time

import bcrypt
import requests


class SushyEmulator:
    """Serves the given fake systems with HTTP basic authentication.

    :param systems: ``{name: (uuid, 'On' or 'Off')}``, each system with
        the power state it starts in.
    """

    def __init__(self, workdir, systems, username, password):
        self.workdir = workdir
        self.systems = systems
        self.username = username
        self.password = password
        self.port = _free_port()
        self._process = None

    @property
    def url(self):
        return f'http://127.0.0.1:{self.port}'

    def system_path(self, name):
        return f'/redfish/v1/Systems/{self.systems[name][0]}'

    def fencing_params(self, name):
        return {'address': self.url, 'username': self.username,
                'password': self.password,
                'system_id': self.system_path(name)}

    def start(self, ready_within=30.0):
        config = self.workdir / 'emulator.conf.py'
        config.write_text(self._config())
        self._log = open(self.workdir / 'emulator.log', 'wb')
        self._process = subprocess.Popen(
            [sys.executable, '-m', 'sushy_tools.emulator.main', '--fake',
             '--config', str(config), '--interface', '127.0.0.1',
             '--port', str(self.port)],
            stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                requests.get(self.url + '/redfish/v1/', timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        log = (self.workdir / 'emulator.log').read_text(errors='replace')
        raise RuntimeError(f"sushy-emulator did not start:\n{log[-3000:]}")

    def stop(self):
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
            self._log.close()

    def _config(self):
        auth_file = self.workdir / 'htpasswd'
        digest = bcrypt.hashpw(self.password.encode(), bcrypt.gensalt(4))
        auth_file.write_text(f'{self.username}:{digest.decode()}\n')
        systems = [{'uuid': uuid, 'name': name, 'power_state': power,
                    'external_notifier': False, 'nics': []}
                   for name, (uuid, power) in self.systems.items()]
        # The emulator keeps system state in a state directory: a fresh
        # one per run, so no state leaks in from an earlier run.
        return (f'SUSHY_EMULATOR_STATE_DIR = '
                f'{str(self.workdir / "state")!r}\n'
                f'SUSHY_EMULATOR_AUTH_FILE = {str(auth_file)!r}\n'
                f'SUSHY_EMULATOR_FAKE_SYSTEMS = {systems!r}\n')


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]
