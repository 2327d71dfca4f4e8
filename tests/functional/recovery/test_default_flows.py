"""The three default flows, end to end against the emulator."""

from tests import scenario
from tests.recovery_harness import FLAVOR
from tests.recovery_harness import IMAGE

HA = {'HA_Enabled': 'True'}


def test_process_failure_disables_the_service(conf, nova_sim_factory,
                                              harness_factory):
    sim = nova_sim_factory(instances_per_host=0)
    harness = harness_factory(sim)
    harness.segment(['host1', 'host2', 'host3'])
    record = harness.recover(harness.notify(
        'PROCESS', 'host2', {'event': 'STOPPED',
                             'process_name': 'nova-compute'}))
    assert record['status'] == 'finished', record['reason']
    service = scenario.compute_service(sim.admin_client(), 'host2')
    assert service.status == 'disabled'
    assert service.disabled_reason == 'Disabled by hahealer: process failure'
    details = harness.database.workflow_details(record['notification_uuid'])
    assert [(task['name'], task['state']) for task in details] == [
        ('disable_compute_node_task', 'SUCCESS'),
        ('confirm_compute_node_disabled_task', 'SUCCESS')]
    assert details[1]['progress_details'][-1]['message'] == (
        "Confirmed compute service is disabled on host: 'host2'")
    assert details[1]['progress_details'][-1]['progress'] == 1.0


def test_instance_failure_restarts_the_instance(conf, nova_sim_factory,
                                                harness_factory):
    sim = nova_sim_factory(instances_per_host=0)
    client = sim.admin_client()
    harness = harness_factory(sim)
    harness.segment(['host1', 'host2', 'host3'])
    server = scenario.boot(client, 'web', 'host1', IMAGE, FLAVOR,
                           metadata=HA)
    record = harness.recover(harness.notify(
        'VM', 'host1', {'event': 'LIFECYCLE', 'instance_uuid': server.id,
                        'vir_domain_event': 'STOPPED_FAILED'}))
    assert record['status'] == 'finished', record['reason']
    assert scenario.vm_state(client.servers.get(server.id)) == 'active'
    actions = [action.action for action in
               client.instance_action.list(server.id)]
    assert 'stop' in actions and 'start' in actions
    messages = harness.messages(record['notification_uuid'])
    assert f'Stopping instance: {server.id}' in messages
    assert f"Confirmed instance '{server.id}' vm_state is ACTIVE" in messages


def test_instance_failure_leaves_non_ha_instances_alone(conf,
                                                        nova_sim_factory,
                                                        harness_factory):
    sim = nova_sim_factory(instances_per_host=0)
    client = sim.admin_client()
    harness = harness_factory(sim)
    harness.segment(['host1', 'host2'])
    server = scenario.boot(client, 'plain', 'host1', IMAGE, FLAVOR)
    record = harness.recover(harness.notify(
        'VM', 'host1', {'event': 'LIFECYCLE', 'instance_uuid': server.id,
                        'vir_domain_event': 'STOPPED_FAILED'}))
    assert record['status'] == 'ignored'
    assert 'not HA-enabled' in record['reason']
    assert [a.action for a in client.instance_action.list(server.id)] == [
        'create']


def test_host_failure_evacuates_every_instance_in_its_state(
        conf, nova_sim_factory, harness_factory):
    conf.override('host_failure', quick_evacuate_level=1)
    sim = nova_sim_factory(instances_per_host=0)
    client = sim.admin_client()
    harness = harness_factory(sim)
    harness.segment(['host1', 'host2', 'host3'])
    servers = {
        'ha': scenario.boot(client, 'ha', 'host1', IMAGE, FLAVOR,
                            metadata=HA),
        'off': scenario.boot(client, 'off', 'host1', IMAGE, FLAVOR,
                             metadata=HA, state='stopped'),
        'broken': scenario.boot(client, 'broken', 'host1', IMAGE, FLAVOR,
                                state='error'),
        'users': scenario.boot(client, 'users', 'host1', IMAGE, FLAVOR,
                               metadata=HA, locked=True),
    }
    sim.kill_host('host1')
    record = harness.host_failure('host1')
    assert record['status'] == 'finished', record['reason']
    expected = {'ha': 'active', 'off': 'stopped', 'broken': 'error',
                'users': 'active'}
    for name, server in servers.items():
        now = client.servers.get(server.id)
        assert scenario.host_of(now) in ('host2', 'host3'), name
        assert scenario.vm_state(now) == expected[name], name
        assert now.locked == (name == 'users'), name
    service = scenario.compute_service(client, 'host1')
    assert service.status == 'disabled' and service.forced_down
    host = harness.database.get_host('host1')
    assert host.on_maintenance
    details = harness.database.workflow_details(record['notification_uuid'])
    assert [task['name'] for task in details] == [
        'disable_compute_service_task', 'prepare_HA_enabled_instances_task',
        'evacuate_instances_task']
    assert details[-1]['progress_details'][-1]['message'] == (
        'Evacuation process completed!')


def test_second_host_failure_notification_is_ignored(conf, nova_sim_factory,
                                                     harness_factory):
    conf.override('host_failure', quick_evacuate_level=1)
    sim = nova_sim_factory(instances_per_host=1)
    harness = harness_factory(sim)
    harness.segment(['host1', 'host2', 'host3'])
    sim.kill_host('host1')
    assert harness.host_failure('host1')['status'] == 'finished'
    again = harness.host_failure('host1')
    assert again['status'] == 'ignored'
    assert 'on maintenance' in again['reason']


def test_a_disabled_segment_is_ignored(conf, nova_sim, harness_factory):
    harness = harness_factory(nova_sim)
    harness.segment(['host1', 'host2', 'host3'])
    harness.database.update_segment('rack1', enabled=False)
    record = harness.recover(harness.notify(
        'PROCESS', 'host1', {'event': 'STOPPED',
                             'process_name': 'nova-compute'}))
    assert record['status'] == 'ignored'
    assert record['reason'] == 'segment rack1 of host host1 is disabled'
    assert scenario.compute_service(nova_sim.admin_client(),
                                    'host1').status == 'enabled'
