"""A third-party task package end to end: pip, stevedore, flows, start-up.

examples/hahealer-example-tasks is installed with pip as a deployer would
install it; its post_recovery_summary_task then runs in real recoveries
against the Nova emulator and POSTs to a real HTTP receiver. The commands
of docs/plugins.md are the ones run here.
"""

import inspect
import json
import pathlib
import subprocess
import sys
import sysconfig

import pytest
import stevedore

from hahealer.engine import flows
from hahealer.tasks import base
from tests import engine_fixture
from tests import scenario
from tests.functional.plugins import helpers
from tests.recovery_harness import FLAVOR
from tests.recovery_harness import IMAGE

TASK_NAME = helpers.TASK_NAME
HA = {'HA_Enabled': 'True'}
HOSTS = ['host1', 'host2', 'host3']
HOST_FLOW = {'pre': ['disable_compute_service_task'],
             'main': ['prepare_HA_enabled_instances_task'],
             'post': ['evacuate_instances_task', TASK_NAME]}
INSTANCE_FLOW = {'pre': ['stop_instance_task'],
                 'main': ['start_instance_task'],
                 'post': ['confirm_instance_active_task', TASK_NAME]}
PROCESS_FLOW = {'pre': ['disable_compute_node_task'],
                'main': ['confirm_compute_node_disabled_task'],
                'post': [TASK_NAME]}


def use_summary_task(conf, url, **webhook_options):
    """Report every recovery to ``url``: the task ends each post stage."""
    conf.override('example_webhook', url=url,
                  **{'retry_interval': 0.02, **webhook_options})
    conf.override('taskflow_driver_recovery_flows',
                  host_auto_failure_recovery_tasks=HOST_FLOW,
                  instance_failure_recovery_tasks=INSTANCE_FLOW,
                  process_failure_recovery_tasks=PROCESS_FLOW)


def summary_progress(harness, notification_uuid):
    """The summary task's state and progress messages."""
    [task] = [task for task in
              harness.database.workflow_details(notification_uuid)
              if task['name'] == TASK_NAME]
    return task['state'], [entry['message']
                           for entry in task['progress_details']]


def instance_now(client, server_id):
    server = client.servers.get(server_id)
    return {'id': server.id, 'name': server.name,
            'host': scenario.host_of(server),
            'vm_state': scenario.vm_state(server)}


def documented_output(command):
    [output] = [output for shown, output in helpers.console_blocks()
                if shown == command]
    return output


# --- the package and its entry point ---------------------------------------

def test_pip_installs_the_task_where_stevedore_finds_it(example_package,
                                                        summary_task):
    assert helpers.matches(documented_output(helpers.INSTALL),
                           example_package)
    extension = stevedore.ExtensionManager(flows.TASK_NAMESPACE)[TASK_NAME]
    assert extension.entry_point.value == (
        'hahealer_example_tasks.summary:PostRecoverySummaryTask')
    assert extension.plugin is summary_task
    assert issubclass(summary_task, base.HealerTask)
    # Imported from what pip installed, not from the source tree.
    module = pathlib.Path(inspect.getfile(summary_task))
    assert module.parent.parent == pathlib.Path(
        sysconfig.get_path('purelib'))


def test_the_task_declares_what_it_needs_and_gives(conf, summary_task,
                                                   webhook):
    conf.override('example_webhook', url=webhook.url, retry_for=0)
    task = summary_task(base.RecoveryContext('declared'),
                        base.Resources(nova=None), name=TASK_NAME)
    # Only the host is required, so the task fits every flow; the rest
    # is used when the flow's store has it.
    assert set(task.requires) == {'host_name'}
    assert set(task.optional) == {'segment_name', 'reserved_host',
                                  'instance_list', 'instance_uuid',
                                  'process_name'}
    assert set(task.provides) == {'summary_delivered'}
    # What it provides: whether the webhook took the summary. A host
    # recovery that saved no instance asks nothing of Nova.
    webhook.answers = [204, 500]
    assert task.execute(host_name='host1', segment_name='rack1') is True
    assert task.execute(host_name='host1', segment_name='rack1') is False
    assert len(webhook.requests) == 2


