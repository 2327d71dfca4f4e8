"""Evacuation: Nova's refusals, the scheduler, 2.95, capacity, clean-up."""

import collections

import pytest
import yaml
from novaclient import exceptions

from tests.functional.sim.common import attr
from tests.functional.sim.common import compute_service
from tests.functional.sim.common import evacuation_record
from tests.functional.sim.common import servers_on
from tests.functional.sim.common import take_host_down
from tests.functional.sim.common import wait_service_state
from tests.functional.sim.common import wait_status
from tests.scenario import wait_for


def host_of(nova, server_id):
    return attr(nova.servers.get(server_id), 'OS-EXT-SRV-ATTR:host')


def sim_counters(sim):
    return sim.counters()['evacuations']


def test_refused_while_the_source_service_is_up(nova_sim):
    nova = nova_sim.admin_client()
    server = servers_on(nova, 'host1')[0]
    with pytest.raises(exceptions.BadRequest) as refused:
        nova.servers.evacuate(server)
    assert refused.value.message == 'Compute service of host1 is still in use.'
    nova_sim.kill_host('host1')  # dead, but not yet down for Nova
    with pytest.raises(exceptions.BadRequest, match='still in use'):
        nova.servers.evacuate(server)
    assert nova.migrations.list() == []


def test_allowed_once_the_source_shows_down(nova_sim_factory):
    sim = nova_sim_factory(evacuate_seconds=0.3)
    nova = sim.admin_client('2.94')
    server = servers_on(nova, 'host1')[0]
    take_host_down(sim, nova, 'host1')
    nova.servers.evacuate(server)
    rebuilding = nova.servers.get(server.id)
    assert (rebuilding.status, attr(rebuilding, 'OS-EXT-STS:task_state'),
            attr(rebuilding, 'OS-EXT-STS:vm_state')) == (
        'REBUILD', 'rebuilding', 'active')
    # The conductor and the scheduler look for a host first.
    assert evacuation_record(nova, server.id).status == 'accepted'
    wait_for(lambda: host_of(nova, server.id) != 'host1',
               what='the server to leave host1')
    done = nova.servers.get(server.id)
    assert attr(done, 'OS-EXT-SRV-ATTR:host') in {'host2', 'host3'}
    assert attr(done, 'OS-EXT-STS:task_state') is None
    record = evacuation_record(nova, server.id)
    assert (record.status, record.source_compute, record.dest_compute) == (
        'done', 'host1', attr(done, 'OS-EXT-SRV-ATTR:host'))
    assert nova.instance_action.list(server)[0].action == 'evacuate'


def test_allowed_at_once_after_force_down(nova_sim):
    nova = nova_sim.admin_client()
    server = servers_on(nova, 'host1')[0]
    nova.services.force_down(compute_service(nova, 'host1').id, True)
    nova.servers.evacuate(server)
    wait_for(lambda: host_of(nova, server.id) != 'host1',
               what='the server to leave host1')


@pytest.fixture
def odd_states_sim(nova_sim_factory, tmp_path):
    scenario = tmp_path / 'scenario.yaml'
    scenario.write_text(yaml.safe_dump({
        'hosts': ['host1', 'host2'],
        'instances': [
            {'host': 'host1', 'name': 'frozen', 'vm_state': 'paused'},
            {'host': 'host1', 'name': 'stopping'},
        ]}))
    return nova_sim_factory(scenario=scenario, instances_per_host=0,
                            stop_seconds=30)


def test_refused_for_vm_state_and_task_state(odd_states_sim):
    nova = odd_states_sim.admin_client()
    servers = {s.name: s for s in servers_on(nova, 'host1')}
    nova.servers.stop(servers['stopping'])
    take_host_down(odd_states_sim, nova, 'host1')
    with pytest.raises(exceptions.Conflict) as refused:
        nova.servers.evacuate(servers['frozen'])
    assert refused.value.message == (
        "Cannot 'evacuate' instance %s while it is in vm_state paused"
        % servers['frozen'].id)
    with pytest.raises(exceptions.Conflict) as refused:
        nova.servers.evacuate(servers['stopping'])
    assert refused.value.message == (
        "Cannot 'evacuate' instance %s while it is in task_state "
        "powering-off" % servers['stopping'].id)


def test_refused_to_the_same_host_or_an_unknown_one(nova_sim):
    nova = nova_sim.admin_client()
    server = servers_on(nova, 'host1')[0]
    take_host_down(nova_sim, nova, 'host1')
    with pytest.raises(exceptions.BadRequest) as refused:
        nova.servers.evacuate(server, host='host1')
    assert refused.value.message == "The target host can't be the same one."
    with pytest.raises(exceptions.NotFound) as missing:
        nova.servers.evacuate(server, host='host42')
    assert missing.value.message == 'Compute host host42 not found.'


