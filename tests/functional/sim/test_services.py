"""os-services: listing, state from heartbeats, disable/enable, force down."""

import time
import uuid

import pytest
from novaclient import exceptions

from tests.functional.sim.common import compute_service
from tests.functional.sim.common import wait_service_state
from tests.scenario import wait_for

COMPUTES = {('nova-compute', 'host%d' % n) for n in (1, 2, 3)}
CONTROL_PLANE = {('nova-conductor', 'controller'),
                 ('nova-scheduler', 'controller')}


def test_list_shows_computes_and_the_control_plane(nova_sim):
    services = nova_sim.admin_client().services.list()
    assert {(s.binary, s.host) for s in services} == (
        COMPUTES | CONTROL_PLANE)
    for service in services:
        assert (service.state, service.status, service.forced_down) == (
            'up', 'enabled', False)
        uuid.UUID(service.id)
    zones = {s.host: s.zone for s in services}
    assert zones == {'controller': 'internal', 'host1': 'nova',
                     'host2': 'nova', 'host3': 'nova'}


def test_list_filters_by_host_and_binary(nova_sim):
    nova = nova_sim.admin_client()
    assert [(s.binary, s.host) for s in nova.services.list(host='host2')] \
        == [('nova-compute', 'host2')]
    assert [s.binary for s in nova.services.list(binary='nova-scheduler')] \
        == ['nova-scheduler']
    assert nova.services.list(host='nowhere') == []


def test_fields_follow_the_microversion(nova_sim):
    old = nova_sim.admin_client('2.10').services.list()
    assert all(isinstance(s.id, int) for s in old)
    assert not any(hasattr(s, 'forced_down') for s in old)
    mid = nova_sim.admin_client('2.52').services.list()
    assert all(isinstance(s.id, int) for s in mid)
    assert all(s.forced_down is False for s in mid)


def test_a_killed_host_shows_down_after_service_down_time(nova_sim):
    nova = nova_sim.admin_client()
    nova_sim.kill_host('host1')
    killed_at = time.monotonic()
    assert {'name': 'host1', 'alive': False} in nova_sim.hosts()
    assert compute_service(nova, 'host1').state == 'up'
    wait_service_state(nova, 'host1', 'down')
    assert time.monotonic() - killed_at >= 0.45  # service_down_time 0.5
    assert compute_service(nova, 'host2').state == 'up'
    nova_sim.revive_host('host1')
    assert {'name': 'host1', 'alive': True} in nova_sim.hosts()
    # Its first heartbeat comes 5 s after it starts (Nova's default).
    assert compute_service(nova, 'host1').state == 'down'


def test_a_killed_host_last_reported_up_to_a_report_interval_before(
        nova_sim_factory):
    sim = nova_sim_factory(service_down_time=2, report_interval=1)
    nova = sim.admin_client()
    last = compute_service(nova, 'host1').updated_at
    wait_for(lambda: compute_service(nova, 'host1').updated_at != last,
               what='a heartbeat of host1')
    time.sleep(0.5)  # half-way to the next one
    sim.kill_host('host1')
    killed_at = time.monotonic()
    wait_service_state(nova, 'host1', 'down')
    assert 1.3 <= time.monotonic() - killed_at < 1.7


def test_a_restarted_service_shows_up_from_its_first_heartbeat(
        nova_sim_factory):
    sim = nova_sim_factory(initial_reporting_delay=0.6)
    nova = sim.admin_client()
    sim.kill_host('host1')
    wait_service_state(nova, 'host1', 'down')
    sim.kill_host('host2')
    sim.revive_host('host2')  # its last heartbeat is still recent
    sim.revive_host('host1')
    restarted_at = time.monotonic()
    assert compute_service(nova, 'host1').state == 'down'
    assert compute_service(nova, 'host2').state == 'up'
    wait_service_state(nova, 'host1', 'up')
    assert time.monotonic() - restarted_at >= 0.55


def test_disable_with_reason_and_enable_by_uuid(nova_sim):
    nova = nova_sim.admin_client()
    service = compute_service(nova, 'host2')
    disabled = nova.services.disable_log_reason(service.id, 'maintenance')
    assert (disabled.status, disabled.disabled_reason) == (
        'disabled', 'maintenance')
    listed = compute_service(nova, 'host2')
    assert (listed.status, listed.disabled_reason, listed.state) == (
        'disabled', 'maintenance', 'up')
    enabled = nova.services.enable(service.id)
    assert (enabled.status, enabled.disabled_reason) == ('enabled', None)


