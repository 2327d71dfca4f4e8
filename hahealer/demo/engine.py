"""The engine in this process, as ``hahealer-engine`` runs it elsewhere.

CONF is set in code: state (SQLite databases, file locks, the engine's log)
in one directory, the compute API of the demo's cloud, timings fit for an
emulated cloud. RPC goes through oslo.messaging's in-process ``fake://``
transport: client and engine share one transport object, and no message
broker is needed.
"""

import pathlib

from hahealer import rpc
from hahealer.conf import bootstrap
from hahealer.db import api as db_api
from hahealer.db import migration
from hahealer.engine import checks
from hahealer.engine import runner
from hahealer.engine import service

TOPIC = 'hahealer-demo'
FAKE_TRANSPORT = 'fake://'


def configure(state_dir, compute_url, quick_evacuate_level):
    """CONF for an engine of the demo; its log goes to engine.log."""
    state_dir = pathlib.Path(state_dir)
    # The demo's cloud is its own: no /etc/hahealer/hahealer.conf.
    conf = bootstrap.init(['--log-file', str(state_dir / 'engine.log')],
                       default_config_files=[])
    overrides = {
        None: {
            'state_path': str(state_dir),
            'engine_topic': TOPIC,
            'host': 'demo',
            'verify_interval': 0.05,
            'wait_period_after_service_update': 30.0,
            'wait_period_after_evacuation': 60.0,
            'wait_period_after_power_off': 30.0,
            'wait_period_after_power_on': 30.0,
            'host_failure_recovery_threads': 8,
            'shutdown_grace_period': 5.0,
        },
        'database': {'connection': f'sqlite:///{state_dir}/hahealer.sqlite'},
        'taskflow': {'connection': f'sqlite:///{state_dir}/taskflow.sqlite'},
        'coordination': {'backend_url': f'file://{state_dir}/locks'},
        'nova': {'auth_type': 'none', 'endpoint_override': compute_url,
                 'timeout': 10},
        'host_failure': {'quick_evacuate_level': quick_evacuate_level},
        'fencing': {'request_timeout': 5.0, 'power_off_timeout': 20.0},
    }
    for group, options in overrides.items():
        for name, value in options.items():
            conf.set_override(name, value, group)
    return conf


class InProcessEngine:
    """Schema, start-up checks, the engine service and a client of it."""

    def __init__(self, conf):
        self.conf = conf
        self.client = None
        self._transport = None
        self._service = None

    def start(self):
        """Start the engine; return the start-up checks' warnings."""
        self._sync_schema()
        warnings = checks.check_startup(self.conf)
        self._transport = rpc.get_transport(self.conf, url=FAKE_TRANSPORT)
        self._service = service.EngineService(self.conf,
                                              transport=self._transport)
        self._service.start()
        self.client = rpc.EngineClient(self._transport, TOPIC, timeout=30)
        return warnings

    def _sync_schema(self):
        """What ``hahealer-manage db sync`` does."""
        database = db_api.Database(self.conf.database.connection)
        try:
            migration.upgrade(database.engine)
        finally:
            database.dispose()
        flow_runner = runner.FlowRunner(self.conf.taskflow.connection)
        try:
            flow_runner.upgrade()
        finally:
            flow_runner.close()

    def stop(self):
        if self._service is not None:
            self._service.stop()
        if self._transport is not None:
            self._transport.cleanup()