def test_members_may_not_evacuate(nova_sim):
    server = servers_on(nova_sim.admin_client(), 'host1')[0]
    with pytest.raises(exceptions.Forbidden, match='os-evacuate'):
        nova_sim.member_client('demo').servers.evacuate(server)


@pytest.mark.parametrize('version, state_before, status_after', [
    ('2.94', 'active', 'ACTIVE'),
    ('2.95', 'active', 'SHUTOFF'),
    ('2.94', 'error', 'ACTIVE'),
    ('2.95', 'error', 'ACTIVE'),
    ('2.94', 'stopped', 'SHUTOFF'),
    ('2.95', 'stopped', 'SHUTOFF'),
])
def test_state_after_evacuation(nova_sim, version, state_before,
                                status_after):
    nova = nova_sim.admin_client(version)
    server = servers_on(nova, 'host1')[0]
    if state_before == 'error':
        nova.servers.reset_state(server, 'error')
    elif state_before == 'stopped':
        nova.servers.stop(server)
        wait_status(nova, server.id, 'SHUTOFF')
    take_host_down(nova_sim, nova, 'host1')
    nova.servers.evacuate(server)
    wait_for(lambda: evacuation_record(nova, server.id).status == 'done',
               what='the evacuation to finish')
    after = nova.servers.get(server.id)
    assert after.status == status_after
    assert attr(after, 'OS-EXT-STS:power_state') == (
        4 if status_after == 'SHUTOFF' else 1)


@pytest.mark.parametrize('version, state_before, steps', [
    ('2.94', 'active', [
        ('host1', 'active', 'rebuilding', 1),
        ('host1', 'active', 'rebuilding', 0),
        ('host1', 'active', 'rebuild_block_device_mapping', 0),
        ('host1', 'active', 'rebuild_spawning', 0),
        ('host1', 'active', None, 1),
        ('host2', 'active', None, 1)]),
    ('2.95', 'active', [
        ('host1', 'active', 'rebuilding', 1),
        ('host1', 'active', 'rebuilding', 0),
        ('host1', 'active', 'rebuild_block_device_mapping', 0),
        ('host1', 'active', 'rebuild_spawning', 0),
        ('host1', 'active', 'powering-off', 1),
        ('host1', 'stopped', None, 4),
        ('host2', 'stopped', None, 4)]),
    ('2.94', 'stopped', [
        ('host1', 'stopped', 'rebuilding', 4),
        ('host1', 'stopped', 'rebuilding', 0),
        ('host1', 'stopped', 'rebuild_block_device_mapping', 0),
        ('host1', 'stopped', 'rebuild_spawning', 0),
        ('host1', 'active', 'powering-off', 1),
        ('host1', 'stopped', None, 4),
        ('host2', 'stopped', None, 4)]),
])
def test_an_evacuation_goes_through_novas_steps(nova_sim_factory, version,
                                                 state_before, steps):
    sim = nova_sim_factory(hosts=2, instances_per_host=1,
                           evacuate_seconds=1.5, stop_seconds=0.3)
    nova = sim.admin_client(version)
    server = servers_on(nova, 'host1')[0]
    if state_before == 'stopped':
        nova.servers.stop(server)
        wait_status(nova, server.id, 'SHUTOFF')
    take_host_down(sim, nova, 'host1')
    nova.servers.evacuate(server)
    seen, records = [], []
    while not seen or seen[-1][0] != 'host2':
        current = nova.servers.get(server.id)
        step = tuple(attr(current, 'OS-EXT-' + name) for name in (
            'SRV-ATTR:host', 'STS:vm_state', 'STS:task_state',
            'STS:power_state'))
        record = evacuation_record(nova, server.id).status
        if not seen or seen[-1] != step:
            seen.append(step)
        if not records or records[-1] != record:
            records.append(record)
    # As in Nova, the rebuilt server has no task while it is still on
    # the source host: only its host tells that it has not moved yet.
    assert seen == steps
    assert records == ['accepted', 'pre-migrating', 'done']
    action = nova.instance_action.list(server)[0]
    events = nova.instance_action.get(server, action.request_id).events
    expected = [('compute_rebuild_instance', 'host2'),
                ('rebuild_server', 'controller')]
    if steps[-1][1] == 'stopped':
        expected.insert(0, ('compute_stop_instance', 'host2'))
    assert [(e['event'], e['host']) for e in events] == expected
    assert {e['result'] for e in events} == {'Success'}


