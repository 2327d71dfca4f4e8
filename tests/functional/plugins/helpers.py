"""Shell commands as docs/plugins.md shows them, and a webhook receiver."""

import http.server
import json
import pathlib
import re
import shlex
import socket
import subprocess
import sys
import sysconfig
import threading

REPO_ROOT = pathlib.Path(__file__).resolve().parents[3]
PLUGINS_DOC = REPO_ROOT / 'docs' / 'plugins.md'
PACKAGE_README = REPO_ROOT / 'examples' / 'hahealer-example-tasks' / \
    'README.md'
TASK_NAME = 'post_recovery_summary_task'

# The commands of docs/plugins.md and of the package's README, each run by
# a test as it is written.
INSTALL = 'python -m pip install --no-deps examples/hahealer-example-tasks'
GENERATE = ('oslo-config-generator --namespace hahealer_example_tasks '
            '--wrap-width 79')
START = 'hahealer-engine --config-file hahealer.conf'
FIRST_TASK = 'python first_task.py'
COMMANDS = (INSTALL, GENERATE, START, FIRST_TASK)


def run(command, cwd=REPO_ROOT, timeout=300):
    """Run a documented shell command with this environment's programs.

    ``python`` is the interpreter running the tests and other programs
    come from its scripts directory, so an unactivated environment works
    too. Returns the CompletedProcess, its output as text.
    """
    program, *args = shlex.split(command)
    if program == 'python':
        program = sys.executable
    else:
        program = str(pathlib.Path(sysconfig.get_path('scripts')) / program)
    return subprocess.run([program, *args], cwd=cwd, timeout=timeout,
                          capture_output=True, text=True)


def console_blocks(path=PLUGINS_DOC):
    """[(command, documented output)] of the ```console blocks of a doc."""
    shown = []
    in_console = False
    for line in path.read_text().splitlines():
        if line.startswith('```'):
            in_console = line == '```console'
        elif in_console and line.startswith('$ '):
            shown.append((line[2:], []))
        elif in_console and shown:
            shown[-1][1].append(line)
    return [(command, '\n'.join(output)) for command, output in shown]


def code_block(marker, path=PLUGINS_DOC):
    """The ```python block whose first line is ``marker``."""
    blocks = re.findall(r'^```python\n(.*?)^```$', path.read_text(),
                        flags=re.MULTILINE | re.DOTALL)
    matching = [block for block in blocks if block.startswith(marker)]
    assert len(matching) == 1, (
        f'{len(matching)} python blocks start with {marker!r} in {path}')
    return matching[0]


def matches(documented, actual):
    """Whether ``actual`` output is what the doc shows; ``...`` is any text."""
    pattern = '.*'.join(re.escape(part)
                        for part in documented.strip().split('...'))
    return re.fullmatch(pattern, actual.strip(), flags=re.DOTALL) is not None


def closed_port():
    """A port of 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        status = self.server.receiver.received(self.path, self.headers, body)
        self.send_response(status)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        """Quiet: the test reads what was received, not an access log."""


class Webhook:
    """An HTTP receiver on 127.0.0.1 that records every POST.

    ``answers`` are the answers to the next requests, in order: a status,
    or a callable returning one, called as the request arrives; 204 once
    they are used up.
    """

    TOKEN = 'hook-secret-5f3a'

    def __init__(self):
        self.answers = []
        self.requests = []
        self._lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                       _Handler)
        self._server.receiver = self
        host, port = self._server.server_address
        # The token stands for a credential in the URL, which the task
        # must never show.
        self.url = f'http://{host}:{port}/hooks/recoveries?token={self.TOKEN}'
        self.where = f'http://{host}:{port}'
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name='webhook', daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def received(self, path, headers, body):
        with self._lock:
            self.requests.append({
                'path': path,
                'content_type': headers['Content-Type'],
                'idempotency_key': headers['Idempotency-Key'],
                'summary': json.loads(body)})
            answer = self.answers.pop(0) if self.answers else 204
        return answer() if callable(answer) else answer

    @property
    def summaries(self):
        with self._lock:
            return [request['summary'] for request in self.requests]
