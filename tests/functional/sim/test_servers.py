"""Servers: listing, paging, the detailed view, create, metadata."""

import re

import pytest
import requests
from novaclient import exceptions

from tests.functional.sim.common import IMAGE_ID
from tests.functional.sim.common import attr
from tests.functional.sim.common import servers_on
from tests.functional.sim.common import wait_status


def test_admin_lists_other_projects_only_with_all_tenants(nova_sim):
    nova = nova_sim.admin_client()
    assert nova.servers.list() == []  # admin's own project has none
    everyone = nova.servers.list(search_opts={'all_tenants': True})
    assert len(everyone) == 6
    assert {s.tenant_id for s in everyone} == {'demo'}
    assert [s.name for s in servers_on(nova, 'host2')] == [
        'host2-ha-2', 'host2-ha-1']  # newest first, as Nova sorts


def test_members_see_their_project_and_no_host_filter(nova_sim):
    member = nova_sim.member_client('demo')
    assert len(member.servers.list()) == 6
    # Nova drops the admin-only 'host' filter of a non-admin silently.
    assert len(member.servers.list(search_opts={'host': 'host1'})) == 6
    assert nova_sim.member_client('other').servers.list() == []
    with pytest.raises(exceptions.Forbidden, match='get_all_tenants'):
        member.servers.list(search_opts={'all_tenants': True})


def test_paging_with_marker_and_limit(nova_sim_factory):
    sim = nova_sim_factory(max_limit=4)
    nova = sim.admin_client()
    opts = {'all_tenants': True}
    first_page = nova.servers.list(search_opts=opts)
    assert len(first_page) == 4  # max_limit caps an unbounded request
    everything = nova.servers.list(search_opts=opts, limit=-1)
    assert len({s.id for s in everything}) == 6
    assert [s.id for s in everything[:4]] == [s.id for s in first_page]
    assert len(nova.servers.list(search_opts=opts, limit=10)) == 4
    assert len(nova.servers.list(search_opts=opts, limit=3)) == 3
    after = nova.servers.list(search_opts=opts, marker=everything[1].id,
                              limit=2)
    assert [s.id for s in after] == [s.id for s in everything[2:4]]
    with pytest.raises(exceptions.BadRequest, match=r'marker \[nope\]'):
        nova.servers.list(search_opts=opts, marker='nope')


def test_a_full_page_carries_a_next_link(nova_sim_factory):
    sim = nova_sim_factory(max_limit=4)
    answer = requests.get(sim.compute_url + '/servers/detail',
                          params={'all_tenants': 1, 'limit': 3}).json()
    [link] = answer['servers_links']
    assert link['rel'] == 'next'
    assert 'marker=%s' % answer['servers'][-1]['id'] in link['href']
    last = requests.get(sim.compute_url + '/servers',
                        params={'all_tenants': 1, 'limit': 4,
                                'marker': answer['servers'][-1]['id']})
    assert len(last.json()['servers']) == 3
    assert 'servers_links' not in last.json()
    assert requests.get(sim.compute_url + '/servers',
                        params={'limit': -1}).status_code == 400


def test_filters_by_status_name_and_locked(nova_sim):
    nova = nova_sim.admin_client()
    target = servers_on(nova, 'host3')[0]
    nova.servers.stop(target)
    wait_status(nova, target.id, 'SHUTOFF')
    nova.servers.lock(target)
    base = {'all_tenants': True}
    assert [s.id for s in nova.servers.list(
        search_opts={**base, 'status': 'SHUTOFF'})] == [target.id]
    assert len(nova.servers.list(search_opts={**base, 'status': 'ACTIVE'})) \
        == 5
    assert {s.name for s in nova.servers.list(
        search_opts={**base, 'name': '^host1-'})} == {'host1-ha-1',
                                                      'host1-ha-2'}
    assert [s.id for s in nova.servers.list(
        search_opts={**base, 'locked': True})] == [target.id]
    assert len(nova.servers.list(search_opts={**base, 'locked': False})) \
        == 5
    with pytest.raises(exceptions.BadRequest, match='Invalid status value'):
        nova.servers.list(search_opts={**base, 'status': 'BOGUS'})


