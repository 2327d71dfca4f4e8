"""The reference for intake: a bare oslo.messaging RPC server.

Its endpoint answers ``create_notification`` with the notification it was
given: no validation, no database. It runs as its own process on the
engine's transport, with the engine's serializer and oslo.messaging's
default executor, so that the same senders measure what the bus alone
allows on this machine.
"""

import contextlib
import multiprocessing
import uuid

import oslo_messaging as messaging

from hahealer import rpc


class Echo:
    target = messaging.Target(version='1.0')

    def create_notification(self, ctxt, notification):
        return notification


def _serve(config, topic, ready, stop):
    conf = rpc.client_conf([config])
    transport = rpc.get_transport(conf)
    server = messaging.get_rpc_server(
        transport, messaging.Target(topic=topic, server='bare'), [Echo()],
        serializer=rpc.ContextSerializer())
    server.start()
    ready.set()
    stop.wait()
    server.stop()
    server.wait()
    transport.cleanup()


@contextlib.contextmanager
def running(config):
    """A bare server on a topic of its own; yields the topic."""
    topic = f'hahealer-bench-bare-{uuid.uuid4().hex[:8]}'
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    process = multiprocessing.Process(target=_serve,
                                      args=(str(config), topic, ready, stop))
    process.start()
    try:
        if not ready.wait(60):
            raise RuntimeError('the bare RPC server did not start')
        yield topic, process.pid
    finally:
        stop.set()
        process.join(30)
        if process.is_alive():
            process.kill()
