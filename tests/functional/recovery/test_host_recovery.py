"""Host recovery at production grade, against the emulator: recovery
methods and their fallbacks, spare hosts under contention, quick evacuate
levels, fencing through a real IPMI peer, storm protection, per-instance
failures, the global cap and a host coming back."""

import threading
import time

import pytest

from hahealer import metrics
from hahealer.compute import nova
from hahealer.engine import lease
from hahealer.sim import bmc as simulated_bmc
from hahealer.tasks import instance_locks
from tests import scenario
from tests.functional.fencing import redfish_peer

HA = {'HA_Enabled': 'True'}
BMC_USER, BMC_PASSWORD = 'admin', 'bmc-s3cret'


def _on_host(client, host):
    return client.servers.list(search_opts={'host': host,
                                            'all_tenants': 1})


def _disable(client, host, reason='reserved for failover'):
    service = scenario.compute_service(client, host)
    client.services.disable_log_reason(service.id, reason)


@pytest.fixture
def cloud(nova_sim_factory, harness_factory):
    """cloud(hosts=3, method='auto', reserved=(), fencing=None, **sim):
    an emulator whose hosts host1..hostN form segment rack1, with the
    reserved ones disabled in Nova as spares are; (sim, client, harness).
    """
    def make(hosts=3, method='auto', reserved=(), fencing=None,
             **sim_options):
        sim = nova_sim_factory(hosts=hosts, **sim_options)
        client = sim.admin_client()
        harness = harness_factory(sim)
        harness.segment([f'host{n}' for n in range(1, hosts + 1)],
                        method=method, reserved=reserved, fencing=fencing)
        for spare in reserved:
            _disable(client, spare)
        return sim, client, harness

    return make


@pytest.fixture
def level_1(conf):
    conf.override('host_failure', quick_evacuate_level=1)
    return conf


# --- recovery methods --------------------------------------------------------

def test_reserved_host_receives_the_instances(level_1, cloud):
    sim, client, harness = cloud(hosts=4, method='reserved_host',
                                 reserved=['host4'], instances_per_host=2)
    moving = [s.id for s in _on_host(client, 'host1')]
    sim.kill_host('host1')
    record = harness.host_failure('host1')
    assert record['status'] == 'finished', record['reason']
    assert {scenario.host_of(client.servers.get(i)) for i in moving} == {
        'host4'}
    assert scenario.compute_service(client, 'host4').status == 'enabled'
    spare = harness.database.get_host('host4')
    assert not spare.reserved
    assert spare.claimed_by == record['notification_uuid']


def test_next_reserved_host_is_tried_when_one_fails(level_1, cloud):
    sim, client, harness = cloud(hosts=4, method='reserved_host',
                                 reserved=['host2', 'host4'],
                                 instances_per_host=1)
    sim.kill_host('host2')   # the first spare is dead: evacuation errors
    moving = [s.id for s in _on_host(client, 'host1')]
    sim.kill_host('host1')
    record = harness.host_failure('host1')
    assert record['status'] == 'finished', record['reason']
    assert scenario.host_of(client.servers.get(moving[0])) == 'host4'
    messages = harness.messages(record['notification_uuid'])
    assert "Enabling reserved host: 'host2'" in messages
    assert "Enabling reserved host: 'host4'" in messages


def test_auto_priority_falls_back_to_reserved_hosts(level_1, cloud):
    conf = level_1
    conf.override(wait_period_after_evacuation=3)
    sim, client, harness = cloud(method='auto_priority', reserved=['host3'],
                                 instances_per_host=1)
    _disable(client, 'host2', 'out of service')   # the scheduler has nowhere
    moving = [s.id for s in _on_host(client, 'host1')]
    sim.kill_host('host1')
    record = harness.host_failure('host1')
    assert record['status'] == 'finished', record['reason']
    assert scenario.host_of(client.servers.get(moving[0])) == 'host3'


def test_rh_priority_without_spares_uses_the_scheduler(level_1, cloud):
    sim, client, harness = cloud(method='rh_priority', instances_per_host=1)
    moving = [s.id for s in _on_host(client, 'host1')]
    sim.kill_host('host1')
    record = harness.host_failure('host1')
    assert record['status'] == 'finished', record['reason']
    assert scenario.host_of(client.servers.get(moving[0])) in ('host2',
                                                               'host3')


