"""Exactly once, through the real parts: the engine as a service on
RabbitMQ, a real database, the emulator over HTTP with faults injected.

Each test is one way an instance used to be evacuated twice, or a lock
left behind; each asserts from Nova's records (the emulator's instance
actions and migrations) that every instance moved once, on one host.
"""

import os
import signal
import time

import pytest

from hahealer import exception
from hahealer import notifications
from tests import engine_fixture
from tests import scenario
from tests.functional.engine.test_service import HOST_DOWN
from tests.functional.engine.test_service import HOSTS
from tests.functional.engine.test_service import _fail_host1
from tests.functional.engine.test_service import _moved_once_and_unlocked

NOVA_TIMEOUT = 2


def _terminal(client, uuid, timeout, what):
    """The record once it ends, waiting through an automatic retry."""
    def ended():
        record = client.get_notification(None, uuid)
        return record if record['status'] in ('finished', 'ignored',
                                              'failed') else None
    return scenario.wait_for(ended, timeout, what=what)


def _prepare(tmp_path, sim, database_url=None, **default):
    return engine_fixture.prepare(
        tmp_path, sim.compute_url, database_url, hosts=HOSTS,
        DEFAULT=default, nova={'timeout': NOVA_TIMEOUT})


def _recover_host1(tmp_path, sim, engine_factory, engine_client):
    """One engine recovers host1 to the end; the ids of its instances."""
    config = _prepare(tmp_path, sim)
    engine_factory(config)
    client = engine_client(config)
    on_host1, uuid = _fail_host1(sim, client)
    final = _terminal(client, uuid, 90, 'the recovery to end')
    assert final['status'] == 'finished', final['reason']
    return on_host1


@pytest.mark.parametrize('rebuild_seconds, wait, runs', [
    # Nova's record and the instance move on at least every 2.5 s: the
    # first run follows the rebuild to its end.
    (5, 3, 1),
    # The record stays 'accepted' for 3 s, longer than the wait: the first
    # run gives up waiting, the retry follows the same evacuation (and,
    # as Nova was still at it, the first run was not counted an attempt).
    (6, 1.5, 2),
])
def test_a_rebuild_slower_than_the_wait_is_followed_not_repeated(
        tmp_path, nova_sim_factory, engine_factory, engine_client,
        rebuild_seconds, wait, runs):
    sim = nova_sim_factory(instances_per_host=4)
    sim.set_faults(rebuild_seconds=rebuild_seconds)
    config = _prepare(tmp_path, sim, wait_period_after_evacuation=wait)
    engine_factory(config)
    client = engine_client(config)
    on_host1, uuid = _fail_host1(sim, client)
    final = _terminal(client, uuid, 90, 'the recovery')
    assert final['status'] == 'finished', final['reason']
    assert (final['generation'], final['attempts']) == (runs, 1)
    _moved_once_and_unlocked(sim.admin_client(), on_host1)


def test_a_lost_evacuate_answer_is_read_not_repeated(
        tmp_path, nova_sim_factory, engine_factory, engine_client):
    sim = nova_sim_factory(instances_per_host=4)
    sim.set_faults(lose_reply_action='evacuate',
                   lose_reply_hold=NOVA_TIMEOUT + 1)
    on_host1 = _recover_host1(tmp_path, sim, engine_factory, engine_client)
    _moved_once_and_unlocked(sim.admin_client(), on_host1)


def test_a_lock_that_lands_late_is_released_before_the_end(
        tmp_path, nova_sim_factory, engine_factory, engine_client):
    sim = nova_sim_factory(instances_per_host=3)
    sim.set_faults(latency=NOVA_TIMEOUT + 1, latency_when='before',
                   latency_action='lock')
    on_host1 = _recover_host1(tmp_path, sim, engine_factory, engine_client)
    # Every lock request did land, after its answer was given up on.
    nova = sim.admin_client()
    for server_id in on_host1:
        actions = [a.action for a in nova.instance_action.list(server_id)]
        assert 'lock' in actions
    _moved_once_and_unlocked(nova, on_host1)


def test_a_stalled_engine_does_nothing_once_taken_over(
        request, tmp_path, nova_sim_factory, engine_factory, engine_client,
        database_url_factory):
    sim = nova_sim_factory(instances_per_host=8, evacuate_seconds=1.5)
    config = _prepare(tmp_path, sim, database_url_factory('postgresql'),
                      notification_lease_seconds=5,
                      host_failure_recovery_threads=2)
    engines = [engine_factory(config, name='engine-a'),
               engine_factory(config, name='engine-b')]
    nova = sim.admin_client()
    on_host1, uuid = _fail_host1(sim, engine_client(config))
    # Read the database itself: an RPC call may go to the stalled engine.
    database = engine_fixture.open_database(config)
    request.addfinalizer(database.dispose)
    owner = scenario.wait_for(
        lambda: database.get_notification(uuid)['owner'], 30,
        what='an engine to claim the notification')
    stalled = next(e for e in engines
                   if f':{e.process.pid}:' in owner)
    scenario.wait_for(
        lambda: any(scenario.host_of(nova.servers.get(i)) != 'host1'
                    for i in on_host1), 60, what='the evacuation under way')
    os.killpg(stalled.process.pid, signal.SIGSTOP)
    try:
        scenario.wait_for(
            lambda: database.get_notification(uuid)['owner'] not in (
                owner, None), 60, what='the other engine to take over')
        time.sleep(2)
    finally:
        os.killpg(stalled.process.pid, signal.SIGCONT)
    final = scenario.wait_for(
        lambda: (lambda r: r if r['status'] != 'running' else None)(
            database.get_notification(uuid)), 120,
        what='the recovery to end')
    assert final['status'] == 'finished', final['reason']
    assert final['generation'] == 2 and final['takeovers'] == 1
    _moved_once_and_unlocked(nova, on_host1)
    scenario.wait_for(lambda: 'Stopping work on notification'
                      in stalled.new_log(), 30,
                      what='the stalled engine to notice it lost the lease')


def test_a_reused_id_with_other_content_is_refused(
        tmp_path, nova_sim, engine_factory, engine_client):
    config = engine_fixture.prepare(tmp_path, nova_sim.compute_url,
                                    hosts=HOSTS)
    engine_factory(config)
    client = engine_client(config)
    uuid = 'c0ffee00-0000-4000-8000-000000000001'
    first = notifications.build('PROCESS', 'host2',
                                {'event': 'STOPPED',
                                 'process_name': 'nova-compute'})
    first['notification_uuid'] = uuid
    client.create_notification(None, first)
    again = notifications.build('COMPUTE_HOST', 'host2', HOST_DOWN)
    again['notification_uuid'] = uuid
    with pytest.raises(exception.Conflict) as caught:
        client.create_notification(None, again)
    assert (f'notification_uuid {uuid} already names another notification'
            in str(caught.value))
    assert len(client.list_notifications(None)) == 1
