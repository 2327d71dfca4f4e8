"""Run the real Nova compute API in a subprocess, for integration tests.

The server (nova/server.py) runs with the Python of a separate virtualenv
that holds Nova 34 and its test fixtures; build it once with

    python tests/integration/nova/ensure_venv.py

``RealNovaProcess`` has the same shape as the helper for hahealer's own
Nova emulator, so a test can run against either.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import requests
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from novaclient import api_versions
from novaclient import client as nova_client

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NOVA_DIR = os.path.join(HERE, "nova")
SERVER = os.path.join(NOVA_DIR, "server.py")
ENSURE_VENV = os.path.join(NOVA_DIR, "ensure_venv.py")
REPO_VENV = os.path.join(REPO, ".nova-venv")
DEFAULT_VENV = os.environ.get("HAHEALER_NOVA_VENV", REPO_VENV)
READY = re.compile(r"^hahealer-nova-sim listening on (http://\S+)$")
ADMIN_TOKEN = "admin"
# Nova lists images only through its image proxy API, gone after 2.35.
IMAGE_PROXY_VERSION = "2.35"
# The server is on loopback: proxy settings in the environment must not apply.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class RealNovaError(RuntimeError):
    """The server could not be started or did not answer."""


def _check_venv(venv):
    python = os.path.join(venv, "bin", "python")
    check = subprocess.run(
        [sys.executable, ENSURE_VENV, "--check", "--venv", venv],
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode != 0:
        raise RealNovaError(
            f"the Nova virtualenv {venv} is missing or out of date; "
            f"create it with: python {os.path.relpath(ENSURE_VENV, REPO)}"
            + ("" if venv == REPO_VENV else f" --venv {venv}")
        )
    return python


class RealNovaProcess:
    """Real Nova (API, conductor, scheduler, computes) on a loopback port.

    Use it as a context manager, or call start() and stop(). ``url`` is
    the API root (version discovery), ``compute_url`` the v2.1 endpoint.

    :param hosts: compute host names, one nova-compute each
    :param service_down_time: seconds without a heartbeat before Nova
        shows a compute service down
    :param report_interval: seconds between two heartbeats; None keeps
        the server's default (a quarter of service_down_time, at least 1)
    :param rpc_timeout: seconds an RPC call to a dead service waits before
        it fails; None keeps the server's default (10 s)
    :param venv: the Nova virtualenv; $HAHEALER_NOVA_VENV or
        <repo>/.nova-venv by default
    :param log_path: where the server's log goes; by default a temporary
        file, removed at stop()
    """

    def __init__(
        self,
        hosts=("host1", "host2", "host3"),
        service_down_time=10,
        report_interval=None,
        rpc_timeout=None,
        venv=DEFAULT_VENV,
        log_path=None,
        start_timeout=120,
        request_timeout=120,
    ):
        self.host_names = list(hosts)
        self.service_down_time = service_down_time
        self.report_interval = report_interval
        self.rpc_timeout = rpc_timeout
        self.venv = venv
        self.log_path = log_path
        self.start_timeout = start_timeout
        self.request_timeout = request_timeout
        self.url = None
        self.returncode = None
        self._proc = None
        self._log = None
        self._own_log = False
        self._ready = threading.Event()

    @property
    def compute_url(self):
        return self.url + "/v2.1"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        python = _check_venv(self.venv)
        cmd = [
            python,
            SERVER,
            "--port=0",
            "--hosts=" + ",".join(self.host_names),
            f"--service-down-time={self.service_down_time}",
        ]
        if self.report_interval is not None:
            cmd.append(f"--report-interval={self.report_interval}")
        if self.rpc_timeout is not None:
            cmd.append(f"--rpc-timeout={self.rpc_timeout}")
        # Nova's log goes to a file: a pipe nobody reads would fill up.
        if self.log_path is None:
            fd, self.log_path = tempfile.mkstemp(
                prefix="hahealer-nova-", suffix=".log"
            )
            self._own_log = True
            self._log = os.fdopen(fd, "wb")
        else:
            self._log = open(self.log_path, "wb")
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        threading.Thread(target=self._read_stdout, daemon=True).start()
        deadline = time.monotonic() + self.start_timeout
        while not self._ready.wait(0.1):
            if self._proc.poll() is not None:
                self._fail(f"exited with status {self._proc.returncode}")
            if time.monotonic() > deadline:
                self._fail(f"not ready after {self.start_timeout} s")

    def _read_stdout(self):
        # Drained to the end so the server never blocks on a full pipe.
        for line in self._proc.stdout:
            match = READY.match(line.strip())
            if match and not self._ready.is_set():
                self.url = match.group(1)
                self._ready.set()

    def _fail(self, what):
        tail = self.log_tail()
        self.stop()
        raise RealNovaError(
            f"Nova server {what}; last lines of its log:\n{tail}"
        )

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError as exc:
            return f"(log unreadable: {exc})"

    def stop(self):
        """Stop the server (SIGTERM, SIGKILL if it hangs); its exit code."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                self.returncode = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                self.returncode = proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
            if self._own_log:
                os.remove(self.log_path)
        return self.returncode

    # The control API shared with hahealer's Nova emulator.

    def kill_host(self, name):
        """Stop the host's nova-compute, as when the host dies."""
        self._control("POST", f"/_sim/hosts/{name}/kill")

    def revive_host(self, name):
        """Start the host's nova-compute again, as after a reboot."""
        self._control("POST", f"/_sim/hosts/{name}/revive")

    def hosts(self):
        """[{"name": ..., "alive": bool}, ...]"""
        return self._control("GET", "/_sim/hosts")["hosts"]

    def _control(self, method, path):
        request = urllib.request.Request(self.url + path, method=method)
        try:
            with _LOOPBACK.open(
                request, timeout=self.request_timeout
            ) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise RealNovaError(
                f"{method} {path}: {exc.code} {exc.read().decode()}"
            ) from exc
        return json.loads(body) if body else None

    # Clients of the compute API.

    def admin_client(self, version=None):
        """novaclient for the cloud administrator.

        With no version, the newest microversion that both novaclient and
        the server support is negotiated.
        """
        return self._client(ADMIN_TOKEN, version)

    def member_client(self, project="demo", version=None):
        """novaclient for a non-admin member of the named project."""
        return self._client(f"member:{project}", version)

    def _client(self, token, version):
        http = requests.Session()
        http.trust_env = False  # loopback: never through a proxy
        session = ks_session.Session(
            auth=token_endpoint.Token(self.compute_url, token),
            session=http,
            timeout=self.request_timeout,
        )
        if version is None:
            probe = self._novaclient("2.1", session)
            version = api_versions.discover_version(
                probe, api_versions.APIVersion("2.latest")
            ).get_string()
        return self._novaclient(version, session)

    def _novaclient(self, version, session):
        return nova_client.Client(
            version, session=session, endpoint_override=self.compute_url
        )

    def images(self):
        """The stock images of the server: [{"id": ..., "name": ...}]."""
        return list_images(self)


def list_images(cloud):
    """Images through Nova's image proxy: [{"id": ..., "name": ...}].

    ``cloud`` is a RealNovaProcess or the emulator's NovaSimProcess: both
    serve the proxy and give admin clients at a named microversion.
    """
    client = cloud.admin_client(IMAGE_PROXY_VERSION)
    _, body = client.client.get("/images")
    return [
        {"id": image["id"], "name": image["name"]} for image in body["images"]
    ]