def test_scheduler_avoids_source_disabled_and_down_hosts(nova_sim_factory):
    sim = nova_sim_factory(hosts=5, instances_per_host=4)
    nova = sim.admin_client()
    nova.services.disable(compute_service(nova, 'host4').id)
    sim.kill_host('host5')
    take_host_down(sim, nova, 'host1')
    wait_service_state(nova, 'host5', 'down')
    evacuees = servers_on(nova, 'host1')
    for server in evacuees:
        nova.servers.evacuate(server)
    wait_for(lambda: not servers_on(nova, 'host1'),
               what='host1 to be empty')
    landed = collections.Counter(host_of(nova, s.id) for s in evacuees)
    assert landed == {'host2': 2, 'host3': 2}  # spread evenly


def test_named_target_is_checked_by_the_scheduler(nova_sim):
    nova = nova_sim.admin_client()
    first, second = servers_on(nova, 'host1')
    nova.services.disable(compute_service(nova, 'host2').id)
    nova.services.force_down(compute_service(nova, 'host3').id, True)
    nova.services.force_down(compute_service(nova, 'host1').id, True)
    nova.servers.evacuate(first, host='host2')
    nova.servers.evacuate(second, host='host3')
    # Placement offers no disabled host; the filters refuse a down one.
    reasons = {first.id: '', second.id: 'There are not enough hosts '
                                         'available.'}
    for server in (first, second):
        failed = wait_status(nova, server.id, 'ERROR')
        assert attr(failed, 'OS-EXT-SRV-ATTR:host') == 'host1'
        assert failed.fault['message'] == (
            'No valid host was found. ' + reasons[server.id])
        assert evacuation_record(nova, server.id).status == 'error'
        action = nova.instance_action.list(server)[0]
        [event] = nova.instance_action.get(server, action.request_id).events
        assert (action.message, event['event'], event['host']) == (
            'Error', 'rebuild_server', 'controller')
    assert sim_counters(nova_sim)['failed'] == 2


@pytest.mark.parametrize('version, kwargs', [
    ('2.28', {}),                 # a named host bypassed the scheduler
    ('2.67', {'force': True}),
])
def test_a_forced_target_bypasses_the_scheduler(nova_sim, version, kwargs):
    admin = nova_sim.admin_client()
    admin.services.disable(compute_service(admin, 'host3').id)
    take_host_down(nova_sim, admin, 'host1')
    nova = nova_sim.admin_client(version)
    server = servers_on(nova, 'host1')[0]
    nova.servers.evacuate(server, host='host3', **kwargs)
    wait_for(lambda: host_of(nova, server.id) == 'host3',
               what='the server to reach disabled host3')


def test_force_and_shared_storage_follow_the_microversion(nova_sim):
    server = servers_on(nova_sim.admin_client(), 'host1')[0]
    url = '/servers/%s/action' % server.id
    with pytest.raises(exceptions.BadRequest,
                       match="Can't force to a non-provided destination"):
        nova_sim.admin_client('2.29').servers.evacuate(server, force=True)
    with pytest.raises(exceptions.BadRequest,
                       match="'force' was unexpected"):
        nova_sim.admin_client('2.68').client.post(
            url, body={'evacuate': {'host': 'host2', 'force': True}})
    with pytest.raises(exceptions.BadRequest,
                       match="'onSharedStorage' was unexpected"):
        nova_sim.admin_client('2.14').client.post(
            url, body={'evacuate': {'onSharedStorage': False}})
    with pytest.raises(exceptions.BadRequest,
                       match="'onSharedStorage' is a required property"):
        nova_sim.admin_client('2.13').client.post(
            url, body={'evacuate': {}})


def test_admin_password_is_returned_only_before_2_14(nova_sim):
    nova = nova_sim.admin_client()
    first, second = servers_on(nova, 'host1')
    take_host_down(nova_sim, nova, 'host1')
    old = nova_sim.admin_client('2.13')
    _, body = old.servers.evacuate(first, on_shared_storage=False)
    assert isinstance(body['adminPass'], str) and body['adminPass']
    _, body = nova_sim.admin_client('2.14').servers.evacuate(second)
    assert not body


def test_capacity_limits_evacuations_in_progress(nova_sim_factory):
    sim = nova_sim_factory(max_concurrent_evacuations=2,
                           evacuate_seconds=0.3, instances_per_host=6)
    nova = sim.admin_client()
    take_host_down(sim, nova, 'host1')
    sim.reset_counters()
    evacuees = servers_on(nova, 'host1')
    for server in evacuees:
        nova.servers.evacuate(server)

    def statuses():
        records = nova.migrations.list(source_compute='host1')
        return [m.status for m in sorted(records, key=lambda m: m.id)]
    wait_for(lambda: statuses()[:2] == ['pre-migrating'] * 2,
               what='the first two evacuations to start rebuilding')
    assert statuses()[2:] == ['accepted'] * 4  # FIFO
    wait_for(lambda: all(m.status == 'done' for m in
                           nova.migrations.list(source_compute='host1')),
               timeout=10, what='every evacuation to finish')
    counted = sim_counters(sim)
    assert counted['peak_in_progress'] == 2
    assert (counted['accepted'], counted['started'], counted['finished'],
            counted['in_progress']) == (6, 6, 6, 0)


