"""A real network partition: one engine cut off in the middle of a recovery.

Engine A runs in its own network namespace and reaches RabbitMQ,
PostgreSQL, Redis and the emulator through a veth pair and forwarders in
the root namespace (the services listen on 127.0.0.1 only). Taking the
root end of the veth down drops A's packets silently: no reset, no error,
as a switch that died. Engine B, in the root namespace, must take the
recovery over, and A must not touch Nova again once the network is back.
"""

import configparser
import re
import socket
import subprocess
import sys
import threading
import time

import pytest

from tests import engine_fixture
from tests import scenario
from tests.functional.engine.test_service import HOSTS
from tests.functional.engine.test_service import _fail_host1
from tests.functional.engine.test_service import _moved_once_and_unlocked

NAMESPACE = 'hh-partition'
ROOT_END, NS_END = 'hhpart0', 'hhpart1'
ROOT_ADDRESS, NS_ADDRESS = '10.99.0.1', '10.99.0.2'
SERVICES = {'rabbitmq': 5672, 'postgresql': 5432, 'redis': 6379}
NOVA_TIMEOUT = 2
# A's host lock outlives the cut by its redis expiry (tooz's default is
# 30 s); B waits that long before it can go on, so keep it short.
LOCKS = 'redis://{}:6379?lock_timeout=10'


def _ip(*args, check=True):
    return subprocess.run(['ip', *args], check=check, capture_output=True,
                          text=True)


class Forwarder:
    """Relays connections from (ROOT_ADDRESS, port) to 127.0.0.1:port."""

    def __init__(self, port):
        self.port = port
        self._server = socket.create_server((ROOT_ADDRESS, port))
        self._sockets = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True,
                         name=f'forward-{port}').start()

    def _accept(self):
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(('127.0.0.1', self.port),
                                                    timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink),
                                 daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
            # Pass the end on, so each side sees the other close.
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            for sock in (source, sink):
                sock.close()

    def close(self):
        # shutdown() wakes the accept() and recv() calls; close() alone
        # would leave their threads blocked.
        for sock in [self._server, *self._sockets]:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


class Partition:
    """The namespace, its veth pair and the forwarders into it."""

    def __init__(self):
        self.forwarders = []

    def create(self, ports):
        self.delete()  # what a killed earlier run may have left
        _ip('netns', 'add', NAMESPACE)
        _ip('link', 'add', ROOT_END, 'type', 'veth', 'peer', 'name', NS_END,
            'netns', NAMESPACE)
        _ip('addr', 'add', f'{ROOT_ADDRESS}/24', 'dev', ROOT_END)
        _ip('link', 'set', ROOT_END, 'up')
        _ip('-n', NAMESPACE, 'addr', 'add', f'{NS_ADDRESS}/24', 'dev', NS_END)
        _ip('-n', NAMESPACE, 'link', 'set', NS_END, 'up')
        _ip('-n', NAMESPACE, 'link', 'set', 'lo', 'up')
        self.forwarders = [Forwarder(port) for port in ports]

    def cut(self):
        _ip('link', 'set', ROOT_END, 'down')

    def restore(self):
        _ip('link', 'set', ROOT_END, 'up')

    def delete(self):
        for forwarder in self.forwarders:
            forwarder.close()
        self.forwarders = []
        # Deleting the namespace deletes the veth pair with it.
        _ip('link', 'del', ROOT_END, check=False)
        _ip('netns', 'del', NAMESPACE, check=False)


class NamespacedEngine(engine_fixture.EngineProcess):
    """hahealer-engine started with ``ip netns exec``."""

    def command(self):
        # ip netns exec execs the engine: the pid is the engine's own.
        return ['ip', 'netns', 'exec', NAMESPACE, *super().command()]


@pytest.fixture
def partition():
    made = Partition()
    yield made
    made.delete()


def _nova_writes(sim):
    """Requests that change something in Nova, by route."""
    return {route: count for route, count in sim.counters()['requests'].items()
            if not route.startswith('GET ') and '/_sim' not in route}


