"""The engine service: RPC server, recovery workers, periodic sweep.

Everything is built in ``start`` (the launcher may fork first), nothing at
construction. ``stop`` takes no new work, lets running recoveries finish
within [DEFAULT] shutdown_grace_period, and leaves the rest resumable.
"""

import logging
import os
import threading
import uuid

import oslo_messaging as messaging
from oslo_service import service

from hahealer import metrics
from hahealer import rpc
from hahealer.compute import nova
from hahealer.db import api as db_api
from hahealer.db import migration
from hahealer.engine import coordination
from hahealer.engine import dispatcher
from hahealer.engine import health
from hahealer.engine import lease
from hahealer.engine import manager
from hahealer.engine import recovery
from hahealer.engine import runner
from hahealer.tasks import base
from hahealer.tasks import instance_locks

LOG = logging.getLogger(__name__)


def owner_id(conf):
    """This engine process, as recorded on the notifications it owns."""
    return f'{conf.host}:{os.getpid()}:{uuid.uuid4().hex[:8]}'


class EngineService(service.Service):
    def __init__(self, conf, transport=None):
        super().__init__()
        self.conf = conf
        self._transport = transport
        self._own_transport = transport is None
        self.ready = threading.Event()
        #: why start() failed, if it did
        self.start_error = None
        self._stopped = threading.Event()
        self._stopping = threading.Event()
        self._threads = []
        self.database = None
        self.dispatcher = None
        self._rpc_server = None
        self._locks = None
        self._runner = None
        self.metrics_server = None

    def start(self):
        super().start()
        try:
            self._start()
        except Exception as exc:
            LOG.exception('hahealer engine could not start')
            self.start_error = getattr(exc, 'message', None) or str(exc)
            raise

    def _start(self):
        conf = self.conf
        os.makedirs(conf.state_path, exist_ok=True)
        owner = owner_id(conf)
        # A database call never outlasts a third of the lease: the
        # engine must be able to stop on its own clock.
        self.database = db_api.Database(
            conf.database.connection, conf.database.pool_size,
            timeout=conf.notification_lease_seconds / 3)
        coordination.check_shared(conf.coordination.backend_url,
                                  self.database.networked)
        migration.check_current(self.database.engine)
        self._runner = runner.FlowRunner(conf.taskflow.connection)
        self._runner.upgrade()
        self._locks = coordination.Coordinator(
            conf.coordination.backend_url, owner,
            conf.coordination.lock_timeout)
        self._locks.start()
        nova_api = nova.NovaAPI.from_conf(conf)
        self.health = health.NovaHealth(nova_api, self._stopping)
        self.health.start()
        resources = base.Resources(
            nova=nova_api, database=self.database,
            locks=self._locks,
            evacuation_slots=threading.BoundedSemaphore(
                conf.host_failure.max_concurrent_evacuations),
            stopping=self._stopping)
        self.dispatcher = dispatcher.Dispatcher(
            self.database,
            recovery.Recovery(self.database, self._runner, resources),
            owner, conf.max_concurrent_recoveries,
            conf.notification_lease_seconds, self._stopping,
            max_takeovers=conf.max_notification_takeovers,
            takeover_settle_seconds=max(
                0.0, instance_locks.settle_seconds()
                - lease.margin(conf.notification_lease_seconds)))
        self.dispatcher.start()
        if self._transport is None:
            self._transport = rpc.get_transport(conf)
        self._rpc_server = messaging.get_rpc_server(
            self._transport,
            messaging.Target(topic=conf.engine_topic, server=owner),
            [manager.EngineManager(
                self.database, self.dispatcher,
                resources.nova if conf.nova.check_hosts else None)],
            serializer=rpc.ContextSerializer())
        self._rpc_server.start()
        self._spawn(self._sweep, 'hahealer-sweep')
        if conf.metrics.enabled:
            self._queue_gauges = metrics.QueueCollector(
                self.database.queue_stats)
            metrics.REGISTRY.register(self._queue_gauges)
            self.metrics_server = metrics.serve(
                conf.metrics.bind, conf.metrics.port, self.health.state)
        LOG.info('hahealer engine %s ready on topic %s', owner,
                 conf.engine_topic)
        self.ready.set()

    def _spawn(self, target, name):
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _sweep(self):
        """Resume, retry and expire notifications, now and periodically."""
        conf = self.conf
        while True:
            try:
                self.dispatcher.process_unfinished(
                    conf.retry_notification_new_status_interval,
                    conf.notifications_expired_interval)
            except Exception:
                LOG.exception('The periodic sweep of notifications failed; '
                              'it runs again in %g s',
                              conf.process_unfinished_notifications_interval)
            if self._stopping.wait(
                    conf.process_unfinished_notifications_interval):
                return

    def stop(self, graceful=True):
        if self._stopped.is_set():
            return
        LOG.info('hahealer engine stopping: no new work')
        if self._rpc_server is not None:
            self._rpc_server.stop()
            self._rpc_server.wait()
        if self.dispatcher is not None:
            self.dispatcher.stop(self.conf.shutdown_grace_period)
        self._stopping.set()
        if self.metrics_server is not None:
            self.metrics_server.shutdown()
            metrics.REGISTRY.unregister(self._queue_gauges)
        if self._locks is not None:
            self._locks.stop()
        if self._runner is not None:
            self._runner.close()
        if self.database is not None:
            self.database.dispose()
        if self._own_transport and self._transport is not None:
            self._transport.cleanup()
        self._stopped.set()
        super().stop(graceful)
        LOG.info('hahealer engine stopped')

    def wait(self):
        self._stopped.wait()