# --- recoveries with the task ------------------------------------------------

def test_a_host_recovery_posts_where_each_instance_went(
        conf, summary_task, webhook, nova_sim_factory, harness_factory):
    conf.override('host_failure', quick_evacuate_level=1)
    use_summary_task(conf, webhook.url)
    # What the engine checks at start-up holds with the task in the flows.
    flows.validate_all()
    sim = nova_sim_factory(instances_per_host=0)
    client = sim.admin_client()
    harness = harness_factory(sim)
    harness.segment(HOSTS)
    servers = [scenario.boot(client, 'web', 'host1', IMAGE, FLAVOR,
                             metadata=HA),
               scenario.boot(client, 'batch', 'host1', IMAGE, FLAVOR,
                             metadata=HA, state='stopped')]
    sim.kill_host('host1')

    record = harness.host_failure('host1')

    assert record['status'] == 'finished', record['reason']
    uuid = record['notification_uuid']
    [request] = webhook.requests
    assert request['path'] == f'/hooks/recoveries?token={webhook.TOKEN}'
    assert request['content_type'] == 'application/json'
    assert request['idempotency_key'] == uuid
    summary = request['summary']
    instances = sorted(summary.pop('instances'), key=lambda i: i['name'])
    assert summary == {'notification_uuid': uuid, 'host': 'host1',
                       'recovery': 'host_failure', 'segment': 'rack1',
                       'reserved_host': None}
    assert instances == sorted((instance_now(client, server.id)
                                for server in servers),
                               key=lambda i: i['name'])
    assert {instance['host'] for instance in instances} <= {'host2',
                                                            'host3'}
    assert [i['vm_state'] for i in instances] == ['stopped', 'active']

    details = harness.database.workflow_details(uuid)
    assert [(task['name'], task['state']) for task in details] == [
        ('disable_compute_service_task', 'SUCCESS'),
        ('prepare_HA_enabled_instances_task', 'SUCCESS'),
        ('evacuate_instances_task', 'SUCCESS'),
        (TASK_NAME, 'SUCCESS')]
    assert details[-1]['progress_details'][-1]['progress'] == 1.0
    assert summary_progress(harness, uuid)[1] == [
        f"Sending the summary of the host_failure recovery of host "
        f"'host1' to {webhook.where}",
        f'Recovery summary delivered to {webhook.where}']
    assert webhook.TOKEN not in ' '.join(harness.messages(uuid))


def test_an_interrupted_summary_is_sent_again_alike_on_resume(
        conf, summary_task, webhook, nova_sim_factory, harness_factory):
    conf.override('host_failure', quick_evacuate_level=1)
    # A long pause between attempts: only the engine's stop ends it.
    use_summary_task(conf, webhook.url, retry_interval=60)
    sim = nova_sim_factory(instances_per_host=0)
    client = sim.admin_client()
    harness = harness_factory(sim)
    harness.segment(HOSTS)
    server = scenario.boot(client, 'web', 'host1', IMAGE, FLAVOR,
                           metadata=HA)
    sim.kill_host('host1')

    def engine_stops_meanwhile():
        harness.stopping.set()
        return 503

    webhook.answers = [engine_stops_meanwhile]
    record = harness.host_failure('host1')

    # The task let RecoveryInterrupted through: resumable, not failed.
    assert record['status'] == 'running'
    uuid = record['notification_uuid']
    assert summary_progress(harness, uuid) == ('RUNNING', [
        f"Sending the summary of the host_failure recovery of host "
        f"'host1' to {webhook.where}",
        'Delivery attempt 1 of the recovery summary failed: HTTP 503'])

    # The engine that takes over resumes the flow where it stopped.
    harness.stopping.clear()
    result = harness.recovery.run(harness.database.get_notification(uuid),
                                  base.Unleased())
    assert (result.status, result.reason) == ('finished', None)

    first, again = webhook.requests
    assert again['idempotency_key'] == first['idempotency_key'] == uuid
    assert again['summary'] == first['summary']
    assert first['summary']['instances'] == [instance_now(client,
                                                          server.id)]
    # Only the summary task ran again: the instance moved once.
    actions = [action.action for action in
               client.instance_action.list(server.id)]
    assert actions.count('evacuate') == 1
    state, messages = summary_progress(harness, uuid)
    assert state == 'SUCCESS'
    assert messages[-1] == f'Recovery summary delivered to {webhook.where}'