def test_a_partitioned_engine_is_taken_over_and_stays_quiet(
        request, tmp_path, partition, nova_sim_factory,
        database_url_factory, engine_factory, engine_client):
    sim = nova_sim_factory(instances_per_host=8, evacuate_seconds=1.5)
    sim_port = int(sim.url.rsplit(':', 1)[1])
    partition.create([*SERVICES.values(), sim_port])

    database_url = database_url_factory('postgresql')
    default = {'notification_lease_seconds': 5,
               'host_failure_recovery_threads': 2}
    config_b = engine_fixture.prepare(
        tmp_path / 'b', sim.compute_url, database_url, hosts=HOSTS,
        DEFAULT=default, nova={'timeout': NOVA_TIMEOUT},
        coordination={'backend_url': LOCKS.format('127.0.0.1')})
    topic = configparser.ConfigParser(interpolation=None)
    topic.read(config_b)
    # A: the same topic, database and locks, through the forwarders.
    via = ROOT_ADDRESS
    config_a = engine_fixture.write_config(
        tmp_path / 'a', f'http://{via}:{sim_port}/v2.1',
        database_url.replace('@127.0.0.1:', f'@{via}:'),
        DEFAULT={**default,
                 'engine_topic': topic['DEFAULT']['engine_topic'],
                 'transport_url': f'rabbit://guest:guest@{via}:5672/'},
        coordination={'backend_url': LOCKS.format(via)},
        nova={'timeout': NOVA_TIMEOUT})

    engine_a = NamespacedEngine(config_a, name='engine-a')
    request.addfinalizer(engine_a.kill)
    engine_a.start()
    database = engine_fixture.open_database(config_b)
    request.addfinalizer(database.dispose)
    nova = sim.admin_client()

    # Only A listens yet, so A takes the notification in.
    on_host1, uuid = _fail_host1(sim, engine_client(config_b))
    owner = scenario.wait_for(
        lambda: database.get_notification(uuid)['owner'], 30,
        what='engine A to claim the notification')
    assert f':{engine_a.process.pid}:' in owner
    engine_factory(config_b, name='engine-b')
    moved = scenario.wait_for(
        lambda: sum(scenario.host_of(nova.servers.get(i)) != 'host1'
                    for i in on_host1), 60, what='the evacuation under way')
    assert moved < len(on_host1), 'A finished before it could be cut off'
    partition.cut()
    cut_at = time.monotonic()
    try:
        record = scenario.wait_for(
            lambda: (lambda r: r if r['owner'] not in (owner, None)
                     else None)(database.get_notification(uuid)), 60,
            what='engine B to take over')
        taken_over_after = time.monotonic() - cut_at
        final = scenario.wait_for(
            lambda: (lambda r: r if r['status'] != 'running' else None)(
                database.get_notification(uuid)), 90,
            what='the recovery to end')
        finished_after = time.monotonic() - cut_at
        assert final['status'] == 'finished', final['reason']
        assert final['owner'] == record['owner'] or final['owner'] is None
        assert final['generation'] == 2 and final['takeovers'] == 1
        _moved_once_and_unlocked(nova, on_host1)
        writes_at_end = _nova_writes(sim)
    finally:
        partition.restore()
    # A lets go of the row once the database answers again.
    let_go = re.compile(rf'Did not [a-z ]+ notification {uuid}|'
                        rf'Notification {uuid} (interrupted|ended)')
    scenario.wait_for(lambda: let_go.search(engine_a.new_log()), 60,
                      what='engine A to let go of the notification')
    time.sleep(2)
    log_a = engine_a.new_log()
    assert f'Stopping work on notification {uuid}' in log_a
    assert f'Notification {uuid} ended' not in log_a
    # Reads are left out: they change nothing, and lookups that A began
    # before it stopped may still be retried once the network is back.
    after = _nova_writes(sim)
    assert after == writes_at_end, (
        'engine A acted on Nova after it was cut off: ' + str({
            route: count - writes_at_end.get(route, 0)
            for route, count in after.items()
            if count != writes_at_end.get(route, 0)}))
    _moved_once_and_unlocked(nova, on_host1)
    print(f'moved before the cut: {moved}; taken over '
          f'{taken_over_after:.1f} s and finished '
          f'{finished_after:.1f} s after it')


class _Listener:
    """An HTTP server on the root end: answers GETs, records POSTs."""

    def __init__(self):
        self._server = socket.create_server((ROOT_ADDRESS, 0))
        self.port = self._server.getsockname()[1]
        self.posted = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with client:
                while data := client.recv(65536):
                    if data.startswith(b'POST'):
                        self.posted.set()
                    else:
                        client.sendall(b'HTTP/1.1 200 OK\r\n'
                                       b'Content-Length: 0\r\n\r\n')

    def close(self):
        self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()


# From inside the namespace: a GET that opens a pooled connection, then,
# once told the network is cut, a POST on it that is given up on; it
# stays alive, as an engine would, until told to go.
_SEND_ONE = """
import sys, requests
from hahealer.compute import bounded_http
http = (bounded_http.session(1) if sys.argv[2] == 'ours'
        else requests.Session())
http.get(sys.argv[1], timeout=5).raise_for_status()
print('connected', flush=True)
sys.stdin.readline()
try:
    http.post(sys.argv[1], data=b'unlock', timeout=1)
except requests.RequestException as exc:
    print(type(exc).__name__, flush=True)
sys.stdin.readline()
"""


@pytest.mark.parametrize('session,lands', [('plain', True), ('ours', False)])
def test_a_request_given_up_on_never_lands_after_the_network_heals(
        partition, session, lands):
    """The guard before an action holds only if a request lands within
    its timeout or never: one held up by a partition must not arrive
    after the network heals (the plain session shows that it can)."""
    partition.create([])
    listener = _Listener()
    sender = subprocess.Popen(
        ['ip', 'netns', 'exec', NAMESPACE, sys.executable, '-c', _SEND_ONE,
         f'http://{ROOT_ADDRESS}:{listener.port}/', session],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert sender.stdout.readline().strip() == 'connected'
        partition.cut()
        sender.stdin.write('\n')
        sender.stdin.flush()
        assert sender.stdout.readline().strip() == 'ReadTimeout'
        # Packets sent while the link is down also wait in the neighbour
        # table until it gives up resolving the peer (3 probes, 1 s
        # apart); a partition shorter than that may deliver them.
        time.sleep(4)
        partition.restore()
        # TCP retransmits what it still holds within a few seconds.
        landed = listener.posted.wait(10)
    finally:
        sender.communicate('\n', timeout=10)
        listener.close()
    assert landed == lands