def test_detail_has_the_fields_recovery_reads(nova_sim):
    nova = nova_sim.admin_client()
    server = servers_on(nova, 'host1')[0]
    assert server.status == 'ACTIVE'
    assert attr(server, 'OS-EXT-SRV-ATTR:host') == 'host1'
    assert attr(server, 'OS-EXT-SRV-ATTR:hypervisor_hostname') == 'host1'
    assert attr(server, 'OS-EXT-STS:vm_state') == 'active'
    assert attr(server, 'OS-EXT-STS:task_state') is None
    assert attr(server, 'OS-EXT-STS:power_state') == 1
    assert re.fullmatch(r'instance-[0-9a-f]{8}',
                        attr(server, 'OS-EXT-SRV-ATTR:instance_name'))
    assert server.metadata == {'HA_Enabled': 'True'}
    assert (server.locked, server.locked_reason) == (False, None)
    assert server.host_status == 'UP'
    assert server.flavor['original_name'] == 'm1.tiny'
    same = nova.servers.get(server.id)
    assert same.to_dict()['id'] == server.id
    assert same.server_groups == []


def test_fields_follow_the_microversion_and_the_role(nova_sim):
    old = nova_sim.admin_client('2.72').servers.list(
        search_opts={'all_tenants': True})[0]
    assert hasattr(old, 'locked') and not hasattr(old, 'locked_reason')
    assert set(old.flavor) == {'vcpus', 'ram', 'disk', 'ephemeral', 'swap',
                               'original_name', 'extra_specs'}
    oldest = nova_sim.admin_client('2.1').servers.get(old.id)
    assert not hasattr(oldest, 'locked')
    assert oldest.flavor['id'] == '1'
    mine = nova_sim.member_client('demo').servers.get(old.id)
    assert not hasattr(mine, 'OS-EXT-SRV-ATTR:host')
    assert not hasattr(mine, 'host_status')
    assert attr(mine, 'OS-EXT-STS:vm_state') == 'active'


def test_servers_of_other_projects_are_not_found(nova_sim):
    server = nova_sim.admin_client().servers.list(
        search_opts={'all_tenants': True})[0]
    with pytest.raises(exceptions.NotFound) as missing:
        nova_sim.member_client('other').servers.get(server.id)
    assert missing.value.message == (
        'Instance %s could not be found.' % server.id)


def test_create_builds_then_runs_on_the_requested_host(nova_sim_factory):
    sim = nova_sim_factory(build_seconds=0.3)
    nova = sim.admin_client()
    created = nova.servers.create('web', IMAGE_ID, '2', nics='none',
                                  meta={'HA_Enabled': 'True'}, host='host2')
    assert created.adminPass
    building = nova.servers.get(created.id)
    assert (building.status, attr(building, 'OS-EXT-STS:vm_state')) == (
        'BUILD', 'building')
    running = wait_status(nova, created.id, 'ACTIVE')
    assert attr(running, 'OS-EXT-SRV-ATTR:host') == 'host2'
    assert running.metadata == {'HA_Enabled': 'True'}
    assert running.tenant_id == 'admin'
    assert [a.action for a in nova.instance_action.list(created)] == [
        'create']


def test_create_with_no_build_time_is_active_at_once(nova_sim_factory):
    sim = nova_sim_factory(build_seconds=0)
    nova = sim.admin_client()
    created = nova.servers.create('quick', IMAGE_ID, '1', nics='none')
    assert nova.servers.get(created.id).status == 'ACTIVE'


def test_create_is_checked_as_nova_checks_it(nova_sim):
    nova = nova_sim.admin_client()
    with pytest.raises(exceptions.BadRequest,
                       match="'networks' is a required property"):
        nova.client.post('/servers', body={'server': {
            'name': 'x', 'imageRef': IMAGE_ID, 'flavorRef': '1'}})
    with pytest.raises(exceptions.BadRequest,
                       match='Flavor 99 could not be found'):
        nova.servers.create('x', IMAGE_ID, '99', nics='none')
    with pytest.raises(exceptions.BadRequest,
                       match='Can not find requested image'):
        nova.servers.create('x', 'no-such-image', '1', nics='none')
    with pytest.raises(exceptions.BadRequest,
                       match='Compute host nowhere could not be found'):
        nova.servers.create('x', IMAGE_ID, '1', nics='none', host='nowhere')
    with pytest.raises(exceptions.Forbidden,
                       match='requested_destination'):
        nova_sim.member_client().servers.create('x', IMAGE_ID, '1',
                                                nics='none', host='host1')


