"""What the operator checks without an engine: flows, configuration, and
what happens when no engine answers."""

import configparser

import pytest

from tests import engine_fixture
from tests.functional.cli.helpers import assert_fails
from tests.functional.cli.helpers import hahealer
from tests.functional.cli.helpers import hahealer_json

NO_NOVA = 'http://127.0.0.1:9/v2.1'
FLOWS = '[taskflow_driver_recovery_flows] process_failure_recovery_tasks'


@pytest.fixture
def config(tmp_path):
    """A config whose database schema is current; no engine runs."""
    path = engine_fixture.write_config(tmp_path, NO_NOVA)
    engine_fixture.sync_database(path)
    return path


def add_file(directory, name, text):
    path = directory / name
    path.write_text(text)
    return path


@pytest.fixture
def unknown_task(tmp_path):
    return add_file(tmp_path, 'unknown-task.conf',
                    '[taskflow_driver_recovery_flows]\n'
                    'process_failure_recovery_tasks = '
                    'pre:disable_compute_node_task,main:restart_nova_task\n')


def test_flows_show_every_task_with_its_class_and_data(config):
    rows = hahealer_json(config, 'flows', 'show')
    process = [row for row in rows if row['flow'] == 'process_failure']
    assert process == [
        {'flow': 'process_failure', 'stage': 'pre',
         'task': 'disable_compute_node_task',
         'class': 'hahealer.tasks.process:DisableComputeNodeTask',
         'requires': ['host_name', 'process_name'], 'optional': [],
         'provides': []},
        {'flow': 'process_failure', 'stage': 'main',
         'task': 'confirm_compute_node_disabled_task',
         'class': 'hahealer.tasks.process:ConfirmComputeNodeDisabledTask',
         'requires': ['host_name', 'process_name'], 'optional': [],
         'provides': []}]
    prepare = next(row for row in rows
                   if row['task'] == 'prepare_HA_enabled_instances_task')
    assert prepare['provides'] == ['instance_list', 'target_states']
    assert [row['task'] for row in hahealer_json(
        config, 'flows', 'show', '--type', 'instance')] == [
        'stop_instance_task', 'start_instance_task',
        'confirm_instance_active_task']


@pytest.mark.parametrize('method, flows', [
    ('auto', ['host_auto_failure']),
    ('reserved_host', ['host_rh_failure']),
    ('auto_priority', ['host_auto_failure', 'host_rh_failure']),
    ('rh_priority', ['host_rh_failure', 'host_auto_failure']),
])
def test_flows_show_the_host_flows_of_a_recovery_method_in_order(
        config, method, flows):
    rows = hahealer_json(config, 'flows', 'show', '--type', 'host',
                         '--recovery-method', method)
    assert list(dict.fromkeys(row['flow'] for row in rows)) == flows
    assert [row['stage'] for row in rows] == ['pre', 'main', 'post'] * len(
        flows)


def test_flows_show_names_an_unknown_task_and_the_choices(config,
                                                          unknown_task):
    done = hahealer(config, '--config-file', unknown_task, 'flows', 'show')
    assert_fails(done, f"{FLOWS}: unknown task 'restart_nova_task' in stage "
                       f"'main'; available tasks: ")
    assert 'disable_compute_node_task, ' in done.stderr


def test_config_validate_accepts_a_good_config(config):
    done = hahealer(None, 'config', 'validate', '--config-file', config)
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines() == [
        'warning: [host_failure] quick_evacuate_level is 1: failed hosts '
        'are forced down without fencing. If a host is in fact still '
        'running, an instance may run twice and two copies may write to '
        'the same disk.',
        'The configuration is valid (1 warning(s)).']


