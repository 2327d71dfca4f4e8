"""hahealer-engine as a subprocess on RabbitMQ, for service-level tests.

Each test gets its own engine topic, state directory and database, so
engines of different tests never see each other's messages.
"""

import configparser
import os
import pathlib
import signal
import subprocess
import sys
import time
import uuid

import pytest

from hahealer.db import api as db_api
from hahealer.db import migration
from tests.config_fixture import FAST_TIMINGS

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
RABBIT_URL = 'rabbit://guest:guest@127.0.0.1:5672/'
READY = 'ready on topic'


def write_config(directory, compute_url, database_url=None, **sections):
    """An engine config file; ``sections`` map group -> {option: value}."""
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser['DEFAULT'] = {
        'state_path': str(directory),
        'transport_url': RABBIT_URL,
        'engine_topic': f'hahealer-test-{uuid.uuid4().hex[:10]}',
        'process_unfinished_notifications_interval': '1',
        'notification_lease_seconds': '6',
        'shutdown_grace_period': '5',
        'rpc_response_timeout': '20',
        **{name: str(value) for name, value in FAST_TIMINGS.items()},
    }
    parser['nova'] = {'auth_type': 'none', 'endpoint_override': compute_url,
                      'timeout': '10'}
    parser['host_failure'] = {'quick_evacuate_level': '1'}
    if database_url:
        parser['database'] = {'connection': database_url}
        if not database_url.startswith('sqlite'):
            # Engines sharing a networked database share their locks too.
            parser['coordination'] = {'backend_url':
                                      'redis://127.0.0.1:6379'}
    for group, values in sections.items():
        if group not in parser:
            parser[group] = {}
        parser[group].update({k: str(v) for k, v in values.items()})
    path = directory / 'hahealer.conf'
    with open(path, 'w') as stream:
        parser.write(stream)
    return path


def sync_database(config_path):
    """``hahealer-manage db sync`` for this config."""
    subprocess.run([sys.executable, '-m', 'hahealer.cmd.manage',
                    '--config-file', str(config_path), 'db', 'sync'],
                   check=True, capture_output=True, cwd=REPO_ROOT)


def open_database(config_path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(config_path)
    url = parser.get('database', 'connection', fallback=None) or (
        f"sqlite:///{parser['DEFAULT']['state_path']}/hahealer.sqlite")
    return db_api.Database(url)


class EngineProcess:
    """One ``hahealer-engine`` process group, its log in a file."""

    #: what the process logs once it serves
    ready_marker = READY

    def __init__(self, config_path, name='engine'):
        self.config_path = pathlib.Path(config_path)
        self.log_path = self.config_path.parent / f'{name}.log'
        self.process = None

    def command(self):
        """The command line that starts the engine."""
        return [sys.executable, '-m', 'hahealer.cmd.engine', '--config-file',
                str(self.config_path)]

    def start(self, timeout=30.0):
        log = open(self.log_path, 'ab')
        self._log_offset = self.log_path.stat().st_size
        self.process = subprocess.Popen(
            self.command(), stdout=log, stderr=subprocess.STDOUT,
            cwd=REPO_ROOT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while self.ready_marker not in self.new_log():
            if self.process.poll() is not None or (
                    time.monotonic() > deadline):
                self.kill()
                raise AssertionError(
                    f'{self.command()[2]} did not become ready '
                    f'({" ".join(self.command()[:4])}...):\n'
                    f'{self.new_log()[-3000:]}')
            time.sleep(0.05)
        return self

    def new_log(self):
        """What the engine logged since its last start."""
        with open(self.log_path, 'rb') as stream:
            stream.seek(self._log_offset)
            return stream.read().decode(errors='replace')

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout=30.0):
        """SIGTERM, as an init system stops it; wait for the exit."""
        if not self.running:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self):
        """kill -9 of every process of the engine."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)


class ApiProcess(EngineProcess):
    """One ``hahealer-api`` process, started and stopped as an engine."""

    ready_marker = 'hahealer-api listening on'

    def command(self):
        return [sys.executable, '-m', 'hahealer.cmd.api', '--config-file',
                str(self.config_path)]


@pytest.fixture
def engine_factory(tmp_path):
    """Start engines: ``engine_factory(config_path, name='engine')``."""
    engines = []

    def start(config_path, name='engine'):
        engine = EngineProcess(config_path, name).start()
        engines.append(engine)
        return engine

    yield start
    for engine in engines:
        engine.kill()


def prepare(tmp_path, compute_url, database_url=None, segment='rack1',
            hosts=(), recovery_method='auto', **sections):
    """Config file, schema and a segment with ``hosts``; the config path."""
    config_path = write_config(tmp_path, compute_url, database_url,
                               **sections)
    sync_database(config_path)
    database = open_database(config_path)
    try:
        migration.check_current(database.engine)
        if hosts:
            database.create_segment(segment, recovery_method)
            for host in hosts:
                database.create_host(host, segment)
    finally:
        database.dispose()
    return config_path

