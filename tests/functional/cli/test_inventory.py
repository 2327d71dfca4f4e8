"""hahealer segment ... and hahealer host ..., against a running engine."""

import pytest

from tests import engine_fixture
from tests.functional.cli.helpers import assert_fails
from tests.functional.cli.helpers import hahealer
from tests.functional.cli.helpers import hahealer_json

PASSWORD = 'Bmc-Pa55word-7731'
NEW_PASSWORD = 'N3w-Pa55word-7731'


@pytest.fixture(scope='module')
def cloud(cloud_factory):
    # Hosts are checked against Nova's compute services: the emulator gets
    # the ones these tests register.
    cloud = cloud_factory()
    for name in ('spare-1', 'compute-1', 'compute-2', 'compute-5',
                 'compute-7', 'compute-9'):
        cloud.sim.add_host(name)
    return cloud


@pytest.fixture(scope='module')
def config(cloud):
    return cloud.config


def test_segment_lifecycle(config):
    created = hahealer_json(config, 'segment', 'create', 'rack-a',
                            '--recovery-method', 'auto_priority',
                            '--description', 'first rack')
    assert created['name'] == 'rack-a'
    assert created['recovery_method'] == 'auto_priority'
    assert created['enabled'] is True
    assert [s['name'] for s in hahealer_json(config, 'segment', 'list')] == [
        'rack-a']
    assert hahealer_json(config, 'segment', 'show',
                         created['uuid'])['description'] == 'first rack'

    updated = hahealer_json(config, 'segment', 'update', 'rack-a',
                            '--name', 'rack-b', '--recovery-method',
                            'reserved_host', '--disable')
    assert (updated['name'], updated['recovery_method'],
            updated['enabled']) == ('rack-b', 'reserved_host', False)
    table = hahealer(config, 'segment', 'show', 'rack-b')
    assert table.returncode == 0
    assert '| recovery_method | reserved_host' in table.stdout
    one_value = hahealer(config, 'segment', 'show', 'rack-b', '-f', 'value',
                         '-c', 'recovery_method')
    assert one_value.stdout == 'reserved_host\n'

    assert_fails(hahealer(config, 'segment', 'update', 'rack-b'),
                 'nothing to update')
    deleted = hahealer(config, 'segment', 'delete', 'rack-b')
    assert (deleted.returncode, deleted.stdout) == (0, '')
    assert_fails(hahealer(config, 'segment', 'show', 'rack-b'),
                 'Segment rack-b could not be found.')


def test_an_invalid_recovery_method_is_refused_with_the_choices(config):
    done = hahealer(config, 'segment', 'create', 'rack-x',
                    '--recovery-method', 'fastest')
    assert done.returncode == 2
    assert ("invalid choice: 'fastest' (choose from 'auto', "
            "'reserved_host', 'auto_priority', 'rh_priority')"
            in done.stderr)
    assert 'rack-x' not in [
        s['name'] for s in hahealer_json(config, 'segment', 'list')]


def test_host_lifecycle(config):
    hahealer_json(config, 'segment', 'create', 'rack-h',
                  '--recovery-method', 'reserved_host')
    spare = hahealer_json(config, 'host', 'create', 'spare-1', '--segment',
                          'rack-h', '--reserved', '--on-maintenance')
    assert (spare['segment'], spare['reserved'],
            spare['on_maintenance']) == ('rack-h', True, True)
    hahealer_json(config, 'host', 'create', 'compute-1', '--segment',
                  'rack-h', '--fencing-driver', 'noop')
    listed = hahealer_json(config, 'host', 'list', '--segment', 'rack-h')
    assert [(h['name'], h['reserved'], h['fencing_driver'])
            for h in listed] == [('compute-1', False, 'noop'),
                                 ('spare-1', True, None)]

    updated = hahealer_json(config, 'host', 'update', 'spare-1',
                            '--no-reserved', '--no-on-maintenance',
                            '--name', 'compute-2', '--fencing-driver',
                            'noop')
    assert (updated['name'], updated['reserved'], updated['on_maintenance'],
            updated['fencing_driver']) == ('compute-2', False, False, 'noop')
    cleared = hahealer_json(config, 'host', 'update', 'compute-2',
                            '--no-fencing', '--reserved')
    assert (cleared['fencing_driver'], cleared['fencing_params'],
            cleared['reserved']) == (None, {}, True)

    assert_fails(hahealer(config, 'segment', 'delete', 'rack-h'),
                 'Conflict: segment rack-h still has hosts: ')
    for name in ('compute-1', 'compute-2'):
        assert hahealer(config, 'host', 'delete', name).returncode == 0
    assert hahealer_json(config, 'host', 'list', '--segment', 'rack-h') == []
    assert_fails(hahealer(config, 'host', 'show', 'compute-1'),
                 'Host compute-1 could not be found.')


def test_a_host_nova_does_not_know_is_refused(config):
    hahealer_json(config, 'segment', 'create', 'rack-n',
                  '--recovery-method', 'auto')
    assert_fails(hahealer(config, 'host', 'create', 'toaster-1',
                          '--segment', 'rack-n'),
                 'host toaster-1 is not a compute host: Nova has no '
                 'nova-compute service on a host of that name')
    assert hahealer_json(config, 'host', 'list', '--segment',
                         'rack-n') == []
    # Nova is not asked: the host is added as given.
    created = hahealer_json(config, 'host', 'create', 'toaster-1',
                            '--segment', 'rack-n', '--no-nova-check')
    assert (created['name'], created['segment']) == ('toaster-1', 'rack-n')
    assert [h['name'] for h in hahealer_json(
        config, 'host', 'list', '--segment', 'rack-n')] == ['toaster-1']


