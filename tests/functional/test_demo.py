"""hahealer-demo: an emulated cloud and the engine in one process, no
broker, no database server."""

import os
import re
import subprocess
import sys

from tests import engine_fixture


def run_demo(tmp_path, *args, path=None):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    if path is not None:
        env['PATH'] = path
    return subprocess.run(
        [sys.executable, '-m', 'hahealer.cmd.demo', *args],
        capture_output=True, text=True, timeout=120, env=env,
        cwd=engine_fixture.REPO_ROOT)


def table(output, title):
    """The rows of the table under the line starting with ``title``, as
    dicts by header."""
    lines = output.splitlines()
    start = next(n for n, line in enumerate(lines)
                 if line.startswith(title)) + 1
    header, rows = lines[start], []
    for line in lines[start + 2:]:
        if not line.startswith('  ') or line.strip().endswith(':'):
            break
        rows.append(line)

    def cells(line):
        return re.split(r'\s{2,}', line.strip())

    return [dict(zip(cells(header), cells(row), strict=True))
            for row in rows]


def state_directory(output):
    return re.search(r'state and log in (\S+)', output).group(1)


def test_the_demo_recovers_a_host_an_instance_and_a_process(tmp_path):
    done = run_demo(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ''
    out = done.stdout
    assert [(n['type'], n['host'], n['status'])
            for n in table(out, '  Notifications:')] == [
        ('COMPUTE_HOST', 'compute-1', 'finished'),
        ('VM', 'compute-2', 'finished'),
        ('PROCESS', 'compute-3', 'finished')]
    instances = table(out, '  Instances:')
    assert len(instances) == 12
    evacuated = [i for i in instances if i['host before'] == 'compute-1']
    assert len(evacuated) == 4
    assert {i['state before'] for i in evacuated} == {'active', 'stopped'}
    for instance in evacuated:
        assert instance['recovery'] == 'evacuated'
        assert instance['host after'] not in ('compute-1', 'gone')
        assert instance['state after'] == instance['state before']
    assert [i['state after'] for i in instances
            if i['recovery'] == 'restarted'] == ['active']
    assert [(h['host'], h['role'], h['fencing'])
            for h in table(out, 'Registering segment')] == [
        ('compute-1', 'compute', 'ipmi'), ('compute-2', 'compute', 'ipmi'),
        ('compute-3', 'compute', 'ipmi'), ('compute-4', 'reserved', 'ipmi')]
    assert "Fencing host 'compute-1' through its ipmi BMC" in out
    assert 'its BMC now reports power off' in out
    assert out.rstrip().endswith('Every recovery ended as expected.')
    assert not os.path.exists(state_directory(out))


def test_without_ipmitool_the_demo_fences_with_noop_and_says_so(tmp_path):
    empty = tmp_path / 'bin'
    empty.mkdir()
    done = run_demo(tmp_path, '--hosts', '3', '--instances', '3',
                    '--evacuate-seconds', '0.1', '--keep', path=str(empty))
    assert done.returncode == 0, done.stdout + done.stderr
    assert ('Note: ipmitool is not installed, so hosts are fenced with the '
            'noop driver, which powers nothing off.') in done.stdout
    assert "Fencing host 'compute-1' through its noop BMC" in done.stdout
    kept = state_directory(done.stdout)
    assert f'The state directory is kept: {kept}' in done.stdout
    assert 'ready on topic hahealer-demo' in open(
        os.path.join(kept, 'engine.log')).read()


def test_the_demo_needs_a_host_to_fail_a_spare_and_a_survivor(tmp_path):
    done = run_demo(tmp_path, '--hosts', '2')
    assert done.returncode == 2
    assert '--hosts must be at least 3' in done.stderr
