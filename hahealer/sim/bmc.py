"""Simulated IPMI BMCs on loopback, for tests, the demo and benchmarks.

Each ``SimulatedBMC`` answers IPMI-over-LAN (RMCP+, what ``ipmitool -I
lanplus`` speaks) on its own UDP port, checks a username and password, and
models one host's chassis power with knobs for the ways real BMCs fail.

It is built on pyghmi's BMC server class. pyghmi keeps its sockets and
sessions in module-level state served by one I/O thread, so all simulated
BMCs of a process share one serving thread; each has its own socket.
"""

import logging
import socket
import threading
import time

from pyghmi.ipmi import bmc as pyghmi_bmc
from pyghmi.ipmi.private import session as pyghmi_session

LOG = logging.getLogger(__name__)

#: IPMI completion code "command not supported in present state", what a
#: BMC that refuses a chassis control request answers.
REFUSED = 0xD5

_lock = threading.Lock()
_serving_thread = None


class SimulatedBMC:
    """One host's BMC: chassis power plus failure knobs.

    The knobs are plain attributes and may be changed while it runs:

    - ``power_off_delay``: seconds the power stays on after a power-off
      was accepted.
    - ``refuse``: power-off requests get an IPMI error completion code.
    - ``stuck_on``: power-off requests are accepted but nothing happens.
    - ``unresponsive``: nothing is answered, as a hung BMC.
    """

    def __init__(self, username, password, *, power_off_delay=0.0,
                 refuse=False, stuck_on=False, unresponsive=False,
                 powered_on=True, address='127.0.0.1', port=0):
        self.username = username
        self.password = password
        self.address = address
        self.power_off_delay = power_off_delay
        self.refuse = refuse
        self.stuck_on = stuck_on
        self.unresponsive = unresponsive
        #: power-off requests received, refused or not
        self.power_off_requests = 0
        self._requested_port = port
        self._powered_on = powered_on
        self._off_at = None
        self._state_lock = threading.Lock()
        self._endpoint = None

    @property
    def port(self):
        """The UDP port it answers on (known once started)."""
        if self._endpoint is None:
            raise RuntimeError("the simulated BMC is not started")
        return self._endpoint.port

    @property
    def power_state(self):
        """'on' or 'off', as the BMC would report it now."""
        with self._state_lock:
            if self._off_at is not None and time.monotonic() >= self._off_at:
                self._powered_on = False
                self._off_at = None
            return 'on' if self._powered_on else 'off'

    def fencing_params(self):
        """The ``ipmi`` fencing driver's parameters for this BMC."""
        return {'address': self.address, 'port': self.port,
                'username': self.username, 'password': self.password}

    def start(self):
        if self._endpoint is not None:
            raise RuntimeError("the simulated BMC is already started")
        with _lock:
            _ensure_serving()
            self._endpoint = _Endpoint(self)
            _wake_io_thread()
        LOG.debug("Simulated BMC listening on %s:%s", self.address,
                  self.port)
        return self

    def stop(self):
        if self._endpoint is None:
            return
        with _lock:
            self._endpoint.close()
            _wake_io_thread()
        self._endpoint = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # --- chassis control, called from the serving thread -----------------

    def request_power_off(self):
        """Return the completion code for a chassis power-off request."""
        with self._state_lock:
            self.power_off_requests += 1
            if self.refuse:
                return REFUSED
            if self._powered_on and not self.stuck_on and (
                    self._off_at is None):
                self._off_at = time.monotonic() + self.power_off_delay
        return 0

    def request_power_on(self):
        with self._state_lock:
            self._powered_on = True
            self._off_at = None
        return 0


class BMCFarm:
    """One simulated BMC per host name, all with the same credentials."""

    def __init__(self, host_names, username, password, **knobs):
        self.bmcs = {name: SimulatedBMC(username, password, **knobs)
                     for name in host_names}

    def __getitem__(self, host_name):
        return self.bmcs[host_name]

    def start(self):
        try:
            for bmc in self.bmcs.values():
                bmc.start()
        except Exception:
            self.stop()
            raise
        return self

    def stop(self):
        for bmc in self.bmcs.values():
            bmc.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class _Endpoint(pyghmi_bmc.Bmc):
    """pyghmi's side: turns IPMI requests into calls on a SimulatedBMC."""

    def __init__(self, simulated):
        self.simulated = simulated
        super().__init__({simulated.username: simulated.password},
                         port=simulated._requested_port,
                         address=simulated.address)
        # pyghmi routes session traffic by the port it was given; with
        # port 0 the kernel chose one, so record the real one.
        self.port = self.serversocket.getsockname()[1]

    def sessionless_data(self, data, sockaddr):
        if not self.simulated.unresponsive:
            super().sessionless_data(data, sockaddr)

    def handle_raw_request(self, request, session):
        if not self.simulated.unresponsive:
            super().handle_raw_request(request, session)

    def get_power_state(self):
        return self.simulated.power_state

    def power_off(self):
        return self.simulated.request_power_off()

    def power_on(self):
        return self.simulated.request_power_on()

    def power_cycle(self):
        return self.simulated.request_power_on()

    def power_reset(self):
        return self.simulated.request_power_on()

    def close(self):
        """Stop answering and give the port back (caller holds _lock)."""
        sock = self.serversocket
        pyghmi_session.iosockets.remove(sock)
        handlers = pyghmi_session.Session.bmc_handlers
        handlers.pop(sock, None)
        # Forget the client sessions this BMC opened.
        for client, by_port in list(handlers.items()):
            session = by_port.get(self.port)
            if getattr(session, 'bmc', None) is self:
                del by_port[self.port]
                if not by_port:
                    del handlers[client]
        # pyghmi's I/O thread may have read its socket list just before
        # the removal and be about to select on it: closing the socket now
        # would make that select fail and end the thread. Close it at a
        # later stop, once the thread, woken, has surely selected again
        # without it (a loaded machine may keep it waiting a while).
        now = time.monotonic()
        for retired_at, old in list(_retired):
            if now - retired_at > _RETIRE_SECONDS:
                _retired.remove((retired_at, old))
                old.close()
        _retired.append((now, sock))


#: sockets of stopped BMCs and when they stopped, closed at a later stop
_retired: list[tuple[float, socket.socket]] = []
_RETIRE_SECONDS = 10.0


def _ensure_serving():
    """Start the process-wide serving thread once (caller holds _lock)."""
    global _serving_thread
    if _serving_thread is not None:
        return
    if pyghmi_session.iothread is None:
        # pyghmi wakes its I/O thread by sending to the first socket in its
        # list, so that one must live as long as the process, never one a
        # stopped BMC closes.
        wakeup_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        wakeup_socket.bind(('127.0.0.1', 0))
        pyghmi_session.iosockets.insert(0, wakeup_socket)
    _serving_thread = threading.Thread(
        target=_serve, name='simulated-bmc', daemon=True)
    _serving_thread.start()


def _wake_io_thread():
    """Make pyghmi's I/O thread select again on its (changed) sockets.

    It reads its socket list only between two selects, so without this a
    new BMC's socket is not watched until some other packet arrives.
    """
    first = pyghmi_session.iosockets[0]
    first.sendto(b'\x01', first.getsockname())


def _serve():
    while True:
        try:
            # Returns as soon as a packet arrives; the timeout only bounds
            # how long an idle loop sleeps.
            pyghmi_session.Session.wait_for_rsp(timeout=30)
        except Exception:
            LOG.exception("Simulated BMC failed to handle a packet")