def test_an_unavailable_webhook_is_tried_again_until_it_answers(
        conf, summary_task, webhook, nova_sim_factory, harness_factory):
    use_summary_task(conf, webhook.url, retry_for=10)
    sim = nova_sim_factory(instances_per_host=0)
    client = sim.admin_client()
    harness = harness_factory(sim)
    harness.segment(HOSTS)
    server = scenario.boot(client, 'web', 'host1', IMAGE, FLAVOR,
                           metadata=HA)
    webhook.answers = [503, 429]

    record = harness.recover(harness.notify(
        'VM', 'host1', {'event': 'LIFECYCLE', 'instance_uuid': server.id,
                        'vir_domain_event': 'STOPPED_FAILED'}))

    assert record['status'] == 'finished', record['reason']
    uuid = record['notification_uuid']
    assert webhook.summaries == 3 * [{
        'notification_uuid': uuid, 'host': 'host1',
        'recovery': 'instance_failure',
        'instance': {'id': server.id, 'name': 'web', 'host': 'host1',
                     'vm_state': 'active'}}]
    assert summary_progress(harness, uuid) == ('SUCCESS', [
        f"Sending the summary of the instance_failure recovery of host "
        f"'host1' to {webhook.where}",
        'Delivery attempt 1 of the recovery summary failed: HTTP 503',
        'Delivery attempt 2 of the recovery summary failed: HTTP 429',
        f'Recovery summary delivered to {webhook.where}'])


@pytest.mark.parametrize('webhook_state', ['down', 'refusing'])
def test_a_lost_summary_does_not_undo_the_recovery(
        webhook_state, conf, summary_task, webhook, nova_sim_factory,
        harness_factory):
    if webhook_state == 'down':
        where = f'http://127.0.0.1:{helpers.closed_port()}'
        url = f'{where}/hooks/recoveries'
        lost = (f'Recovery summary not delivered: timed out after 0.3 s '
                f'waiting for the webhook at {where} to accept it')
    else:
        url, where = webhook.url, webhook.where
        webhook.answers = [400]
        lost = ('Recovery summary not delivered: the webhook refused it '
                'with HTTP 400')
    use_summary_task(conf, url, retry_for=0.3, retry_interval=0.1)
    sim = nova_sim_factory(instances_per_host=0)
    harness = harness_factory(sim)
    harness.segment(HOSTS)

    record = harness.recover(harness.notify(
        'PROCESS', 'host2', {'event': 'STOPPED',
                             'process_name': 'nova-compute'}))

    assert record['status'] == 'finished', record['reason']
    service = scenario.compute_service(sim.admin_client(), 'host2')
    assert service.status == 'disabled'
    state, messages = summary_progress(harness, record['notification_uuid'])
    assert state == 'SUCCESS'
    assert messages[0] == (f"Sending the summary of the process_failure "
                           f"recovery of host 'host2' to {where}")
    assert messages[-1] == lost
    attempts = messages[1:-1]
    if webhook_state == 'down':
        assert len(attempts) >= 2
        assert set(attempts) == {
            f'Delivery attempt {n} of the recovery summary failed: '
            f'ConnectionError' for n in range(1, len(attempts) + 1)}
    else:
        # A refusal is final: the same summary would be refused again.
        assert attempts == []
        [summary] = webhook.summaries
        assert summary['process_name'] == 'nova-compute'
        assert summary['compute_service'] == {
            'status': 'disabled', 'state': 'up', 'forced_down': False,
            'disabled_reason': 'Disabled by hahealer: process failure'}


# --- start-up -----------------------------------------------------------