def test_an_unknown_fencing_driver_is_refused_naming_the_choices(config):
    hahealer_json(config, 'segment', 'create', 'rack-f',
                  '--recovery-method', 'auto')
    assert_fails(
        hahealer(config, 'host', 'create', 'compute-9', '--segment',
                 'rack-f', '--fencing-driver', 'magic'),
        "Invalid input: unknown fencing driver 'magic'; available: ipmi, "
        "noop, redfish")
    assert_fails(
        hahealer(config, 'host', 'create', 'compute-9', '--segment',
                 'rack-f', '--fencing-driver', 'ipmi', '--fencing-param',
                 'address=192.0.2.9'),
        'missing password, username')


def test_the_bmc_password_never_appears(config, cloud, tmp_path):
    hahealer_json(config, 'segment', 'create', 'rack-s',
                  '--recovery-method', 'auto')
    bmc = ['--fencing-driver', 'ipmi', '--fencing-param',
           'address=192.0.2.7', '--fencing-param', 'username=admin',
           '--fencing-param', f'password={PASSWORD}']
    log_file = tmp_path / 'cli.log'
    runs = [
        hahealer(config, 'host', 'create', 'compute-7', '--segment',
                 'rack-s', *bmc),
        hahealer(config, '--debug', '-vv', '--log-file', log_file, 'host',
                 'update', 'compute-7', '-f', 'json',
                 *bmc[2:]),
        hahealer(config, 'host', 'show', 'compute-7', '-f', 'yaml'),
        hahealer(config, 'host', 'show', 'compute-7', '-f', 'value'),
        hahealer(config, 'host', 'list', '-f', 'json'),
        # A password typed without its key is not echoed either.
        hahealer(config, 'host', 'update', 'compute-7', '--fencing-param',
                 PASSWORD),
    ]
    assert [run.returncode for run in runs] == [0, 0, 0, 0, 0, 2]
    assert 'expected KEY=VALUE' in runs[-1].stderr
    shown = hahealer_json(config, 'host', 'show', 'compute-7')
    assert shown['fencing_params'] == {
        'address': '192.0.2.7', 'username': 'admin', 'password': '***'}
    assert 'password=***' in runs[0].stdout
    logs = [log_file.read_text(), cloud.engine.log_path.read_text()]
    assert all(logs), 'both logs have content'
    for text in [run.stdout + run.stderr for run in runs] + logs:
        assert PASSWORD not in text


def test_the_bmc_password_from_a_file_the_environment_or_stdin(config,
                                                                tmp_path):
    hahealer_json(config, 'segment', 'create', 'rack-p',
                  '--recovery-method', 'auto')
    password_file = tmp_path / 'bmc.pw'
    password_file.write_text(PASSWORD + '\n')
    done = hahealer(config, 'host', 'create', 'compute-9', '--segment',
                    'rack-p', '--fencing-driver', 'ipmi', '--fencing-param',
                    'address=192.0.2.9', '--fencing-param-env',
                    'username=BMC_USER', '--fencing-param-file',
                    f'password={password_file}', env={'BMC_USER': 'ops'})
    assert done.returncode == 0, done.stderr
    database = engine_fixture.open_database(config)
    try:
        assert database.get_host('compute-9').fencing_params == {
            'address': '192.0.2.9', 'username': 'ops', 'password': PASSWORD}
        done = hahealer(config, 'host', 'update', 'compute-9',
                        '--fencing-param-stdin', 'password',
                        stdin=NEW_PASSWORD + '\n')
        assert done.returncode == 0, done.stderr
        assert database.get_host('compute-9').fencing_params[
            'password'] == NEW_PASSWORD
    finally:
        database.dispose()
    assert_fails(hahealer(config, 'host', 'update', 'compute-9',
                          '--fencing-param-env', 'password=NO_SUCH_VAR'),
                 'fencing parameter password: environment variable '
                 'NO_SUCH_VAR is not set')
    assert_fails(hahealer(config, 'host', 'update', 'compute-9',
                          '--fencing-param-file',
                          f'password={tmp_path}/missing'),
                 'fencing parameter password: cannot read')
    hahealer(config, 'host', 'delete', 'compute-9')


def test_a_new_password_alone_rotates_it(config):
    hahealer_json(config, 'segment', 'create', 'rack-r',
                  '--recovery-method', 'auto')
    hahealer_json(config, 'host', 'create', 'compute-5', '--segment',
                  'rack-r', '--fencing-driver', 'ipmi', '--fencing-param',
                  'address=192.0.2.5', '--fencing-param', 'username=admin',
                  '--fencing-param', 'password=old-secret')
    rotated = hahealer_json(config, 'host', 'update', 'compute-5',
                            '--fencing-param', 'password=new-secret')
    assert rotated['fencing_params'] == {
        'address': '192.0.2.5', 'username': 'admin', 'password': '***'}
    database = engine_fixture.open_database(config)
    try:
        stored = database.get_host('compute-5').fencing_params
    finally:
        database.dispose()
    assert stored['password'] == 'new-secret'


def test_a_cloud_clouds_yaml_does_not_have_is_named(tmp_path):
    clouds = tmp_path / 'clouds.yaml'
    clouds.write_text('clouds: {}\n')
    assert_fails(hahealer(None, 'segment', 'list', env={
        'OS_CLOUD': 'nope', 'OS_CLIENT_CONFIG_FILE': str(clouds)}),
        'hahealer: Invalid input: OpenStack options: Cloud nope was not '
        'found.')
