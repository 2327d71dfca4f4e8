"""The engine's RPC API over oslo.messaging, for monitors and operators.

Monitors and scripts use :class:`EngineClient`::

    from hahealer import rpc
    client = rpc.EngineClient.from_config_files(
        ['/etc/hahealer/hahealer.conf'])
    record = client.create_notification(None, notification)
    client.close()

Errors raised by the engine (invalid input, not found, conflict) arrive as
hahealer.exception classes with the engine's message.
"""

import threading
from concurrent import futures

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_context import context as oslo_context
from oslo_messaging._metrics import client as messaging_metrics
from oslo_messaging._tracing import client as messaging_tracing

from hahealer import exception
from hahealer import validation
from hahealer.conf import bootstrap
from hahealer.conf import default

#: the version this client speaks (the engine's target version history is
#: in hahealer.engine.manager.EngineManager)
RPC_API_VERSION = '1.0'

_ALLOWED_EXMODS = [exception.__name__]
#: how much longer than its timeout a call may take before it is given up
_DEADLINE_MARGIN = 5.0
_MAX_NESTING = 64


def client_conf(config_files=()):
    """What a client needs (transport and topic), read from config files."""
    conf = cfg.ConfigOpts()
    conf.register_opts([opt for opt in default.engine_opts
                        if opt.dest == 'engine_topic'])
    # oslo.messaging registers its tracing and metrics options on the
    # global CONF only, yet reads them from the configuration it is given.
    conf.register_opts(messaging_tracing.oslo_messaging_tracing,
                       group='oslo_messaging_tracing')
    conf.register_opts(messaging_metrics.oslo_messaging_metrics,
                       group='oslo_messaging_metrics')
    bootstrap.set_messaging_defaults()
    conf([], project='hahealer', default_config_files=list(config_files),
         default_config_dirs=[])
    return conf


def get_transport(conf, url=None):
    return messaging.get_rpc_transport(
        conf, url=url, allowed_remote_exmods=_ALLOWED_EXMODS)


class ContextSerializer(messaging.NoOpSerializer):
    """Carries the oslo.context request context with each message."""

    def serialize_context(self, ctxt):
        return ctxt.to_dict() if ctxt is not None else {}

    def deserialize_context(self, ctxt):
        return oslo_context.RequestContext.from_dict(ctxt or {})


def admin_context():
    return oslo_context.RequestContext(is_admin=True)


