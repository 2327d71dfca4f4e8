import filecmp
import pathlib
import subprocess
import sys

from hahealer.conf import CONF

REPO = pathlib.Path(__file__).resolve().parents[2]
GROUP = 'taskflow_driver_recovery_flows'


def test_task_lists_read_both_formats(conf, tmp_path):
    path = tmp_path / 'hahealer.conf'
    path.write_text(
        f'[{GROUP}]\n'
        'host_auto_failure_recovery_tasks = pre:fence_host_task,'
        'disable_compute_service_task,main:prepare_HA_enabled_instances_task,'
        'post:evacuate_instances_task,no_op\n'
        "instance_failure_recovery_tasks = main:['start_instance_task'],"
        "post:[],pre:['stop_instance_task']\n")
    CONF(['--config-file', str(path)], project='hahealer',
         default_config_files=[], default_config_dirs=[])
    options = CONF[GROUP]
    assert options.host_auto_failure_recovery_tasks == {
        'pre': ['fence_host_task', 'disable_compute_service_task'],
        'main': ['prepare_HA_enabled_instances_task'],
        'post': ['evacuate_instances_task', 'no_op']}
    assert options.instance_failure_recovery_tasks == {
        'main': ['start_instance_task'], 'post': [],
        'pre': ['stop_instance_task']}


def test_timing_options_take_fractions(conf, tmp_path):
    conf.clear()  # the fixture's fast timings would win over the file
    path = tmp_path / 'hahealer.conf'
    path.write_text('[DEFAULT]\nverify_interval = 0.25\n'
                    'wait_period_after_evacuation = 12.5\n')
    CONF(['--config-file', str(path)], project='hahealer',
         default_config_files=[], default_config_dirs=[])
    assert CONF.verify_interval == 0.25
    assert CONF.wait_period_after_evacuation == 12.5


def test_sample_config_is_current(tmp_path):
    generated = tmp_path / 'hahealer.conf.sample'
    subprocess.run(
        [sys.executable, '-m', 'oslo_config.generator', '--config-file',
         str(REPO / 'etc/oslo-config-generator/hahealer.conf'),
         '--output-file', str(generated)], check=True, cwd=REPO)
    assert filecmp.cmp(generated, REPO / 'etc/hahealer/hahealer.conf.sample',
                       shallow=False), (
        'etc/hahealer/hahealer.conf.sample is stale: run tox -e genconfig')
