"""What the fault campaign runs on: one Nova emulator, two engines sharing
a database and a lock service, and a way to reach each engine over RPC."""

import contextlib
import os
import re
import shutil
import signal
import tempfile
import time

import oslo_messaging as messaging
import requests

from hahealer import rpc
from tests import database_fixture
from tests import engine_fixture
from tests import nova_sim

#: the shortest lease the engine accepts: a frozen engine loses it soon
LEASE = 5.0
SWEEP = 1.0
NOVA_TIMEOUT = 1.5
EVACUATION_WAIT = 2.5
EVACUATE_SECONDS = 0.5
# A killed engine's locks expire after lock_timeout (tooz: 30 s by
# default); with the lease's length, kill trials stay short.
REDIS_URL = f'redis://127.0.0.1:6379?lock_timeout={int(LEASE)}'
RPC_TIMEOUT = 10.0
_READY = re.compile(r'hahealer engine (\S+) ready on topic')


def _engine_options(backend, taskflow_url):
    sections = {
        'DEFAULT': {
            'notification_lease_seconds': LEASE,
            'process_unfinished_notifications_interval': SWEEP,
            # A notification stored by an engine killed before it claimed
            # it is started by the sweep after this long.
            'retry_notification_new_status_interval': 3 * SWEEP,
            'shutdown_grace_period': 2,
            'verify_interval': 0.1,
            'wait_period_after_evacuation': EVACUATION_WAIT,
            'host_failure_recovery_threads': 8,
        },
        'nova': {'timeout': NOVA_TIMEOUT, 'api_retry_max_delay': 0.5},
        'coordination': {'backend_url': REDIS_URL, 'lock_timeout': 60},
        # One host fails per trial, hundreds per run: no storm.
        'host_failure': {'storm_window': 0},
    }
    if backend != 'sqlite':
        # Its own database: taskflow keeps its alembic_version table too.
        sections['taskflow'] = {'connection': taskflow_url}
    return sections


class Engines:
    """The engines, each reachable on its own over the shared topic."""

    def __init__(self, config, names=('engine-a', 'engine-b')):
        self.processes = [engine_fixture.EngineProcess(config, name)
                          for name in names]
        self.paused = set()
        self._servers = {}
        conf = rpc.client_conf([str(config)])
        self._transport = rpc.get_transport(conf)
        self._client = messaging.get_rpc_client(
            self._transport,
            messaging.Target(topic=conf.engine_topic,
                             version=rpc.RPC_API_VERSION),
            serializer=rpc.ContextSerializer(), timeout=RPC_TIMEOUT)

    def start(self, process):
        process.start(timeout=60)
        found = _READY.search(process.new_log())
        self._servers[process] = found.group(1) if found else None

    def start_all(self):
        for process in self.processes:
            self.start(process)

    def restart_dead(self):
        """Engines that died by themselves; started again."""
        dead = [p for p in self.processes if not p.running]
        for process in dead:
            self.start(process)
        return dead

    def call(self, method, engine=None, **kwargs):
        """An RPC call to ``engine``, or to a running one not frozen."""
        engine = engine or next(p for p in self.processes
                                if p.running and p not in self.paused)
        client = self._client
        if self._servers.get(engine):
            client = client.prepare(server=self._servers[engine])
        return client.call(rpc.admin_context(), method, **kwargs)

    def owning(self, owner):
        """The engine whose owner id (its RPC server name) this is."""
        for process, server in self._servers.items():
            if owner and server == owner:
                return process
        return None

    def pause(self, process):
        os.killpg(process.process.pid, signal.SIGSTOP)
        self.paused.add(process)

    def resume(self, process):
        os.killpg(process.process.pid, signal.SIGCONT)
        self.paused.discard(process)

    def stop(self):
        for process in list(self.paused):
            self.resume(process)
        for process in self.processes:
            process.stop(timeout=15)
        self._transport.cleanup()


class Sim(nova_sim.NovaSimProcess):
    """The emulator, with the control calls the campaign needs."""

    def add_instances(self, **entry):
        answer = requests.post(self.url + '/_sim/instances', json=entry,
                               timeout=10)
        answer.raise_for_status()
        return [i['id'] for i in answer.json()['instances']]

    def instances(self, ids):
        answer = requests.get(self.url + '/_sim/instances',
                              params={'id': list(ids)}, timeout=30)
        answer.raise_for_status()
        return {i['id']: i for i in answer.json()['instances']}


def _fresh_database(stack, backend, workdir):
    url, drop = database_fixture.create_database_url(backend, workdir)
    stack.callback(drop)
    return url


@contextlib.contextmanager
def rig(backend, seed, workdir=None):
    """(emulator, engines, run id); everything stops on the way out."""
    keep = workdir is not None
    workdir = workdir or tempfile.mkdtemp(prefix='hahealer-chaos-')
    os.makedirs(workdir, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if not keep:
            stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        database_url, taskflow_url = [
            _fresh_database(stack, backend, workdir) for _ in range(2)]
        sim = stack.enter_context(Sim(*nova_sim.flags(
            hosts=0, evacuate_seconds=EVACUATE_SECONDS, stop_seconds=0.2,
            start_seconds=0.2, build_seconds=0.2, service_down_time=60,
            rpc_timeout=5, seed=seed)))
        config = engine_fixture.write_config(
            workdir, sim.compute_url, database_url,
            **_engine_options(backend, taskflow_url))
        engine_fixture.sync_database(config)
        engines = Engines(config)
        stack.callback(engines.stop)
        engines.start_all()
        # Names of hosts and segments, unique to this run: locks in the
        # shared lock service outlive a run.
        yield sim, engines, '%x' % int(time.time() * 1000)