class EngineClient:
    """Calls the engine. Every call but ``process_notification`` waits for
    the engine's answer (``timeout`` seconds, oslo.messaging's default
    rpc_response_timeout when None)."""

    def __init__(self, transport, topic, timeout=None):
        target = messaging.Target(topic=topic, version=RPC_API_VERSION)
        self._transport = transport
        self._timeout = timeout
        self._client = messaging.get_rpc_client(
            transport, target, serializer=ContextSerializer(),
            timeout=timeout)

    @classmethod
    def from_config_files(cls, config_files=(), timeout=None):
        """A client with its own transport, configured from files."""
        conf = client_conf(config_files)
        return cls(get_transport(conf), conf.engine_topic, timeout=timeout)

    @property
    def topic(self):
        return self._client.target.topic

    def close(self, timeout=2.0):
        """Close the transport's connections, waiting ``timeout`` s at most.

        A call stuck reconnecting to an unreachable broker holds a lock
        that the transport's cleanup waits for: then the connections are
        left for the process's exit to close.
        """
        closing = threading.Thread(target=self._transport.cleanup,
                                   name='rpc-close', daemon=True)
        closing.start()
        closing.join(timeout)

    def _call(self, ctxt, method, version=RPC_API_VERSION, **kwargs):
        # Nested past what JSON decoders recurse into, a message would be
        # dropped unanswered by the engine's messaging layer.
        validation.check_nesting(kwargs, method, _MAX_NESTING)
        client = self._client.prepare(version=version)
        ctxt = ctxt or admin_context()
        if self._timeout is None:
            return client.call(ctxt, method, **kwargs)
        # With the broker unreachable, oslo.messaging reconnects without
        # limit, past the call's own timeout: bound the wait from here.
        answer = futures.Future()

        def call():
            try:
                answer.set_result(client.call(ctxt, method, **kwargs))
            except BaseException as exc:
                answer.set_exception(exc)

        threading.Thread(target=call, name=f'rpc-{method}',
                         daemon=True).start()
        try:
            return answer.result(self._timeout + _DEADLINE_MARGIN)
        except futures.TimeoutError:
            raise messaging.MessagingTimeout(
                f'no answer to {method} within {self._timeout:g} s: is '
                f'the message broker reachable?') from None

    # --- notifications ----------------------------------------------------

    def create_notification(self, ctxt, notification):
        return self._call(ctxt, 'create_notification',
                          notification=notification)

    def process_notification(self, ctxt, notification):
        validation.check_nesting(notification, 'notification', _MAX_NESTING)
        self._client.prepare(version=RPC_API_VERSION).cast(
            ctxt or admin_context(), 'process_notification',
            notification=notification)

    def submit_notification(self, ctxt, notification_uuid):
        """Tell an engine that a stored notification waits (hahealer-api);
        if no engine hears it, the periodic sweep picks it up."""
        # One reconnection at most: the caller must not wait on a broker
        # that is away, the sweep covers a lost message.
        self._client.prepare(version='1.1', retry=1).cast(
            ctxt or admin_context(), 'submit_notification',
            notification_uuid=notification_uuid)

    def get_notification(self, ctxt, notification_uuid):
        return self._call(ctxt, 'get_notification',
                          notification_uuid=notification_uuid)

    def list_notifications(self, ctxt, filters=None, limit=100,
                           marker=None):
        return self._call(ctxt, 'list_notifications', filters=filters,
                          limit=limit, marker=marker)

    def get_notification_recovery_workflow_details(self, ctxt,
                                                   notification_uuid):
        return self._call(ctxt, 'get_notification_recovery_workflow_details',
                          notification_uuid=notification_uuid)

    def list_vmoves(self, ctxt, notification_uuid):
        """The instances a host recovery moves, in the order it began."""
        return self._call(ctxt, 'list_vmoves', version='1.2',
                          notification_uuid=notification_uuid)

    def retry_notification(self, ctxt, notification_uuid, force=False):
        return self._call(ctxt, 'retry_notification',
                          notification_uuid=notification_uuid, force=force)

    # --- segments and hosts -------------------------------------------------

    def create_segment(self, ctxt, name, recovery_method, description=None,
                       enabled=True):
        return self._call(ctxt, 'create_segment', name=name,
                          recovery_method=recovery_method,
                          description=description, enabled=enabled)

    def get_segment(self, ctxt, segment):
        return self._call(ctxt, 'get_segment', segment=segment)

    def list_segments(self, ctxt):
        return self._call(ctxt, 'list_segments')

    def update_segment(self, ctxt, segment, values):
        return self._call(ctxt, 'update_segment', segment=segment,
                          values=values)

    def delete_segment(self, ctxt, segment):
        return self._call(ctxt, 'delete_segment', segment=segment)

    def create_host(self, ctxt, name, segment, reserved=False,
                    on_maintenance=False, fencing_driver=None,
                    fencing_params=None, nova_check=True):
        # Sent only when it changes something, so that an engine older
        # than 1.2 still takes the rest.
        extra = {} if nova_check else {'version': '1.2',
                                       'nova_check': False}
        return self._call(ctxt, 'create_host', name=name, segment=segment,
                          reserved=reserved, on_maintenance=on_maintenance,
                          fencing_driver=fencing_driver,
                          fencing_params=fencing_params, **extra)

    def get_host(self, ctxt, host):
        return self._call(ctxt, 'get_host', host=host)

    def list_hosts(self, ctxt, segment=None):
        return self._call(ctxt, 'list_hosts', segment=segment)

    def update_host(self, ctxt, host, values):
        return self._call(ctxt, 'update_host', host=host, values=values)

    def delete_host(self, ctxt, host):
        return self._call(ctxt, 'delete_host', host=host)
