"""hahealer-notify --wait on a terminal draws the recovery task by task
on stderr; stdout stays the record."""

import json
import os
import pty
import subprocess
import sys

from tests import engine_fixture


def test_wait_on_a_terminal_shows_each_task(tmp_path, nova_sim,
                                            engine_factory):
    config = engine_fixture.prepare(tmp_path, nova_sim.compute_url,
                                    hosts=('host1', 'host2'))
    engine_factory(config)
    controller, terminal = pty.openpty()
    done = subprocess.run(
        [sys.executable, '-m', 'hahealer.cmd.notify', '--config-file',
         str(config), 'process', 'host1', '--process-name', 'nova-compute',
         '--event', 'STOPPED', '--wait', '-f', 'json'],
        stdout=subprocess.PIPE, stderr=terminal, timeout=120,
        cwd=engine_fixture.REPO_ROOT,
        env={**os.environ, 'TERM': 'xterm'})
    os.close(terminal)
    drawn = b''
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal's other end is closed: all read
            break
        if not chunk:
            break
        drawn += chunk
    os.close(controller)
    assert done.returncode == 0, drawn
    record = json.loads(done.stdout)
    assert record['status'] == 'finished'
    assert 'recovery_workflow_details' not in record
    text = drawn.decode()
    assert 'disable_compute_node_task' in text
    assert 'confirm_compute_node_disabled_task' in text
    assert '[####################] 100%' in text
    assert (f"Notification {record['notification_uuid']} ended finished"
            in text)
