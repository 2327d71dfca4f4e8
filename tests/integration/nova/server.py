"""Serve the real Nova compute API on a loopback port, for tests.

Run with the Python of the Nova virtualenv (see ensure_venv.py):

    server.py --port 0 --hosts host1,host2,host3 [--service-down-time 10]

It starts Nova's API, conductor, scheduler and one nova-compute per host
(fake virt driver) in this process, prints one line when ready,

    hahealer-nova-sim listening on http://HOST:PORT

and serves until SIGTERM or SIGINT. Besides the compute API (``/`` and
``/v2.1``) it serves the control API shared with hahealer's own Nova
emulator:

    POST /_sim/hosts/{name}/kill     stop that host's nova-compute
    POST /_sim/hosts/{name}/revive   start it again
    GET  /_sim/hosts                 {"hosts": [{"name", "alive"}, ...]}
"""

import argparse
import json
import logging
import os
import signal
import socketserver
import sys
import threading
from wsgiref import simple_server

READY_LINE = "hahealer-nova-sim listening on http://{host}:{port}"
CONTROL_PREFIX = "/_sim/"
STOP_TIMEOUT = 20
LOG = logging.getLogger("hahealer-nova-sim")


class ThreadingWSGIServer(
    socketserver.ThreadingMixIn, simple_server.WSGIServer
):
    """One thread per connection and a deep accept queue.

    A failing host makes its recovery engine fire dozens of requests at
    once; socketserver's default listen backlog of 5 resets them.
    """

    daemon_threads = True
    request_queue_size = 512


class QuietHandler(simple_server.WSGIRequestHandler):
    """Nova's request_log middleware already logs every API call."""

    def log_message(self, fmt, *args):
        LOG.debug("%s " + fmt, self.address_string(), *args)


class ControlApp:
    """The /_sim control API in front of the compute API application."""

    def __init__(self, cloud):
        self.cloud = cloud

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(CONTROL_PREFIX):
            return self.cloud.app(environ, start_response)
        status, body = self.control(environ["REQUEST_METHOD"], path)
        data = b"" if body is None else json.dumps(body).encode()
        headers = [("Content-Length", str(len(data)))]
        if data:
            headers.append(("Content-Type", "application/json"))
        start_response(status, headers)
        return [data]

    def control(self, method, path):
        parts = path[len(CONTROL_PREFIX) :].strip("/").split("/")
        if parts == ["hosts"]:
            if method != "GET":
                return "405 Method Not Allowed", {"error": "use GET"}
            return "200 OK", {"hosts": self.cloud.hosts()}
        if len(parts) == 3 and parts[0] == "hosts":
            actions = {
                "kill": self.cloud.kill_host,
                "revive": self.cloud.revive_host,
            }
            action = actions.get(parts[2])
            if action is not None:
                if method != "POST":
                    return "405 Method Not Allowed", {"error": "use POST"}
                try:
                    action(parts[1])
                except KeyError:
                    return "404 Not Found", {
                        "error": f"no such host: {parts[1]}"
                    }
                return "204 No Content", None
        return "404 Not Found", {"error": f"no such resource: {path}"}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free")
    parser.add_argument(
        "--hosts",
        default="host1,host2,host3",
        type=lambda value: [h for h in value.split(",") if h],
        help="comma-separated compute host names",
    )
    parser.add_argument(
        "--service-down-time",
        type=int,
        default=10,
        help="seconds without a heartbeat before a service counts as down",
    )
    parser.add_argument(
        "--report-interval",
        type=int,
        help="seconds between two heartbeats of a service (default: a "
        "quarter of --service-down-time, at least 1)",
    )
    parser.add_argument(
        "--rpc-timeout",
        type=int,
        default=10,
        help="seconds an RPC call, e.g. to a dead host, waits for an answer",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="level of the log written to stderr",
    )
    args = parser.parse_args(argv)
    if not args.hosts:
        parser.error("--hosts needs at least one host name")
    if args.service_down_time < 2:
        parser.error("--service-down-time must be at least 2 seconds")
    if args.report_interval is None:
        # The heartbeat must beat several times per service_down_time.
        args.report_interval = max(1, args.service_down_time // 4)
    elif not 1 <= args.report_interval < args.service_down_time:
        parser.error(
            "--report-interval must be at least 1 and below "
            "--service-down-time"
        )
    return args


def configure_logging(level):
    """Send Nova's log to stderr instead of the test base's memory buffer."""
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(name)s] %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(level)


def main(argv=None):
    args = parse_args(argv)
    # Nova 34 runs its API, conductor, scheduler and compute in native
    # threads by default; so does this process. The test base would also
    # capture stdout, logs or set an alarm when these ask it to.
    os.environ["OS_NOVA_DISABLE_EVENTLET_PATCHING"] = "1"
    for name in ("OS_STDOUT_CAPTURE", "OS_STDERR_CAPTURE", "OS_TEST_TIMEOUT"):
        os.environ.pop(name, None)
    stdout = sys.stdout  # kept: the test base may swap sys.stdout

    import cloud  # only now that the environment is set

    deployment = cloud.Cloud(args)
    deployment.start()
    configure_logging(args.log_level)

    server = simple_server.make_server(
        args.bind,
        args.port,
        ControlApp(deployment),
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )

    def shut_down(signum, frame):
        LOG.info("signal %d: shutting down", signum)
        # serve_forever() runs in this thread: stop it from another one.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)

    host, port = server.server_address[:2]
    print(READY_LINE.format(host=host, port=port), file=stdout, flush=True)
    server.serve_forever()
    server.server_close()
    # Stopping the services waits for their threads; never hang the caller.
    stopper = threading.Thread(target=deployment.stop, daemon=True)
    stopper.start()
    stopper.join(STOP_TIMEOUT)
    if stopper.is_alive():
        LOG.error("services did not stop in %d s; exiting", STOP_TIMEOUT)
        logging.shutdown()
        # Interpreter shutdown would wait for the stuck threads.
        os._exit(1)
    LOG.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
