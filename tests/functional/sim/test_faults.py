"""Faults on demand, and the counters that show what happened."""

import time

import pytest
import requests
from novaclient import exceptions

from tests.functional.sim.common import attr
from tests.functional.sim.common import compute_service
from tests.functional.sim.common import evacuation_record
from tests.functional.sim.common import servers_on
from tests.functional.sim.common import take_host_down
from tests.functional.sim.common import wait_status
from tests.scenario import wait_for


@pytest.mark.parametrize('status', [500, 503])
def test_every_request_fails_with_the_chosen_status(nova_sim, status):
    nova = nova_sim.admin_client()
    nova_sim.set_faults(error_status=status, error_fraction=1.0)
    with pytest.raises(exceptions.ClientException) as failed:
        nova.servers.list()
    assert failed.value.code == status
    with pytest.raises(exceptions.ClientException):
        nova.services.list()
    nova_sim.set_faults()
    assert nova.flavors.list()


def test_faults_match_method_and_path(nova_sim):
    nova = nova_sim.admin_client()
    nova_sim.set_faults(error_status=503, error_path='^/v2.1/os-services',
                        error_method='PUT')
    nova.services.list()
    with pytest.raises(exceptions.ClientException) as failed:
        nova.services.disable(compute_service(nova, 'host1').id)
    assert failed.value.code == 503
    nova.servers.list()


def test_error_limit_fails_only_the_first_requests(nova_sim):
    nova = nova_sim.admin_client()
    nova_sim.set_faults(error_status=500, error_limit=2)
    for _ in range(2):
        with pytest.raises(exceptions.ClientException):
            nova.flavors.get('1')
    assert nova.flavors.get('1').name == 'm1.tiny'


def test_a_fraction_of_requests_fails(nova_sim_factory):
    sim = nova_sim_factory(seed=7)
    nova = sim.admin_client()
    sim.set_faults(error_status=500, error_fraction=0.5)
    outcomes = []
    for _ in range(40):
        try:
            nova.flavors.get('1')
            outcomes.append('ok')
        except exceptions.ClientException:
            outcomes.append('failed')
    assert 5 < outcomes.count('failed') < 35
    assert sim.counters()['statuses']['500'] == outcomes.count('failed')


def test_latency_slows_matching_requests(nova_sim):
    nova = nova_sim.admin_client()
    nova_sim.set_faults(latency=0.4, latency_path='/flavors')
    started = time.monotonic()
    nova.flavors.list()
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    nova.services.list()
    assert time.monotonic() - started < 0.3


def test_a_hung_evacuation_never_finishes(nova_sim):
    nova = nova_sim.admin_client()
    stuck, fine = servers_on(nova, 'host1')
    nova_sim.set_faults(hang_evacuations=[stuck.id])
    take_host_down(nova_sim, nova, 'host1')
    nova.servers.evacuate(stuck)
    nova.servers.evacuate(fine)
    wait_for(lambda: evacuation_record(nova, fine.id).status == 'done',
               what='the other evacuation to finish')
    # Ten times the evacuation time later, it is still rebuilding.
    with pytest.raises(AssertionError):
        wait_status(nova, stuck.id, 'SHUTOFF', timeout=1.0)
    hung = nova.servers.get(stuck.id)
    assert (hung.status, attr(hung, 'OS-EXT-SRV-ATTR:host')) == (
        'REBUILD', 'host1')
    assert evacuation_record(nova, stuck.id).status == 'pre-migrating'
    counted = nova_sim.counters()['evacuations']
    assert (counted['hung'], counted['finished'], counted['in_progress']) \
        == (1, 1, 1)


def test_every_evacuation_hangs_with_fraction_one(nova_sim):
    nova = nova_sim.admin_client()
    nova_sim.set_faults(hang_fraction=1.0)
    take_host_down(nova_sim, nova, 'host1')
    for server in servers_on(nova, 'host1'):
        nova.servers.evacuate(server)
    assert nova_sim.counters()['evacuations']['hung'] == 2


def test_a_failed_evacuation_ends_in_error_on_the_source(nova_sim):
    nova = nova_sim.admin_client()
    server = servers_on(nova, 'host1')[0]
    nova_sim.set_faults(fail_evacuations=[server.id])
    take_host_down(nova_sim, nova, 'host1')
    nova.servers.evacuate(server)
    failed = wait_status(nova, server.id, 'ERROR')
    assert attr(failed, 'OS-EXT-SRV-ATTR:host') == 'host1'
    assert attr(failed, 'OS-EXT-STS:task_state') is None
    assert evacuation_record(nova, server.id).status == 'failed'
    action = nova.instance_action.list(server)[0]
    assert (action.action, action.message) == ('evacuate', 'Error')
    assert nova_sim.counters()['evacuations']['failed'] == 1


def test_a_vanished_host_leaves_nova_records(nova_sim):
    nova = nova_sim.admin_client()
    nova_sim.vanish_host('host3')
    assert 'host3' not in {s.host for s in nova.services.list()}
    assert 'host3' not in {h.hypervisor_hostname
                           for h in nova.hypervisors.list()}
    server = servers_on(nova, 'host1')[0]
    take_host_down(nova_sim, nova, 'host1')
    with pytest.raises(exceptions.NotFound,
                       match='Compute host host3 not found'):
        nova.servers.evacuate(server, host='host3')
    nova.servers.evacuate(server)
    wait_for(lambda: attr(nova.servers.get(server.id),
                            'OS-EXT-SRV-ATTR:host') == 'host2',
               what='the scheduler to pick host2, the only one left')
    # Evacuating from a host Nova has no record of is an API error.
    with pytest.raises(exceptions.ClientException) as failed:
        nova.servers.evacuate(servers_on(nova, 'host3')[0])
    assert failed.value.code == 500
    nova_sim.revive_host('host3')
    assert 'host3' in {s.host for s in nova.services.list()}


def test_bad_fault_settings_are_refused(nova_sim):
    answer = requests.post(nova_sim.url + '/_sim/faults',
                           json={'error_fraction': 2})
    assert answer.status_code == 400
    assert 'error_fraction' in answer.json()['error']['message']
    answer = requests.post(nova_sim.url + '/_sim/faults',
                           json={'explode': True})
    assert answer.status_code == 400
    assert 'unknown fault field' in answer.json()['error']['message']


def test_counters_count_routes_statuses_and_can_be_reset(nova_sim):
    nova = nova_sim.admin_client()
    nova_sim.reset_counters()
    server = servers_on(nova, 'host1')[0]
    nova.servers.get(server.id)
    with pytest.raises(exceptions.BadRequest):
        nova.servers.evacuate(server)
    counted = nova_sim.counters()
    assert counted['requests'] == {
        'GET /v2.1/servers/detail': 1,
        'GET /v2.1/servers/{server_id}': 1,
        'POST /v2.1/servers/{server_id}/action [evacuate]': 1,
    }
    assert counted['statuses'] == {'200': 2, '400': 1}
    nova_sim.reset_counters()
    assert nova_sim.counters()['requests'] == {}


def test_control_api_reports_unknown_hosts(nova_sim):
    answer = requests.post(nova_sim.url + '/_sim/hosts/nowhere/kill')
    assert answer.status_code == 404
    assert nova_sim.state()['hosts'][0]['name'] == 'host1'