def test_jitter_spreads_evacuation_times(nova_sim_factory):
    sim = nova_sim_factory(evacuate_seconds=0.4, jitter=0.9, seed=3,
                           instances_per_host=6)
    nova = sim.admin_client()
    take_host_down(sim, nova, 'host1')
    for server in servers_on(nova, 'host1'):
        nova.servers.evacuate(server)

    def statuses():
        return [m.status for m in nova.migrations.list()]

    def once_one_is_done():
        current = statuses()
        return current if 'done' in current else None
    first_done = wait_for(once_one_is_done,
                            what='a first evacuation to finish')
    assert 'pre-migrating' in first_done  # the others take longer
    wait_for(lambda: statuses() == ['done'] * 6,
               what='every evacuation to finish')


def test_migrations_list_filters_and_fields(nova_sim):
    nova = nova_sim.admin_client()
    take_host_down(nova_sim, nova, 'host1')
    take_host_down(nova_sim, nova, 'host2')
    evacuees = servers_on(nova, 'host1') + servers_on(nova, 'host2')[:1]
    for server in evacuees:
        nova.servers.evacuate(server)
    wait_for(lambda: len(nova.migrations.list(status='done')) == 3,
               what='three evacuations done')

    def ids(**filters):
        return sorted(m.instance_uuid for m in nova.migrations.list(
            **filters))
    assert ids(source_compute='host1') == sorted(
        s.id for s in evacuees[:2])
    assert ids(host='host3') == sorted(s.id for s in evacuees)
    assert ids(host='host2') == [evacuees[2].id]
    assert ids(instance_uuid=evacuees[0].id) == [evacuees[0].id]
    assert len(ids(migration_type='evacuation')) == 3
    assert ids(migration_type='live-migration') == []
    assert ids(status='accepted') == []
    newest_first = nova.migrations.list()
    assert [m.id for m in newest_first] == sorted(
        (m.id for m in newest_first), reverse=True)
    record = newest_first[0]
    assert (record.migration_type, record.user_id,
            record.project_id) == ('evacuation', 'admin', 'admin')
    assert record.uuid
    old = nova_sim.admin_client('2.22').migrations.list()[0]
    assert not hasattr(old, 'migration_type') and not hasattr(old, 'uuid')


def test_revive_cleans_up_and_then_force_up_is_allowed(nova_sim_factory):
    # Heartbeats at once after the revival: the service is up however long
    # the evacuations took.
    nova_sim = nova_sim_factory(initial_reporting_delay=0)
    nova = nova_sim.admin_client()
    service = compute_service(nova, 'host1')
    nova_sim.kill_host('host1')
    nova.services.force_down(service.id, True)
    evacuees = servers_on(nova, 'host1')
    for server in evacuees:
        nova.servers.evacuate(server)
    wait_for(lambda: len(nova.migrations.list(status='done')) == 2,
               what='both evacuations done')
    with pytest.raises(exceptions.BadRequest) as refused:
        nova.services.force_down(service.id, False)
    assert refused.value.message == (
        'Unable to force up host host1 as `done` evacuation migration '
        'records remain associated with the host. Ensure the compute '
        'service has been restarted, allowing these records to move to '
        '`completed` before retrying this request.')
    old = nova_sim.admin_client('2.87')
    [hypervisor] = old.hypervisors.search('host1', detailed=True)
    assert old.hypervisors.get(hypervisor.id).running_vms == 2  # leftovers
    nova_sim.revive_host('host1')
    assert {m.status for m in nova.migrations.list()} == {'completed'}
    assert old.hypervisors.get(hypervisor.id).running_vms == 0
    assert nova.services.force_down(service.id, False).state == 'up'


def test_a_destination_dying_mid_rebuild_strands_the_evacuation(
        nova_sim_factory):
    sim = nova_sim_factory(hosts=2, evacuate_seconds=0.3)
    nova = sim.admin_client()
    server = servers_on(nova, 'host1')[0]
    take_host_down(sim, nova, 'host1')
    nova.servers.evacuate(server)
    wait_for(lambda: evacuation_record(nova, server.id).status
               == 'pre-migrating', what='host2 to start the rebuild')
    sim.kill_host('host2')
    wait_for(lambda: sim_counters(sim)['stranded'] == 1,
               what='the evacuation to be stranded')
    stuck = nova.servers.get(server.id)
    assert (stuck.status, attr(stuck, 'OS-EXT-SRV-ATTR:host')) == (
        'REBUILD', 'host1')
    assert evacuation_record(nova, server.id).status == 'pre-migrating'
