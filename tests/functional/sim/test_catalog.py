"""Flavors, images, hypervisors and aggregates."""

import json

import pytest
from novaclient import exceptions

from tests.functional.sim.common import IMAGE_ID
from tests.functional.sim.common import attr
from tests.functional.sim.common import compute_service
from tests.functional.sim.common import servers_on
from tests.functional.sim.common import take_host_down


def test_flavors_list_and_get(nova_sim):
    nova = nova_sim.admin_client()
    assert [f.name for f in nova.flavors.list()] == [
        'm1.tiny', 'm1.small', 'm1.medium', 'm1.large']
    small = nova.flavors.get('2')
    assert (small.ram, small.vcpus, small.disk, small.swap) == (
        2048, 1, 20, 0)
    assert nova_sim.admin_client('2.74').flavors.get('2').swap == ''
    with pytest.raises(exceptions.NotFound,
                       match='Flavor 99 could not be found'):
        nova.flavors.get('99')


def test_images_through_the_compute_proxy_until_2_35(nova_sim):
    old = nova_sim.admin_client('2.35')
    _, listed = old.client.get('/images/detail')
    [image] = listed['images']
    assert (image['id'], image['status']) == (IMAGE_ID, 'ACTIVE')
    _, shown = old.client.get('/images/%s' % IMAGE_ID)
    assert shown['image']['name'] == image['name']
    with pytest.raises(exceptions.NotFound, match='Image not found'):
        old.client.get('/images/nope')
    with pytest.raises(exceptions.NotFound):
        nova_sim.admin_client('2.36').client.get('/images')


def test_hypervisors_list_search_and_get(nova_sim):
    nova = nova_sim.admin_client()
    listed = nova.hypervisors.list()
    assert [h.hypervisor_hostname for h in listed] == [
        'host1', 'host2', 'host3']
    assert {(h.state, h.status) for h in listed} == {('up', 'enabled')}
    [found] = nova.hypervisors.search('host2', servers=True)
    assert sorted(s['name'] for s in found.servers) == [
        'host2-ha-1', 'host2-ha-2']
    shown = nova.hypervisors.get(found.id)
    assert (shown.hypervisor_hostname, shown.service['host']) == (
        'host2', 'host2')
    with pytest.raises(exceptions.NotFound, match="No hypervisor matching"):
        nova.hypervisors.search('nowhere')


def test_hypervisors_before_2_53(nova_sim):
    nova = nova_sim.admin_client('2.52')
    [found] = nova.hypervisors.search('host1', servers=True)
    assert isinstance(found.id, int)
    assert len(found.servers) == 2
    detail = nova.hypervisors.get(found.id)
    assert detail.running_vms == 2
    assert detail.vcpus_used == 2


def test_hypervisor_state_follows_the_compute_service(nova_sim):
    nova = nova_sim.admin_client()
    nova.services.disable(compute_service(nova, 'host2').id)
    take_host_down(nova_sim, nova, 'host1')
    states = {h.hypervisor_hostname: (h.state, h.status)
              for h in nova.hypervisors.list()}
    assert states == {'host1': ('down', 'enabled'),
                      'host2': ('up', 'disabled'),
                      'host3': ('up', 'enabled')}


@pytest.fixture
def zoned_sim(nova_sim_factory, tmp_path):
    scenario = tmp_path / 'scenario.json'
    scenario.write_text(json.dumps({
        'hosts': ['cmp-a', 'cmp-b', 'cmp-c'],
        'aggregates': [{'name': 'segment-1', 'hosts': ['cmp-a', 'cmp-b'],
                        'availability_zone': 'az1',
                        'metadata': {'ha': 'on'}}]}))
    return nova_sim_factory(scenario=scenario)


def test_aggregates_list_show_and_zones(zoned_sim):
    nova = zoned_sim.admin_client()
    [aggregate] = nova.aggregates.list()
    assert (aggregate.name, aggregate.hosts, aggregate.availability_zone) \
        == ('segment-1', ['cmp-a', 'cmp-b'], 'az1')
    assert aggregate.metadata == {'ha': 'on', 'availability_zone': 'az1'}
    assert nova.aggregates.get(aggregate.id).uuid == aggregate.uuid
    assert {s.host: s.zone for s in nova.services.list(
        binary='nova-compute')} == {'cmp-a': 'az1', 'cmp-b': 'az1',
                                    'cmp-c': 'nova'}
    server = servers_on(nova, 'cmp-a')[0]
    assert attr(server, 'OS-EXT-AZ:availability_zone') == 'az1'


def test_adding_a_host_to_an_aggregate(zoned_sim):
    nova = zoned_sim.admin_client()
    [aggregate] = nova.aggregates.list()
    updated = nova.aggregates.add_host(aggregate, 'cmp-c')
    assert updated.hosts == ['cmp-a', 'cmp-b', 'cmp-c']
    with pytest.raises(exceptions.Conflict) as refused:
        nova.aggregates.add_host(aggregate, 'cmp-c')
    assert refused.value.message == (
        'Aggregate %s already has host cmp-c.' % aggregate.id)
    with pytest.raises(exceptions.NotFound,
                       match='Compute host nowhere could not be found'):
        nova.aggregates.add_host(aggregate, 'nowhere')
    with pytest.raises(exceptions.NotFound,
                       match='Aggregate 42 could not be found'):
        nova.aggregates.get(42)
    with pytest.raises(exceptions.Forbidden, match='os-aggregates:index'):
        zoned_sim.member_client().aggregates.list()
