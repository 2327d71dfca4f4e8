"""Server actions other than evacuate: stop, start, lock, reset state."""

import pytest
from novaclient import exceptions

from tests.functional.sim.common import attr
from tests.functional.sim.common import servers_on
from tests.functional.sim.common import wait_status


@pytest.fixture
def nova(nova_sim):
    return nova_sim.admin_client()


@pytest.fixture
def server(nova):
    return servers_on(nova, 'host1')[0]


def test_stop_then_start(nova, server):
    nova.servers.stop(server)
    stopping = nova.servers.get(server.id)
    assert attr(stopping, 'OS-EXT-STS:task_state') == 'powering-off'
    stopped = wait_status(nova, server.id, 'SHUTOFF')
    assert (attr(stopped, 'OS-EXT-STS:vm_state'),
            attr(stopped, 'OS-EXT-STS:power_state'),
            attr(stopped, 'OS-EXT-STS:task_state')) == ('stopped', 4, None)
    nova.servers.start(server)
    started = wait_status(nova, server.id, 'ACTIVE')
    assert attr(started, 'OS-EXT-STS:power_state') == 1
    actions = [a.action for a in nova.instance_action.list(server)]
    assert actions == ['start', 'stop']  # newest first


def test_stop_and_start_only_from_nova_states(nova, server):
    with pytest.raises(exceptions.Conflict) as refused:
        nova.servers.start(server)
    assert refused.value.message == (
        "Cannot 'start' instance %s while it is in vm_state active"
        % server.id)
    nova.servers.stop(server)
    with pytest.raises(exceptions.Conflict, match='task_state powering-off'):
        nova.servers.stop(server)
    wait_status(nova, server.id, 'SHUTOFF')
    with pytest.raises(exceptions.Conflict, match='vm_state stopped'):
        nova.servers.stop(server)


def test_a_server_in_error_can_be_stopped(nova, server):
    nova.servers.reset_state(server, 'error')
    assert nova.servers.get(server.id).status == 'ERROR'
    nova.servers.stop(server)
    wait_status(nova, server.id, 'SHUTOFF')


def test_a_stop_sent_to_a_dead_host_waits_for_its_restart(nova_sim, nova,
                                                          server):
    nova_sim.kill_host('host1')
    nova.servers.stop(server)
    with pytest.raises(AssertionError):
        wait_status(nova, server.id, 'SHUTOFF', timeout=0.4)
    assert attr(nova.servers.get(server.id),
                'OS-EXT-STS:task_state') == 'powering-off'
    nova_sim.revive_host('host1')
    wait_status(nova, server.id, 'SHUTOFF')


def test_reset_state(nova, server):
    nova.servers.reset_state(server, 'error')
    errored = nova.servers.get(server.id)
    assert (errored.status, attr(errored, 'OS-EXT-STS:vm_state'),
            attr(errored, 'OS-EXT-STS:task_state')) == ('ERROR', 'error',
                                                        None)
    nova.servers.reset_state(server, 'active')
    assert nova.servers.get(server.id).status == 'ACTIVE'
    actions = nova.instance_action.list(server)
    assert [a.action for a in actions] == ['resetState', 'resetState']
    # Nova records a reset with no event.
    assert nova.instance_action.get(server, actions[0].request_id
                                    ).events == []
    with pytest.raises(exceptions.BadRequest) as refused:
        nova.servers.reset_state(server, 'stopped')
    assert refused.value.message == (
        "Invalid input for field/attribute state. Value: stopped. "
        "'stopped' is not one of ['active', 'error']")


def test_members_cannot_reset_state(nova_sim, server):
    with pytest.raises(exceptions.Forbidden, match='reset_state'):
        nova_sim.member_client('demo').servers.reset_state(server, 'error')


def test_lock_with_reason_blocks_members_not_admins(nova_sim, nova, server):
    member = nova_sim.member_client('demo')
    nova.servers.lock(server, reason='under investigation')
    seen = member.servers.get(server.id)
    assert (seen.locked, seen.locked_reason) == (True,
                                                 'under investigation')
    with pytest.raises(exceptions.Conflict) as refused:
        member.servers.stop(server)
    assert refused.value.message == 'Instance %s is locked' % server.id
    # Locked by an admin: the owner may not unlock it.
    with pytest.raises(exceptions.Forbidden, match='unlock_override'):
        member.servers.unlock(server)
    nova.servers.stop(server)
    wait_status(nova, server.id, 'SHUTOFF')
    nova.servers.unlock(server)
    unlocked = nova.servers.get(server.id)
    assert (unlocked.locked, unlocked.locked_reason) == (False, None)
    member.servers.start(server)
    wait_status(nova, server.id, 'ACTIVE')


def test_an_owner_locks_and_unlocks_their_server(nova_sim, nova, server):
    member = nova_sim.member_client('demo')
    member.servers.lock(server)
    assert nova.servers.get(server.id).locked is True
    with pytest.raises(exceptions.Conflict, match='is locked'):
        member.servers.stop(server)
    member.servers.unlock(server)
    assert nova.servers.get(server.id).locked is False
    actions = nova.instance_action.list(server)
    assert [a.action for a in actions] == ['unlock', 'lock']
    # The API records these itself, on the controller.
    events = [nova.instance_action.get(server, a.request_id).events
              for a in actions]
    assert [[(e['event'], e['host']) for e in found] for found in events] \
        == [[('api_unlock', 'controller')], [('api_lock', 'controller')]]


def test_lock_reason_needs_2_73(nova_sim, server):
    old = nova_sim.admin_client('2.72')
    old.servers.lock(server)
    assert old.servers.get(server.id).locked is True
    assert not hasattr(old.servers.get(server.id), 'locked_reason')


def test_instance_action_details(nova, server):
    nova.servers.stop(server)
    wait_status(nova, server.id, 'SHUTOFF')
    [stop] = nova.instance_action.list(server)
    assert (stop.action, stop.instance_uuid, stop.project_id,
            stop.message) == ('stop', server.id, 'admin', None)
    detail = nova.instance_action.get(server, stop.request_id)
    [event] = detail.events
    assert (event['event'], event['result'], event['host']) == (
        'compute_stop_instance', 'Success', 'host1')
    with pytest.raises(exceptions.NotFound, match='Action req-x not found'):
        nova.instance_action.get(server, 'req-x')


def test_unknown_and_malformed_actions(nova, server):
    url = '/servers/%s/action' % server.id
    with pytest.raises(exceptions.BadRequest,
                       match='There is no such action: reboot'):
        nova.client.post(url, body={'reboot': {'type': 'SOFT'}})
    with pytest.raises(exceptions.BadRequest, match='too many body keys'):
        nova.client.post(url, body={'os-stop': None, 'os-start': None})
