"""hahealer-status against the emulator, RabbitMQ, the real databases and
a simulated BMC."""

import subprocess
import sys
import types

import pytest

from hahealer import preflight
from hahealer.sim import bmc as sim_bmc
from tests import engine_fixture

HOSTS = ('host1', 'host2')


def status(config, *args):
    done = subprocess.run(
        [sys.executable, '-m', 'hahealer.cmd.status', '--config-file',
         str(config), *args], capture_output=True, text=True, timeout=180,
        cwd=engine_fixture.REPO_ROOT)
    return done.returncode, done.stdout.splitlines(), done.stderr


def _lines(lines, status_word, check):
    return [line for line in lines
            if line.split()[:2] == [status_word, check.split()[0]]
            and f' {check} ' in f'{line} ']


@pytest.fixture
def bmc():
    with sim_bmc.SimulatedBMC('admin', 'Bmc-pass-7781') as simulated:
        yield simulated


@pytest.mark.parametrize('backend', ['postgresql', 'mysql'])
def test_everything_is_contacted_and_reported(
        backend, tmp_path, nova_sim, bmc, database_url_factory):
    config = engine_fixture.prepare(
        tmp_path, nova_sim.compute_url,
        database_url=database_url_factory(backend), hosts=HOSTS)
    database = engine_fixture.open_database(config)
    try:
        database.create_host('ghost', 'rack1')
        database.update_host('host1', fencing_driver='ipmi',
                             fencing_params=bmc.fencing_params())
    finally:
        database.dispose()
    code, lines, err = status(config, 'check')
    assert 'Traceback' not in err
    assert code == 2, (lines, err)
    assert _lines(lines, 'OK', 'database')
    assert _lines(lines, 'OK', 'taskflow database')
    assert _lines(lines, 'OK', 'nova')[0].endswith(
        '(hahealer accepts microversions 2.53 to 2.96)')
    assert _lines(lines, 'OK', 'broker')[0].endswith(
        'logged in to 127.0.0.1:5672 (user guest)')
    assert _lines(lines, 'OK', 'locks')
    assert _lines(lines, 'OK', 'host host1 in Nova')
    assert _lines(lines, 'OK', 'host host1 BMC')[0].endswith(
        'ipmi: power on')
    assert _lines(lines, 'WARN', 'host host2 BMC')
    [ghost] = _lines(lines, 'FAIL', 'host ghost in Nova')
    assert 'Nova has no nova-compute service on host ghost' in ghost
    assert 'Bmc-pass-7781' not in '\n'.join(lines) + err
    assert bmc.power_off_requests == 0
    assert lines[-1].endswith('FAIL')


def test_unreachable_keystone_and_a_refused_login_say_what_to_do(
        tmp_path, nova_sim, database_url_factory):
    config = engine_fixture.write_config(
        tmp_path, nova_sim.compute_url,
        nova={'auth_type': 'password', 'auth_url': 'http://127.0.0.1:9/v3',
              'username': 'nova', 'password': 'N0PE', 'project_name': 'x'},
        DEFAULT={'transport_url': 'rabbit://guest:WR0NG@127.0.0.1:5672/'})
    engine_fixture.sync_database(config)
    code, lines, err = status(config, 'check')
    assert code == 2
    [nova_line] = _lines(lines, 'FAIL', 'nova')
    assert 'check [nova] auth_url or endpoint_override' in nova_line
    [broker] = _lines(lines, 'FAIL', 'broker')
    assert broker.endswith('127.0.0.1:5672 (user guest) refused the login: '
                           'check the user and password in transport_url')
    assert 'N0PE' not in '\n'.join(lines) + err
    assert 'WR0NG' not in '\n'.join(lines) + err


def test_upgrade_check_wants_both_schemas_at_head(tmp_path, nova_sim,
                                                  database_url_factory):
    url = database_url_factory('postgresql')
    config = engine_fixture.write_config(tmp_path, nova_sim.compute_url,
                                         database_url=url,
                                         taskflow={'connection': url})
    code, lines, _ = status(config, 'upgrade', 'check')
    assert code == 2
    assert _lines(lines, 'FAIL', 'database')[0].endswith(
        'run "hahealer-manage db sync" first')
    assert _lines(lines, 'FAIL', 'taskflow database')
    engine_fixture.sync_database(config)
    code, lines, _ = status(config, 'upgrade', 'check')
    assert code == 0, lines
    assert lines[-1] == f'{len(lines) - 1} OK, 0 WARN, 0 FAIL'


def test_a_lock_backend_that_refuses_names_it_without_its_password():
    conf = types.SimpleNamespace(coordination=types.SimpleNamespace(
        backend_url='redis://:hunter2@127.0.0.1:1'))
    result = preflight.check_locks(conf)
    assert result.status == preflight.FAIL
    assert 'redis://:***@127.0.0.1:1' in result.details
    assert 'hunter2' not in result.details
