"""Serving the emulator over HTTP, in a thread of the calling process.

    from hahealer.sim import scenario, server
    sim = server.start(scenario.Scenario(hosts=4, instances_per_host=2))
    ...  # point python-novaclient at sim.compute_url
    sim.stop()
"""

import http.server
import logging
import random
import socket
import threading
import time
import urllib.parse
import uuid

from hahealer.sim import api
from hahealer.sim import control
from hahealer.sim import counters as counters_mod
from hahealer.sim import errors
from hahealer.sim import faults as faults_mod
from hahealer.sim import scenario as scenario_mod
from hahealer.sim import state
from hahealer.sim import timers
from hahealer.sim import wire

LOG = logging.getLogger(__name__)


class _HTTPServer(http.server.ThreadingHTTPServer):
    # Bursts of clients (hundreds of evacuations at once) must queue in
    # the kernel, not be refused.
    request_queue_size = 128
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._connections = set()
        self._connections_lock = threading.Lock()

    def process_request_thread(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def close_connections(self):
        """End kept-alive connections, so nothing answers after a stop."""
        with self._connections_lock:
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # the client has gone already


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keep-alive, as clients pool connections
    server_version = 'hahealer-nova-sim'
    # Headers and body go out in separate writes; with Nagle's algorithm
    # the body would wait for the client's delayed ACK (~40 ms a request).
    disable_nagle_algorithm = True

    def _dispatch(self):
        sim = self.server.sim
        started = time.monotonic()
        parts = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get('Content-Length') or 0)
        host = self.headers.get('Host') or '%s:%s' % (
            self.server.server_address[:2])
        req = wire.Request(
            method=self.command, path=parts.path,
            query=urllib.parse.parse_qs(parts.query, keep_blank_values=True),
            headers=self.headers,
            body=self.rfile.read(length) if length else b'',
            host_url='http://' + host,
            request_id='req-%s' % uuid.uuid4())
        response = sim.handle(req)
        if response is None:
            # The answer is lost: the client sees the connection close.
            self.close_connection = True
            return
        payload = response.encoded()
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if payload:
            self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(payload)))
        self.send_header('x-openstack-request-id', req.request_id)
        self.send_header('x-compute-request-id', req.request_id)
        self.end_headers()
        self.wfile.write(payload)
        if sim.log_requests:
            LOG.info('%s %s -> %d (%.1f ms) %s', self.command, self.path,
                     response.status, (time.monotonic() - started) * 1000,
                     req.request_id)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    def log_message(self, format, *args):
        # Requests are logged by _dispatch, only when asked to.
        pass


class SimServer:
    """A running emulator: its URLs, its cloud, and how to stop it."""

    def __init__(self, scenario, bind, port, log_requests):
        self.scenario = scenario
        self.log_requests = log_requests
        rng = random.Random(scenario.seed)
        self.counters = counters_mod.Counters()
        self.faults = faults_mod.FaultInjector(rng)
        self._timers = timers.TimerQueue()
        self.cloud = state.Cloud(scenario, self._timers, self.counters,
                                 self.faults, rng,
                                 controller=scenario.controller)
        scenario_mod.populate(self.cloud, scenario)
        self._compute = api.ComputeAPI(self.cloud, scenario.microversion(),
                                       scenario.max_limit)
        self._control = control.ControlAPI(self.cloud, self.faults,
                                           self.counters)
        server_class = _HTTPServer6 if ':' in bind else _HTTPServer
        self._httpd = server_class((bind, port), _Handler)
        self._httpd.sim = self
        address, bound_port = self._httpd.server_address[:2]
        shown = '[%s]' % address if ':' in address else address
        self.url = 'http://%s:%d' % (shown, bound_port)
        self.compute_url = self.url + api.PREFIX
        # A short poll interval makes stop() quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={'poll_interval': 0.05},
            name='nova-sim-http', daemon=True)

    def start(self):
        self._timers.start()
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        self._timers.stop()
        self._thread.join(timeout=5)

    def handle(self, req):
        """Answer one request: the control API, or Nova with its faults.

        None means the answer is lost (a fault): send nothing.
        """
        if req.path == control.PREFIX or req.path.startswith(
                control.PREFIX + '/'):
            return self._control.handle(req)
        self.counters.in_flight(+1)
        try:
            return self._handle_compute(req)
        finally:
            self.counters.in_flight(-1)

    def _handle_compute(self, req):
        key, respond = self._compute.route(req)
        request = faults_mod.Request(req.method, req.path,
                                     wire.action_name(req))
        delay, when = self.faults.latency(request)
        if delay:
            self.counters.fault('delayed')
        if delay and when == 'before':
            time.sleep(delay)
        status = self.faults.error_status(request)
        if status is not None:
            self.counters.fault('errors')
            self.counters.request(key, status)
            return wire.fault(
                status, 'Fault injected by the Nova emulator (HTTP %d).'
                % status)
        try:
            response = respond()
        except Exception as exc:
            # What Nova's fault wrapper does with a bug: log, answer 500.
            LOG.exception('%s %s failed', req.method, req.path)
            error = errors.UnexpectedError(type(exc).__qualname__)
            response = wire.fault(error.status, error.message)
        self.counters.request(key, response.status)
        if delay and when == 'after':
            time.sleep(delay)
        hold = self.faults.lost_reply_hold(request)
        if hold is None:
            return response
        self.counters.fault('lost_replies')
        time.sleep(hold)
        return None

def start(scenario=None, bind='127.0.0.1', port=0, log_requests=False):
    """Start an emulator in this process; ``port`` 0 picks a free one.

    Raises ValueError for a scenario that makes no sense, OSError when
    the address cannot be bound.
    """
    return SimServer(scenario or scenario_mod.Scenario(), bind, port,
                     log_requests).start()
