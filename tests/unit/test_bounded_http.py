"""Nova's HTTP connections give up on unacknowledged data with the timeout."""

import http.server
import socket
import threading

import pytest

from hahealer.compute import bounded_http
from hahealer.compute import nova


class _Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keeps the connection in the pool

    def do_GET(self):
        self.send_response(200)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Quiet)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{httpd.server_port}/'
    httpd.shutdown()
    httpd.server_close()


def _user_timeout_ms(http, url):
    http.get(url, timeout=5).raise_for_status()
    pools = http.get_adapter(url).poolmanager.pools
    (connection,) = [conn for key in pools.keys()
                     for conn in pools[key].pool.queue if conn is not None]
    return connection.sock.getsockopt(socket.IPPROTO_TCP,
                                      socket.TCP_USER_TIMEOUT)


def test_a_connection_aborts_after_the_request_timeout(server):
    assert _user_timeout_ms(bounded_http.session(2.5), server) == 2500


def test_no_timeout_leaves_the_kernel_default(server):
    assert _user_timeout_ms(bounded_http.session(None), server) == 0


def test_the_lab_client_uses_it(server):
    api = nova.NovaAPI.for_endpoint(server, timeout=3)
    assert _user_timeout_ms(api._session.session, server) == 3000