def test_disable_with_reason_and_enable_by_host_and_binary(nova_sim):
    nova = nova_sim.admin_client('2.52')
    disabled = nova.services.disable_log_reason('host2', 'nova-compute',
                                                'maintenance')
    assert (disabled.host, disabled.status, disabled.disabled_reason) == (
        'host2', 'disabled', 'maintenance')
    assert compute_service(nova, 'host2').status == 'disabled'
    assert nova.services.enable('host2', 'nova-compute').status == 'enabled'
    assert compute_service(nova, 'host2').disabled_reason is None


def test_force_down_and_up_by_host_and_binary(nova_sim):
    nova = nova_sim.admin_client('2.11')
    reply = nova.services.force_down('host1', 'nova-compute', True)
    assert reply.forced_down is True
    service = compute_service(nova, 'host1')
    assert (service.state, service.forced_down) == ('down', True)
    nova.services.force_down('host1', 'nova-compute', False)
    assert compute_service(nova, 'host1').state == 'up'


def test_force_down_is_unknown_before_2_11(nova_sim):
    nova = nova_sim.admin_client('2.10')
    with pytest.raises(exceptions.NotFound, match='Unknown action'):
        nova.client.put('/os-services/force-down', body={
            'host': 'host1', 'binary': 'nova-compute',
            'forced_down': True})


def test_force_down_and_up_by_uuid(nova_sim):
    nova = nova_sim.admin_client()
    service = compute_service(nova, 'host1')
    reply = nova.services.force_down(service.id, True)
    assert (reply.id, reply.state, reply.forced_down) == (
        service.id, 'down', True)
    assert nova.services.force_down(service.id, False).state == 'up'


def test_only_compute_services_can_be_updated(nova_sim):
    nova = nova_sim.admin_client()
    [conductor] = nova.services.list(binary='nova-conductor')
    with pytest.raises(exceptions.BadRequest) as refused:
        nova.services.disable(conductor.id)
    assert refused.value.message == (
        'Updating a nova-conductor service is not supported. Only '
        'nova-compute services can be updated.')
    with pytest.raises(exceptions.BadRequest):
        nova_sim.admin_client('2.52').services.disable(
            'controller', 'nova-scheduler')


def test_unknown_services_are_404(nova_sim):
    with pytest.raises(exceptions.NotFound):
        nova_sim.admin_client().services.disable(str(uuid.uuid4()))
    with pytest.raises(exceptions.NotFound,
                       match='Could not find binary nova-compute on host '
                             'nowhere'):
        nova_sim.admin_client('2.52').services.disable('nowhere',
                                                       'nova-compute')
    with pytest.raises(exceptions.BadRequest, match='Invalid uuid 12'):
        nova_sim.admin_client().services.disable('12')


def test_enabling_with_a_reason_or_updating_nothing_is_refused(nova_sim):
    nova = nova_sim.admin_client()
    service = compute_service(nova, 'host1')
    url = '/os-services/%s' % service.id
    with pytest.raises(exceptions.BadRequest, match='disabled_reason'):
        nova.client.put(url, body={'status': 'enabled',
                                   'disabled_reason': 'why'})
    with pytest.raises(exceptions.BadRequest,
                       match='No updates were requested'):
        nova.client.put(url, body={})


def test_disabling_a_dead_host_nova_believes_up_waits_for_rpc(
        nova_sim_factory):
    # Nova calls the compute host over RPC when it looks up; a dead host
    # never answers, so the API call lasts the RPC timeout.
    sim = nova_sim_factory(service_down_time=30, rpc_timeout=0.6)
    nova = sim.admin_client()
    service = compute_service(nova, 'host1')
    sim.kill_host('host1')
    started = time.monotonic()
    nova.services.disable(service.id)
    assert time.monotonic() - started >= 0.6
    nova.services.force_down(service.id, True)
    started = time.monotonic()
    nova.services.enable(service.id)
    assert time.monotonic() - started < 0.5


def test_members_may_not_touch_services(nova_sim):
    member = nova_sim.member_client('demo')
    with pytest.raises(exceptions.Forbidden) as refused:
        member.services.list()
    assert refused.value.message == (
        "Policy doesn't allow os_compute_api:os-services:list to be "
        "performed.")


def test_a_host_added_through_the_control_api_is_a_compute(
        nova_sim_factory):
    sim = nova_sim_factory(initial_reporting_delay=0.2)
    nova = sim.admin_client()
    sim.add_host('host9', alive=False)
    wait_for(lambda: compute_service(nova, 'host9').state == 'down',
               what='host9 down')
    sim.revive_host('host9')
    wait_service_state(nova, 'host9', 'up')
