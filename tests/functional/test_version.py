"""Every command answers --version with the installed version."""

import subprocess
import sys

import pytest

import hahealer
from tests.engine_fixture import REPO_ROOT


@pytest.mark.parametrize('module', [
    'cli', 'engine', 'notify', 'manage', 'status', 'nova_sim', 'demo'])
def test_every_command_tells_its_version(module):
    done = subprocess.run(
        [sys.executable, '-m', f'hahealer.cmd.{module}', '--version'],
        capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().split()[-1] == hahealer.__version__
