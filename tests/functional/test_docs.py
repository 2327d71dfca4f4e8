"""Every command the documentation shows is run here, so the docs stay true.

Commands are the ``$ `` lines of ```console blocks, run in order per page
in a sandbox: a config file stands in for /etc/hahealer/hahealer.conf
(RabbitMQ on 127.0.0.1, a fresh SQLite database, the Nova emulator), and
the hosts and notifications a page refers to exist. The engine, where a
page starts it, runs in the background. Benchmarks run with extra options
appended that shrink them (argparse keeps the last value). docs/plugins.md
and the example package's README are run by tests/functional/plugins.
"""

import datetime
import os
import pathlib
import re
import shlex
import signal
import subprocess
import sys

import pytest

from tests import engine_fixture
from tests.functional.plugins import helpers as plugin_helpers

REPO = engine_fixture.REPO_ROOT
SYSTEM_CONFIG = '/etc/hahealer/hahealer.conf'
PAGES = ('README.md', 'docs/monitors.md', 'docs/operators.md',
         'docs/benchmarks.md', 'docs/emulator.md', 'docs/fencing.md',
         'docs/real-nova.md', 'docs/architecture.md')
RUN_ELSEWHERE = ('docs/plugins.md',
                 'examples/hahealer-example-tasks/README.md')
#: the set-up a reader does once and CI does through tox
SETUP = {
    'python3 -m venv .venv && . .venv/bin/activate',
    'pip install -e .',
    'pip install tox',
}
TEST_COMMAND = 'tox -e pep8,py3,integration'
#: appended to benchmark commands so that they run in seconds
SHRINK = {
    # One failed host: with several, Nova may place an instance on another
    # failed host not yet forced down, which costs a per-instance timeout.
    'host_recovery': ['--failed-hosts', '1', '--instances', '2',
                      '--evacuate-seconds', '0.2',
                      '--capacity', '4', '--fencing-seconds', '0.2',
                      '--verify-interval', '0.1'],
    'footprint': ['--runs', '1', '--idle-seconds', '0.5'],
    'intake': ['--per-sender', '5', '--backend', 'sqlite'],
    'real_nova': ['--sizes', '3', '--runs', '1'],
}
HELD = '0d4c5a43-55a1-4b61-8c1e-3d2a3f7f9b70'
SEEDED_HOSTS = ('compute-3',)
#: the compute hosts the pages name, known to the emulator
DOC_HOSTS = tuple(f'compute-{index}' for index in range(1, 10)) + ('spare-1',)


def console_commands(path):
    """The ``$ `` lines of the ```console blocks of a page, in order."""
    commands, inside = [], False
    for line in (REPO / path).read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith('```'):
            inside = stripped == '```console'
        elif inside and stripped.startswith('$ '):
            commands.append(stripped[2:])
    return commands


def test_pages_outside_this_check_are_run_by_their_own_tests():
    assert {plugin_helpers.PLUGINS_DOC, plugin_helpers.PACKAGE_README} == {
        REPO / page for page in RUN_ELSEWHERE}
    shown = {command for page in REPO.glob('docs/*.md')
             for command in console_commands(page.relative_to(REPO))}
    covered = {command for page in PAGES + RUN_ELSEWHERE
               for command in console_commands(page)}
    assert shown <= covered, f'pages not checked: {shown - covered}'


def test_the_readme_test_command_is_what_ci_runs():
    assert TEST_COMMAND in console_commands('README.md')
    assert f'.ci-venv/bin/{TEST_COMMAND}' in (REPO / '.ci/run').read_text()


def _seed(config):
    """What the pages refer to: a host in a segment, a held notification."""
    database = engine_fixture.open_database(config)
    try:
        database.create_segment('docs', 'auto')
        for host in SEEDED_HOSTS:
            database.create_host(host, 'docs')
        database.create_notification({
            'type': 'COMPUTE_HOST', 'hostname': 'compute-3',
            'generated_time': datetime.datetime(2026, 11, 21, 3),
            'payload': {'event': 'STOPPED', 'host_status': 'NORMAL'},
            'notification_uuid': HELD}, 0)
        generation = database.claim_notification(HELD, 'docs', 60)
        database.finish_notification(HELD, 'docs', generation, 'error',
                                     'storm protection: seeded', held=True)
    finally:
        database.dispose()


def _with_secret_files(command, directory):
    """A BMC password file a page names (/etc/hahealer/....pw) stands in
    the sandbox, holding a made-up password."""
    def sandboxed(match):
        path = directory / match.group(1).replace('/', '-')
        path.write_text('made-up-bmc-password\n')
        return str(path)
    return re.sub(r'/etc/hahealer/(\S+\.pw)', sandboxed, command)


def _run(command, config, engine_factory, workdir):
    command = _with_secret_files(command.replace(SYSTEM_CONFIG, str(config)),
                                 pathlib.Path(config).parent)
    argv = shlex.split(command)
    program = argv[0]
    if program == 'hahealer-engine':
        engine_factory(config, name='docs-engine')
        return
    if argv[:3] == [sys.executable, '-m', 'benchmarks'] or (
            argv[:2] == ['python', '-m'] and argv[2] == 'benchmarks'):
        argv = [sys.executable, '-m', 'benchmarks', *argv[3:],
                *SHRINK[argv[3]]]
    elif program in ('python', 'python3'):
        argv[0] = sys.executable
    else:
        argv[0] = str(pathlib.Path(sys.executable).parent / program)
    process = subprocess.Popen(argv, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=workdir,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        # The whole group: a benchmark's emulator and engine too.
        os.killpg(process.pid, signal.SIGTERM)
        out, err = process.communicate(timeout=60)
        raise AssertionError(f'{command!r} did not end within 300 s:\n'
                             f'{out[-2000:]}\n{err[-3000:]}') from None
    assert process.returncode == 0, (
        f'{command!r} failed ({process.returncode}):\n{out[-2000:]}\n'
        f'{err[-3000:]}')


@pytest.mark.parametrize('page', PAGES)
def test_every_command_of_the_page_runs(page, tmp_path, nova_sim,
                                        engine_factory):
    commands = [c for c in console_commands(page)
                if c not in SETUP and c != TEST_COMMAND]
    config = engine_fixture.write_config(tmp_path, nova_sim.compute_url)
    # New hosts are checked against Nova: the emulator has the pages' ones.
    for host in DOC_HOSTS:
        nova_sim.add_host(host)
    starts_engine = any(c.startswith('hahealer-engine') for c in commands)
    engine_fixture.sync_database(config)
    _seed(config)
    if not starts_engine and any(re.match(r'hahealer(-notify)? ', c)
                                 for c in commands):
        engine_factory(config)
    for command in commands:
        _run(command, config, engine_factory, REPO)