def test_one_spare_is_never_taken_by_two_recoveries(level_1, cloud):
    sim, client, harness = cloud(hosts=4, method='reserved_host',
                                 reserved=['host4'], instances_per_host=2)
    level_1.override('host_failure', storm_max_failed_percent=100)
    moving = {host: {s.id for s in _on_host(client, host)}
              for host in ('host1', 'host2')}
    sim.kill_host('host1')
    sim.kill_host('host2')
    uuids = [harness.notify('COMPUTE_HOST', host, {
        'event': 'STOPPED', 'host_status': 'NORMAL'})
        for host in ('host1', 'host2')]
    records = {}
    threads = [threading.Thread(
        target=lambda u=u: records.update({u: harness.recover(u)}))
        for u in uuids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r['status'] for r in records.values())
    assert statuses == ['error', 'finished']
    winner = next(r for r in records.values() if r['status'] == 'finished')
    loser = next(r for r in records.values() if r['status'] == 'error')
    assert harness.database.get_host('host4').claimed_by == (
        winner['notification_uuid'])
    assert "Reserved host 'host4' is no longer available" in (
        loser['reason'])
    on_spare = {s.id for s in _on_host(client, 'host4')}
    assert moving[winner['hostname']] <= on_spare
    assert not moving[loser['hostname']] & on_spare


# --- quick evacuate levels and fencing ---------------------------------------

@pytest.fixture
def bmc():
    with simulated_bmc.SimulatedBMC(BMC_USER, BMC_PASSWORD) as peer:
        yield peer


def _ipmi(peer):
    return lambda host: ('ipmi', peer.fencing_params()) if host == (
        'host1') else (None, None)


def test_level_2_fences_through_ipmi_before_forcing_down(conf, cloud, bmc):
    sim, client, harness = cloud(fencing=_ipmi(bmc), instances_per_host=2)
    sim.kill_host('host1')
    record = harness.host_failure('host1')
    assert record['status'] == 'finished', record['reason']
    assert bmc.power_state == 'off'
    assert bmc.power_off_requests == 1
    service = scenario.compute_service(client, 'host1')
    assert service.forced_down and service.status == 'disabled'
    assert _on_host(client, 'host1') == []
    messages = harness.messages(record['notification_uuid'])
    assert messages.index("Host 'host1' is powered off") < messages.index(
        "Forced the compute service of host 'host1' down")
    logged = ' '.join(messages) + str(record)
    assert BMC_PASSWORD not in logged


def test_nothing_is_powered_off_while_nova_cannot_be_used(conf, cloud, bmc):
    sim, client, harness = cloud(fencing=_ipmi(bmc), instances_per_host=2)
    sim.kill_host('host1')
    # Nova stops answering (wrong endpoint or credentials): evacuating
    # would be impossible after the power-off.
    harness.resources.nova = nova.NovaAPI.for_endpoint(
        'http://127.0.0.1:9/v2.1', timeout=1, retries=0)
    record = harness.host_failure('host1')
    assert record['status'] == 'error'
    assert record['reason'].startswith('Not fencing host host1: Nova cannot '
                                       'be used to recover it')
    assert bmc.power_off_requests == 0 and bmc.power_state == 'on'


def test_storm_protection_decides_once_per_notification(level_1, cloud):
    sim, client, harness = cloud(hosts=4, instances_per_host=1)
    sim.kill_host('host1')
    uuid = harness.notify('COMPUTE_HOST', 'host1',
                          {'event': 'STOPPED', 'host_status': 'NORMAL'})
    generation = harness.database.claim_notification(uuid, 'first', 60)
    assert harness.database.clear_storm(uuid, 'first', generation)
    harness.database.release_notification(uuid, 'first', generation)
    # By the time another engine resumes it, one failed host is a storm;
    # the recovery that was let through goes on all the same.
    level_1.override('host_failure', storm_max_failed_percent=1)
    harness.database.take_over_notification(uuid, 'next', 60, 3)
    record = harness.resume(uuid, 'next')
    assert record['status'] == 'finished', record['reason']
    assert _on_host(client, 'host1') == []
    # A notification that was never let through is held.
    sim.kill_host('host2')
    held = harness.host_failure('host2')
    assert held['held'] and held['reason'].startswith('storm protection')


@pytest.mark.parametrize('knob, reason', [
    ('refuse', 'Fencing of host host1 failed'),
    ('stuck_on', 'waiting for the BMC of host host1 to report power off'),
    ('unresponsive', 'Fencing of host host1 failed'),
])
def test_level_2_fails_closed(conf, cloud, bmc, knob, reason):
    conf.override('fencing', request_timeout=2, power_off_timeout=1)
    setattr(bmc, knob, True)
    sim, client, harness = cloud(fencing=_ipmi(bmc), instances_per_host=2)
    sim.kill_host('host1')
    record = harness.host_failure('host1')
    assert record['status'] == 'error'
    assert reason in record['reason']
    assert BMC_PASSWORD not in record['reason']
    assert sim.counters()['evacuations']['accepted'] == 0
    assert len(_on_host(client, 'host1')) == 2
    service = scenario.compute_service(client, 'host1')
    assert service.status == 'disabled', 'the host stays disabled'
    assert not service.forced_down, 'an unfenced host is never forced down'


