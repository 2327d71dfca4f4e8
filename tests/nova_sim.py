"""Run hahealer-nova-sim as a subprocess and talk to it, for tests."""

import os
import pathlib
import queue
import signal
import subprocess
import sys
import tempfile
import threading

import requests
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from novaclient import client as nova_client

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
LISTENING = 'hahealer-nova-sim listening on '


def flags(**options):
    """Keyword options as command-line flags: max_limit=2 -> --max-limit 2.

    True gives a bare flag; False and None are left out.
    """
    args = []
    for name, value in options.items():
        if value is None or value is False:
            continue
        args.append('--' + name.replace('_', '-'))
        if value is not True:
            args.append(str(value))
    return args


class NovaSimProcess:
    """``python -m hahealer.cmd.nova_sim --port 0 ...`` in a subprocess."""

    def __init__(self, *args, startup_timeout=20.0):
        self.args = ['--port', '0', *args]
        self.startup_timeout = startup_timeout
        self.url = self.compute_url = None
        self.returncode = None
        self.trailing_stdout = None
        self._process = None
        self._stderr = tempfile.TemporaryFile()
        self._http = requests.Session()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get('PYTHONPATH')) if p)
        self._process = subprocess.Popen(
            [sys.executable, '-m', 'hahealer.cmd.nova_sim', *self.args],
            stdout=subprocess.PIPE, stderr=self._stderr, env=env, text=True)
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(
            self._process.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=self.startup_timeout)
        except queue.Empty:
            line = ''
        if not line.startswith(LISTENING):
            self.stop()
            raise RuntimeError(
                'hahealer-nova-sim %s did not start (first line %r, exit '
                'code %s); stderr:\n%s' % (' '.join(self.args), line,
                                           self.returncode, self.stderr()))
        self.url = line[len(LISTENING):].strip()
        self.compute_url = self.url + '/v2.1'
        return self

    def stop(self, signum=signal.SIGTERM, timeout=10.0):
        """Signal, wait; returns the exit code (killed if it hangs).

        What it printed after the listening line is kept in
        ``trailing_stdout``.
        """
        if self._process is None or self.returncode is not None:
            return self.returncode
        if self._process.poll() is None:
            self._process.send_signal(signum)
        try:
            self.returncode = self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self.returncode = self._process.wait()
        self.trailing_stdout = self._process.stdout.read()
        self._process.stdout.close()
        self._http.close()
        return self.returncode

    def stderr(self):
        self._stderr.seek(0)
        return self._stderr.read().decode(errors='replace')

    # --- the control API -----------------------------------------------------

    def _control(self, method, path, json=None, expect=(200, 201, 204)):
        response = self._http.request(method, self.url + '/_sim' + path,
                                      json=json, timeout=10)
        if response.status_code not in expect:
            raise AssertionError('%s /_sim%s answered %s: %s'
                                 % (method, path, response.status_code,
                                    response.text))
        return response.json() if response.content else None

    def kill_host(self, name):
        self._control('POST', '/hosts/%s/kill' % name)

    def revive_host(self, name):
        self._control('POST', '/hosts/%s/revive' % name)

    def vanish_host(self, name):
        self._control('POST', '/hosts/%s/vanish' % name)

    def add_host(self, name, alive=True):
        return self._control('POST', '/hosts',
                             {'name': name, 'alive': alive})

    def hosts(self):
        return self._control('GET', '/hosts')['hosts']

    def set_faults(self, **faults):
        """Replace the faults in force; no arguments clears them."""
        return self._control('POST', '/faults', faults)

    def counters(self):
        return self._control('GET', '/counters')

    def reset_counters(self):
        self._control('POST', '/reset-counters')

    def state(self):
        return self._control('GET', '/state')

    # --- python-novaclient ---------------------------------------------------

    def admin_client(self, version='2.96'):
        """A novaclient client as admin (keystoneauth's noauth plugin)."""
        session = ks_session.Session(auth=noauth.NoAuth())
        return nova_client.Client(version, session=session,
                                  endpoint_override=self.compute_url)

    def member_client(self, project='demo', version='2.96'):
        """A novaclient client as a non-admin member of ``project``."""
        auth = token_endpoint.Token(self.compute_url, 'member:' + project)
        session = ks_session.Session(auth=auth)
        return nova_client.Client(version, session=session,
                                  endpoint_override=self.compute_url)