def engine_config(directory, **sections):
    """A hahealer.conf in ``directory`` and its database, ready to start.

    The engine in these tests stops before it talks to Nova, so the
    compute endpoint is never reached.
    """
    return engine_fixture.prepare(directory, 'http://127.0.0.1:9/v2.1',
                                  **sections)


def test_an_unknown_task_name_stops_start_up_naming_the_choices(
        tmp_path, example_package):
    engine_config(tmp_path, taskflow_driver_recovery_flows={
        'host_auto_failure_recovery_tasks':
            'pre:disable_compute_service_task,'
            'main:prepare_HA_enabled_instances_task,'
            'post:evacuate_instances_task,post_recovery_sumary_task'})

    done = helpers.run(helpers.START, cwd=tmp_path, timeout=60)

    # oslo.log writes to stdout; the reason is printed on stderr.
    assert done.returncode == 1, done.stdout + done.stderr
    assert helpers.matches(documented_output(helpers.START),
                           done.stdout + done.stderr)
    [message] = done.stderr.splitlines()
    choices = message.split('available tasks: ')[1].split(', ')
    assert {TASK_NAME, 'evacuate_instances_task', 'stop_instance_task',
            'no_op'} <= set(choices)
    assert choices == sorted(choices)


def test_the_task_without_its_webhook_url_stops_start_up(tmp_path,
                                                         example_package):
    engine_config(tmp_path, taskflow_driver_recovery_flows={
        'process_failure_recovery_tasks':
            f'pre:disable_compute_node_task,post:{TASK_NAME}'})

    done = helpers.run(helpers.START, cwd=tmp_path, timeout=60)

    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.splitlines() == [
        'hahealer-engine: Invalid configuration: '
        '[taskflow_driver_recovery_flows] process_failure_recovery_tasks: '
        "task 'post_recovery_summary_task' could not be built: "
        '[example_webhook] url is not set; task post_recovery_summary_task '
        'needs it']


def test_the_engine_reads_the_task_options_from_its_config_file(
        tmp_path, example_package, webhook, nova_sim_factory,
        engine_factory):
    sim = nova_sim_factory(instances_per_host=0)
    config = engine_fixture.prepare(
        tmp_path, sim.compute_url, hosts=HOSTS,
        taskflow_driver_recovery_flows={
            'process_failure_recovery_tasks':
                'pre:disable_compute_node_task,'
                'main:confirm_compute_node_disabled_task,'
                f'post:{TASK_NAME}'},
        example_webhook={'url': webhook.url, 'timeout': 5})
    engine_factory(config)

    done = subprocess.run(
        [sys.executable, '-m', 'hahealer.cmd.notify', '--config-file',
         str(config), 'process', 'host3', '--process-name', 'nova-compute',
         '--event', 'STOPPED', '--wait', '-f', 'json'],
        capture_output=True, text=True, timeout=120,
        cwd=engine_fixture.REPO_ROOT)

    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record['status'] == 'finished', record['reason']
    [request] = webhook.requests
    assert request['idempotency_key'] == record['notification_uuid']
    assert request['summary']['recovery'] == 'process_failure'
    assert request['summary']['compute_service']['status'] == 'disabled'


# --- the guide ------------------------------------------------------------

def test_every_command_of_the_guide_is_run_here():
    shown = [command for command, _ in helpers.console_blocks()]
    assert sorted(shown) == sorted(helpers.COMMANDS)
    readme = [command for command, _ in
              helpers.console_blocks(helpers.PACKAGE_README)]
    assert readme and set(readme) <= set(helpers.COMMANDS)


def test_the_guide_example_runs_as_shown(tmp_path):
    program = helpers.code_block('"""first_task.py:')
    (tmp_path / 'first_task.py').write_text(program)

    done = helpers.run(helpers.FIRST_TASK, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert helpers.matches(documented_output(helpers.FIRST_TASK),
                           done.stdout)


def test_the_options_come_out_in_the_sample_config(example_package):
    done = helpers.run(helpers.GENERATE)

    assert done.returncode == 0, done.stderr
    assert helpers.matches(documented_output(helpers.GENERATE), done.stdout)
    assert '#url = <None>' in done.stdout.splitlines()
