"""Running the ``hahealer`` console script as an operator does."""

import json
import os
import subprocess
import sys

from tests import engine_fixture


def hahealer(config, *args, timeout=120, env=None, stdin=None):
    """``hahealer --config-file CONFIG ARGS``; the CompletedProcess.
    ``env`` adds to the environment, ``stdin`` is the text on its input."""
    command = [sys.executable, '-m', 'hahealer.cmd.cli']
    if config is not None:
        command += ['--config-file', str(config)]
    return subprocess.run(command + [str(arg) for arg in args],
                          capture_output=True, text=True, timeout=timeout,
                          cwd=engine_fixture.REPO_ROOT, input=stdin,
                          env={**os.environ, **(env or {})})


def hahealer_json(config, *args):
    """The parsed ``-f json`` output of a command that must succeed."""
    done = hahealer(config, *args, '-f', 'json')
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def assert_fails(done, message, code=1):
    """Exit ``code`` with ``message`` on one line of stderr, no traceback.
    """
    assert done.returncode == code, (done.stdout, done.stderr)
    assert message in done.stderr.splitlines()[-1], done.stderr
    assert 'Traceback' not in done.stderr
