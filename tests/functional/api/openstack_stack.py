"""The OpenStack side of hahealer-api's tests: a real Keystone on loopback,
hahealer-api with keystonemiddleware and hahealer-engine as subprocesses
on RabbitMQ, and the Nova emulator over HTTP; with what the tests of
OpenStack's own clients and monitors share."""

import configparser
import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import time

import openstack

from tests import engine_fixture
from tests import keystone_fixture
from tests import nova_sim
from tests.conftest import FAST_NOVA_SIM

BIN = os.path.dirname(sys.executable)


@dataclasses.dataclass
class Stack:
    keystone: keystone_fixture.Keystone
    api_url: str
    sim: nova_sim.NovaSimProcess
    config: object

    def connect(self, username, project, password=None):
        auth = (self.keystone.admin if username == 'admin' else
                self.keystone.auth(username, project))
        return openstack.connect(auth=auth,
                                 region_name=keystone_fixture.REGION)


@contextlib.contextmanager
def running(directory):
    """A Stack in ``directory`` until the block ends; the emulator has
    five compute hosts, host1 to host5, with two instances each."""
    stops = []
    try:
        port = keystone_fixture.free_port()
        api_url = f'http://127.0.0.1:{port}/v1'
        (directory / 'keystone').mkdir()
        keystone = keystone_fixture.start(directory / 'keystone', api_url)
        stops.append(keystone.stop)
        sim = nova_sim.NovaSimProcess(
            *nova_sim.flags(**{**FAST_NOVA_SIM, 'hosts': 5})).start()
        stops.append(sim.stop)
        config = engine_fixture.prepare(
            directory / 'hahealer', sim.compute_url,
            api={'auth_strategy': 'keystone', 'bind_host': '127.0.0.1',
                 'bind_port': port},
            keystone_authtoken=keystone.authtoken_options())
        engine = engine_fixture.EngineProcess(config).start()
        stops.append(engine.kill)
        api = engine_fixture.ApiProcess(config, 'api').start()
        stops.append(api.kill)
        yield Stack(keystone, api_url, sim, config)
    finally:
        for stop in reversed(stops):
            stop()


def wait_for_status(cloud, notification_uuid, statuses, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = cloud.instance_ha.get_notification(notification_uuid)
        if record.status in statuses:
            return record
        time.sleep(0.2)
    raise AssertionError(f'notification {notification_uuid} stayed '
                         f'{record.status}')


def monitor_config(stack, directory, **sections):
    """masakarimonitors.conf as a deployer writes it: the monitor user,
    hahealer-api found in Keystone's catalog as instance-ha, and the
    monitor's own ``sections`` ({group: {option: value}})."""
    parser = configparser.ConfigParser(interpolation=None)
    parser['api'] = {
        **stack.keystone.auth('monitor', 'service'),
        'region': keystone_fixture.REGION, 'api_interface': 'public'}
    for group, values in sections.items():
        parser[group] = {k: str(v) for k, v in values.items()}
    config = directory / 'masakarimonitors.conf'
    with open(config, 'w') as stream:
        parser.write(stream)
    return config


@contextlib.contextmanager
def monitor(name, config, log, env=None):
    """masakari-monitors' console script ``name`` with ``--config-file
    config``, its output in ``log``; killed when the block ends."""
    with open(log, 'wb') as output:
        process = subprocess.Popen(
            [os.path.join(BIN, name), '--config-file', str(config)],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            env=env)
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def first_notification(cloud, host, process, log, match=None,
                       timeout=60):
    """The first notification about ``host`` (that ``match`` accepts),
    while ``process`` (the monitor that sends it) runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for notification in cloud.instance_ha.notifications():
            if (notification.source_host_uuid == host.uuid and
                    (match is None or match(notification))):
                return notification
        assert process.poll() is None, log.read_text()[-3000:]
        time.sleep(0.5)
    raise AssertionError(f'no notification from {host.name}:\n'
                         f'{log.read_text()[-3000:]}')


def wait_for_log(log, text, process, timeout=60):
    """Until ``process`` has written ``text`` to ``log``."""
    deadline = time.monotonic() + timeout
    while text not in log.read_text():
        assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.2)
