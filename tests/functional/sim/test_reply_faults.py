"""Faults exactly-once recovery is tested against: answers lost or late
after Nova acted, actions that land after the client gave up, errors on
one server action, slow rebuilds."""

import time

import pytest
import requests
from keystoneauth1 import exceptions as ks_exc
from novaclient import exceptions

from tests.functional.sim.common import attr
from tests.functional.sim.common import evacuation_record
from tests.functional.sim.common import servers_on
from tests.functional.sim.common import take_host_down
from tests.functional.sim.common import timed_client
from tests.scenario import wait_for


def test_a_lost_reply_closes_the_connection_after_nova_acted(nova_sim):
    nova = nova_sim.admin_client()
    server, other = servers_on(nova, 'host1')
    take_host_down(nova_sim, nova, 'host1')
    nova_sim.set_faults(lose_reply_hold=0, lose_reply_action='^evacuate$',
                        lose_reply_limit=1)
    nova.servers.lock(server, reason='not an evacuation: answered')
    with pytest.raises(ks_exc.ConnectFailure):
        nova.servers.evacuate(server)
    assert evacuation_record(nova, server.id).status in (
        'accepted', 'pre-migrating', 'done')
    nova.servers.evacuate(other)  # past the limit: answered
    counted = nova_sim.counters()
    assert counted['faults']['lost_replies'] == 1
    assert counted['evacuations']['accepted'] == 2


def test_a_reply_held_past_the_client_timeout_is_never_sent(nova_sim):
    nova = timed_client(nova_sim, timeout=0.3)
    server = servers_on(nova, 'host1')[0]
    nova_sim.set_faults(lose_reply_hold=2.0, lose_reply_action='lock')
    started = time.monotonic()
    with pytest.raises(ks_exc.ConnectTimeout):
        nova.servers.lock(server, reason='maintenance')
    assert time.monotonic() - started < 1.5
    # Nova locked it before the client gave up; the answer is still held.
    assert nova.servers.get(server.id).locked_reason == 'maintenance'
    assert nova_sim.counters()['in_flight'] == 1
    wait_for(lambda: nova_sim.counters()['in_flight'] == 0, timeout=5.0,
             what='the held connection to close')


def test_a_late_action_lands_after_the_client_gave_up(nova_sim):
    nova = timed_client(nova_sim, timeout=0.3)
    server = servers_on(nova, 'host1')[0]
    nova_sim.set_faults(latency=1.0, latency_action='^lock$')
    with pytest.raises(ks_exc.ConnectTimeout):
        nova.servers.lock(server, reason='late')
    assert not nova.servers.get(server.id).locked
    wait_for(lambda: nova.servers.get(server.id).locked, timeout=2.0,
             what='the late lock to land')
    assert nova_sim.counters()['faults']['delayed'] == 1


def test_latency_after_acting_delays_only_the_answer(nova_sim):
    nova = timed_client(nova_sim, timeout=0.3)
    server = servers_on(nova, 'host1')[0]
    nova_sim.set_faults(latency=1.0, latency_when='after',
                        latency_action='lock')
    with pytest.raises(ks_exc.ConnectTimeout):
        nova.servers.lock(server, reason='done at once')
    assert nova.servers.get(server.id).locked


def test_errors_can_target_one_server_action(nova_sim):
    nova = nova_sim.admin_client()
    server = servers_on(nova, 'host1')[0]
    take_host_down(nova_sim, nova, 'host1')
    nova_sim.set_faults(error_status=500, error_action='evacuate')
    nova.servers.lock(server)
    with pytest.raises(exceptions.ClientException) as failed:
        nova.servers.evacuate(server)
    assert failed.value.code == 500
    assert nova.migrations.list(instance_uuid=server.id) == []
    assert nova_sim.counters()['faults']['errors'] == 1


def test_rebuild_seconds_slows_the_evacuations_it_starts(nova_sim):
    nova = nova_sim.admin_client()
    slow, fast = servers_on(nova, 'host1')
    take_host_down(nova_sim, nova, 'host1')
    nova_sim.set_faults(rebuild_seconds=1.5)
    started = time.monotonic()
    nova.servers.evacuate(slow)
    nova_sim.set_faults()
    nova.servers.evacuate(fast)
    wait_for(lambda: evacuation_record(nova, fast.id).status == 'done',
             what='the evacuation started without the fault')
    assert evacuation_record(nova, slow.id).status in ('accepted',
                                                        'pre-migrating')
    assert attr(nova.servers.get(slow.id), 'OS-EXT-SRV-ATTR:host') == 'host1'
    wait_for(lambda: evacuation_record(nova, slow.id).status == 'done',
             what='the slow evacuation to finish')
    assert time.monotonic() - started >= 1.4


@pytest.mark.parametrize('faults, complaint', [
    ({'latency_when': 'sometime'}, 'latency_when'),
    ({'lose_reply_hold': -1}, 'lose_reply_hold'),
    ({'lose_reply_action': '('}, 'lose_reply_action'),
    ({'rebuild_seconds': 'slow'}, 'rebuild_seconds'),
    ({'lose_reply_limit': 1.5}, 'lose_reply_limit'),
])
def test_bad_new_fault_settings_are_refused(nova_sim, faults, complaint):
    answer = requests.post(nova_sim.url + '/_sim/faults', json=faults)
    assert answer.status_code == 400
    assert complaint in answer.json()['error']['message']