def test_config_validate_reports_every_error_and_warning(config,
                                                         unknown_task,
                                                         tmp_path):
    database = engine_fixture.open_database(config)
    try:
        database.create_segment('rack1', 'auto')
        database.create_host('host1', 'rack1')
    finally:
        database.dispose()
    level_2 = add_file(tmp_path, 'level-2.conf',
                       '[host_failure]\nquick_evacuate_level = 2\n')
    done = hahealer(None, 'config', 'validate', '--config-file', config,
                    '--config-file', unknown_task, '--config-file', level_2)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0] == (
        'warning: host host1 has no fencing driver: with '
        'quick_evacuate_level 2 its failure cannot be recovered (fencing '
        'fails closed)')
    assert lines[1].startswith(
        f"error: {FLOWS}: unknown task 'restart_nova_task' in stage 'main'; "
        f"available tasks: ")
    assert 'confirm_compute_node_disabled_task, ' in lines[1]
    assert lines[2] == ('The configuration has errors: the engine would '
                        'not start.')


def test_config_validate_asks_for_the_schema(tmp_path):
    config = engine_fixture.write_config(tmp_path, NO_NOVA)
    done = hahealer(config, 'config', 'validate')
    assert done.returncode == 1
    assert ('but this hahealer needs' in done.stdout
            and 'run "hahealer-manage db sync" first' in done.stdout)


def test_no_engine_answering_is_one_clear_line(config):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(config)
    topic = parser['DEFAULT']['engine_topic']
    assert_fails(hahealer(config, '--timeout', '2', 'segment', 'list'),
                 f'no answer from the engine on topic {topic} within 2 s: '
                 f'is an engine running and the message broker reachable?')


def test_a_missing_config_file_is_named(tmp_path):
    missing = tmp_path / 'nowhere.conf'
    assert_fails(hahealer(missing, 'segment', 'list'), str(missing))


def test_config_validate_names_unknown_and_misspelt_options(config,
                                                            tmp_path):
    typos = add_file(tmp_path, 'typos.conf',
                     '[host_failure]\nquick_evacuate_levle = 2\n'
                     '[host_failures]\nevacuate_all_instances = true\n'
                     '[nova]\nfavourite_colour = blue\n')
    done = hahealer(None, 'config', 'validate', '--config-file', config,
                    '--config-file', typos)
    lines = done.stdout.splitlines()
    assert (f'warning: {typos}: unknown option quick_evacuate_levle in '
            f'[host_failure] (did you mean quick_evacuate_level?); it is '
            f'not read') in lines
    assert (f'warning: {typos}: unknown section [host_failures] (did you '
            f'mean [host_failure]?); it is not read') in lines
    assert (f'warning: {typos}: unknown option favourite_colour in [nova]; '
            f'favourite_colour is not read by hahealer') in lines


def test_config_validate_maps_masakari_options(tmp_path):
    path = add_file(tmp_path, 'masakari.conf',
                    f'[DEFAULT]\nstate_path = {tmp_path}\n'
                    'os_privileged_user_name = nova\n'
                    'os_privileged_user_password = SECRET\n'
                    'os_privileged_user_auth_url = http://keystone/v3\n'
                    '[wsgi]\napi_paste_config = api-paste.ini\n')
    engine_fixture.sync_database(path)
    done = hahealer(None, 'config', 'validate', '--config-file', path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert (f'warning: {path}: os_privileged_user_name in [DEFAULT] is a '
            f'Masakari option; hahealer reads username in [nova]') in lines
    assert (f'warning: {path}: os_privileged_user_auth_url in [DEFAULT] is '
            f'a Masakari option; hahealer reads auth_url in [nova] (with '
            f'auth_type = password)') in lines
    assert (f"warning: {path}: unknown section [wsgi]; section [wsgi] is "
            f"for Masakari's API service; hahealer's engine does not read "
            f"it") in lines
    assert any(line.startswith('error: [nova] auth_type is not set')
               for line in lines)
    assert 'SECRET' not in done.stdout


def test_config_validate_explains_a_value_out_of_range(config, tmp_path):
    level = add_file(tmp_path, 'level.conf',
                     '[host_failure]\nquick_evacuate_level = 7\n')
    done = hahealer(None, 'config', 'validate', '--config-file', config,
                    '--config-file', level)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == (
        'error: [host_failure] quick_evacuate_level: the value given is not '
        'valid: should be less than or equal to 3')
    assert 'LocationInfo' not in done.stdout + done.stderr
