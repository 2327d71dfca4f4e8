"""HTTP to Nova whose requests land within their timeout or never.

The lease guard lets an engine send a request only while the work is its
own; a takeover waits for what the old owner sent to land or die. That
wait is only sound if a request cannot be delivered after its timeout.
"""

import socket

import requests
import urllib3

#: connections kept per host: one per evacuation running at once
POOL_SIZE = 128


class _BoundedDeliveryAdapter(requests.adapters.HTTPAdapter):
    """Connections whose unacknowledged data dies with the timeout.

    A request given up on may still sit unacknowledged in the kernel:
    held up by a partition, TCP goes on retransmitting it, from a closed
    socket too, and delivers it once the network heals, long after the
    lease it was sent under has passed to another engine.
    TCP_USER_TIMEOUT has the kernel abort the connection once data has
    gone unacknowledged for the request timeout, whether the socket was
    closed or not, so a request lands within its timeout or never.
    """

    def __init__(self, timeout, **kwargs):
        self._user_timeout_ms = int(timeout * 1000) if timeout else 0
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs['socket_options'] = [
            *urllib3.connection.HTTPConnection.default_socket_options,
            (socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT,
             self._user_timeout_ms)]
        super().init_poolmanager(*args, **kwargs)


def session(timeout):
    """An HTTP session for requests that time out after ``timeout``
    seconds, pooled for parallel evacuations."""
    http = requests.Session()
    adapter = _BoundedDeliveryAdapter(timeout, pool_maxsize=POOL_SIZE)
    http.mount('http://', adapter)
    http.mount('https://', adapter)
    return http