def test_create_on_a_disabled_host_ends_in_error(nova_sim):
    nova = nova_sim.admin_client()
    nova.services.disable(nova.services.list(host='host3')[0].id)
    created = nova.servers.create('x', IMAGE_ID, '1', nics='none',
                                  host='host3')
    failed = wait_status(nova, created.id, 'ERROR')
    # Placement offers no host at all: Nova gives no reason.
    assert failed.fault['message'] == 'No valid host was found. '
    assert attr(failed, 'OS-EXT-SRV-ATTR:host') is None
    [action] = nova.instance_action.list(created)
    [event] = nova.instance_action.get(created, action.request_id).events
    assert (event['event'], event['result'], event['host']) == (
        'conductor_schedule_and_build_instances', 'Error', 'controller')


def test_create_on_a_host_disabled_after_it_died_ends_in_error(nova_sim):
    nova = nova_sim.admin_client()
    nova_sim.kill_host('host3')
    nova.services.disable(nova.services.list(host='host3')[0].id)
    created = nova.servers.create('x', IMAGE_ID, '1', nics='none',
                                  host='host3')
    failed = wait_status(nova, created.id, 'ERROR')
    # A dead compute service cannot tell Placement it is disabled: the
    # scheduler's filters refuse it instead.
    assert failed.fault['message'] == (
        'No valid host was found. There are not enough hosts available.')


def test_members_create_in_their_project_on_any_enabled_host(nova_sim):
    member = nova_sim.member_client('billing')
    created = member.servers.create('db', IMAGE_ID, '1', nics='auto')
    server = wait_status(member, created.id, 'ACTIVE')
    assert server.tenant_id == 'billing'
    admin = nova_sim.admin_client()
    host = attr(admin.servers.get(created.id), 'OS-EXT-SRV-ATTR:host')
    assert host in {'host1', 'host2', 'host3'}
    [action] = admin.instance_action.list(created)
    [event] = admin.instance_action.get(created, action.request_id).events
    assert (event['event'], event['host']) == (
        'compute__do_build_and_run_instance', host)


def test_metadata_set_update_and_delete(nova_sim):
    nova = nova_sim.admin_client()
    server = servers_on(nova, 'host1')[0]
    merged = nova.servers.set_meta(server, {'tier': 'db'})
    assert merged.to_dict() == {'HA_Enabled': 'True', 'tier': 'db'}
    nova.servers.set_meta_item(server, 'HA_Enabled', 'False')
    assert nova.servers.get(server.id).metadata == {
        'HA_Enabled': 'False', 'tier': 'db'}
    nova.servers.delete_meta(server, ['tier'])
    assert nova.servers.list_meta(server)['metadata'] == {
        'HA_Enabled': 'False'}
    with pytest.raises(exceptions.NotFound,
                       match='Metadata item was not found'):
        nova.servers.delete_meta(server, ['tier'])
    nova.client.put('/servers/%s/metadata' % server.id,
                    body={'metadata': {'only': 'this'}})
    assert nova.servers.get(server.id).metadata == {'only': 'this'}


def test_metadata_cannot_change_in_error_or_when_locked(nova_sim):
    nova = nova_sim.admin_client()
    server = servers_on(nova, 'host1')[0]
    nova.servers.reset_state(server, 'error')
    with pytest.raises(exceptions.Conflict) as refused:
        nova.servers.set_meta(server, {'k': 'v'})
    assert refused.value.message == (
        "Cannot 'update metadata' instance %s while it is in vm_state "
        "error" % server.id)
    nova.servers.reset_state(server, 'active')
    nova.servers.lock(server)
    with pytest.raises(exceptions.Conflict, match='is locked'):
        nova_sim.member_client('demo').servers.set_meta(server, {'k': 'v'})
    nova.servers.set_meta(server, {'k': 'v'})  # an admin may
    assert nova.servers.get(server.id).metadata['k'] == 'v'