def test_a_bmc_answering_garbage_fails_closed(conf, cloud):
    conf.override('fencing', request_timeout=2, power_off_timeout=1)
    with redfish_peer.RedfishPeer(BMC_USER, BMC_PASSWORD,
                                  garbage=True) as peer:
        sim, client, harness = cloud(
            fencing=lambda host: ('redfish', peer.fencing_params())
            if host == 'host1' else (None, None), instances_per_host=2)
        sim.kill_host('host1')
        record = harness.host_failure('host1')
    assert record['status'] == 'error'
    assert record['reason'].startswith(
        'Fencing of host host1 failed: redfish driver: ')
    assert BMC_PASSWORD not in record['reason']
    assert peer.reset_requests == []
    assert sim.counters()['evacuations']['accepted'] == 0
    service = scenario.compute_service(client, 'host1')
    assert service.status == 'disabled', 'the host stays disabled'
    assert not service.forced_down


def test_level_3_waits_for_nova_to_notice(conf, cloud):
    conf.override('host_failure', quick_evacuate_level=3)
    sim, client, harness = cloud(instances_per_host=2, service_down_time=1.5)
    sim.kill_host('host1')
    record = harness.host_failure('host1')
    assert record['status'] == 'finished', record['reason']
    service = scenario.compute_service(client, 'host1')
    assert service.state == 'down' and not service.forced_down
    assert service.status == 'disabled'
    assert _on_host(client, 'host1') == []


# --- instances ---------------------------------------------------------------

def test_a_slow_rebuild_is_followed_not_repeated(level_1, cloud):
    level_1.override(wait_period_after_evacuation=1.5)
    sim, client, harness = cloud(instances_per_host=3)
    stuck, *others = [s.id for s in _on_host(client, 'host1')]
    sim.set_faults(hang_evacuations=[stuck])
    sim.kill_host('host1')
    record = harness.host_failure('host1')
    assert record['status'] == 'error'
    assert f"Failed to evacuate instances '{stuck}'" in record['reason']
    for server_id in others:
        assert scenario.host_of(client.servers.get(server_id)) != 'host1'
    assert 'did not finish evacuating' in record['reason']
    assert not client.servers.get(stuck).locked
    assert len(client.migrations.list(instance_uuid=stuck)) == 1, (
        'an evacuation in flight is never started again')


def test_global_cap_bounds_evacuations_in_flight(level_1, cloud):
    sim, _, harness = cloud(instances_per_host=8, evacuate_seconds=0.3)
    harness.resources.evacuation_slots = threading.BoundedSemaphore(2)
    level_1.override(host_failure_recovery_threads=8)
    sim.kill_host('host1')
    record = harness.host_failure('host1')
    assert record['status'] == 'finished', record['reason']
    assert sim.counters()['evacuations']['peak_in_progress'] == 2


# --- storm protection --------------------------------------------------------

def test_storm_protection_holds_then_an_operator_releases(
        level_1, cloud):
    sim, client, harness = cloud(hosts=4, instances_per_host=1)
    notifications = []
    for host in ('host1', 'host2', 'host3'):
        sim.kill_host(host)
        notifications.append(harness.notify(
            'COMPUTE_HOST', host, {'event': 'STOPPED',
                                   'host_status': 'NORMAL'}))
    # Failed together: each recovery forces the others down first, so no
    # instance is sent to a host that is down too.
    assert harness.recover(notifications[0])['status'] == 'finished'
    assert harness.recover(notifications[1])['status'] == 'finished'
    holds = metrics.REGISTRY.get_sample_value(
        'hahealer_storm_protection_holds_total')
    held = harness.recover(notifications[2])
    assert metrics.REGISTRY.get_sample_value(
        'hahealer_storm_protection_holds_total') == holds + 1
    assert held['status'] == 'error' and held['held']
    assert held['reason'].startswith('storm protection: 3 of the 4 hosts')
    assert len(_on_host(client, 'host3')) == 1, 'nothing evacuated'
    assert harness.database.requeue_errors(2) == [], 'not retried alone'
    harness.database.retry_notification(held['notification_uuid'],
                                        force=True)
    released = harness.recover(held['notification_uuid'])
    assert released['status'] == 'finished', released['reason']
    assert _on_host(client, 'host3') == []


# --- a host comes back -------------------------------------------------------

def test_started_host_is_unfenced_and_left_disabled(level_1, cloud):
    level_1.override('host_failure', unfence_on_start=True)
    sim, client, harness = cloud(instances_per_host=2)
    sim.kill_host('host1')
    assert harness.host_failure('host1')['status'] == 'finished'
    sim.revive_host('host1')
    record = harness.recover(harness.notify(
        'COMPUTE_HOST', 'host1', {'event': 'STARTED',
                                  'host_status': 'NORMAL'}))
    assert record['status'] == 'finished', record['reason']
    service = scenario.compute_service(client, 'host1')
    assert not service.forced_down
    assert service.status == 'disabled'
    assert harness.database.get_host('host1').on_maintenance


def test_started_host_waits_until_nova_accepts_it_up(level_1, cloud):
    level_1.override('host_failure', unfence_on_start=True,
                     enable_on_start=True)
    sim, client, harness = cloud(instances_per_host=1)
    sim.kill_host('host1')
    assert harness.host_failure('host1')['status'] == 'finished'
    uuid = harness.notify('COMPUTE_HOST', 'host1', {
        'event': 'STARTED', 'host_status': 'NORMAL'})
    timer = threading.Timer(0.5, sim.revive_host, ['host1'])
    timer.start()
    record = harness.recover(uuid)
    timer.join()
    assert record['status'] == 'finished', record['reason']
    service = scenario.compute_service(client, 'host1')
    assert not service.forced_down and service.status == 'enabled'
    assert not harness.database.get_host('host1').on_maintenance


def test_giving_up_takes_off_the_locks_the_recovery_left(level_1, cloud):
    sim, client, harness = cloud(instances_per_host=2)
    uuid = harness.notify('COMPUTE_HOST', 'host1',
                          {'event': 'STOPPED', 'host_status': 'NORMAL'})
    locked, other = [server.id for server in _on_host(client, 'host1')]
    harness.database.start_vmove(uuid, locked, 'host1')
    harness.database.update_vmove(uuid, locked, lock='ours')
    client.servers.lock(locked, reason=instance_locks.lock_reason(uuid))
    client.servers.lock(other, reason='the user')
    generation = harness.database.claim_notification(uuid, 'last', 60)
    result = harness.recovery.give_up(
        harness.database.get_notification(uuid),
        lease.Lease(harness.database, uuid, 'last', generation, 60,
                    time.monotonic()),
        'given up after 3 takeovers')
    assert (result.status, result.reason) == ('failed',
                                              'given up after 3 takeovers')
    assert not client.servers.get(locked).locked
    assert client.servers.get(other).locked_reason == 'the user'


def test_a_retry_restores_instances_that_moved_meanwhile(level_1, cloud):
    level_1.override(wait_period_after_evacuation=1)
    sim, client, harness = cloud(instances_per_host=2)
    broken, running = [server.id for server in _on_host(client, 'host1')]
    client.servers.reset_state(broken, 'error')
    # Its record stays accepted for 2 s: longer than the wait.
    sim.set_faults(rebuild_seconds=4)
    sim.kill_host('host1')
    first = harness.host_failure('host1')
    assert first['status'] == 'error'
    assert 'did not finish evacuating' in first['reason']
    # The evacuations go on, and end before the retry lists the host.
    scenario.wait_for(lambda: not _on_host(client, 'host1'), 30,
                      what='the evacuations to end')
    assert harness.database.requeue_errors(2) == [first['notification_uuid']]
    again = harness.recover(first['notification_uuid'])
    assert again['status'] == 'finished', again['reason']
    assert scenario.vm_state(client.servers.get(broken)) == 'error'
    assert scenario.vm_state(client.servers.get(running)) == 'active'
    for server_id in (broken, running):
        assert not client.servers.get(server_id).locked
        assert len(client.migrations.list(instance_uuid=server_id)) == 1


def test_attempts_that_end_while_nova_evacuates_do_not_count(level_1, cloud):
    level_1.override(wait_period_after_evacuation=0.5)
    sim, client, harness = cloud(instances_per_host=1)
    [broken] = [server.id for server in _on_host(client, 'host1')]
    client.servers.reset_state(broken, 'error')
    # Its record stays 'accepted' for 8 s: both attempts give up waiting
    # while Nova is still at it.
    sim.set_faults(rebuild_seconds=16)
    sim.kill_host('host1')
    record = harness.host_failure('host1')
    uuid = record['notification_uuid']
    for _ in range(2):
        assert record['status'] == 'error'
        assert f'Nova may still be evacuating {broken}' in record['reason']
        assert record['attempts'] == 0, 'it gave its attempt back'
        assert harness.database.requeue_errors(2) == [uuid]
        record = harness.recover(uuid)
    if record['status'] == 'error':
        # The evacuation ended after this attempt's last look.
        scenario.wait_for(lambda: not _on_host(client, 'host1'), 60,
                          what='the evacuation to end')
        assert harness.database.requeue_errors(2) == [uuid]
        record = harness.recover(uuid)
    assert record['status'] == 'finished', record['reason']
    assert scenario.vm_state(client.servers.get(broken)) == 'error'
    assert not client.servers.get(broken).locked
    assert len(client.migrations.list(instance_uuid=broken)) == 1
