"""The engine as a service: RabbitMQ, a real database, the emulator."""

import json
import subprocess
import sys
import threading
import time

import pytest

from hahealer import exception
from hahealer import notifications
from tests import engine_fixture
from tests import scenario

HOSTS = ('host1', 'host2', 'host3')


def notify(config_path, *args):
    """Run hahealer-notify like a monitor does; (exit code, out, err)."""
    done = subprocess.run(
        [sys.executable, '-m', 'hahealer.cmd.notify', '--config-file',
         str(config_path), *args],
        capture_output=True, text=True, timeout=120,
        cwd=engine_fixture.REPO_ROOT)
    return done.returncode, done.stdout, done.stderr


HOST_DOWN = {'event': 'STOPPED', 'host_status': 'NORMAL'}


def _fail_host1(sim, client):
    """Kill host1 and report it; (ids of its instances, notification)."""
    on_host1 = [s.id for s in sim.admin_client().servers.list(
        search_opts={'host': 'host1', 'all_tenants': 1})]
    sim.kill_host('host1')
    record = client.create_notification(None, notifications.build(
        'COMPUTE_HOST', 'host1', HOST_DOWN))
    return on_host1, record['notification_uuid']


def _moved_once_and_unlocked(nova, server_ids):
    for server_id in server_ids:
        server = nova.servers.get(server_id)
        assert scenario.host_of(server) != 'host1'
        assert not server.locked, f'{server_id} was left locked'
        evacuations = [a for a in nova.instance_action.list(server_id)
                       if a.action == 'evacuate']
        assert len(evacuations) == 1, f'{server_id} evacuated twice'


def _settled_record(client, uuid, timeout, what):
    def ended():
        record = client.get_notification(None, uuid)
        return record if record['status'] != 'running' else None
    return scenario.wait_for(ended, timeout, what=what)


@pytest.fixture
def running(tmp_path, nova_sim, engine_factory, engine_client):
    """An engine on the emulator's hosts; (config path, its RPC client)."""
    config = engine_fixture.prepare(tmp_path, nova_sim.compute_url,
                                    hosts=HOSTS)
    engine_factory(config)
    return config, engine_client(config)


@pytest.mark.parametrize('backend', ['sqlite', 'postgresql'])
def test_monitor_reports_all_three_failures_and_sees_them_recovered(
        backend, tmp_path, nova_sim_factory, engine_factory,
        database_url_factory):
    sim = nova_sim_factory(instances_per_host=2)
    config = engine_fixture.prepare(
        tmp_path, sim.compute_url, database_url_factory(backend),
        hosts=HOSTS)
    engine_factory(config)
    client = sim.admin_client()
    victim = client.servers.list(search_opts={'host': 'host2',
                                              'all_tenants': 1})[0]

    code, out, err = notify(config, 'process', 'host3', '--process-name',
                            'nova-compute', '--event', 'STOPPED', '--wait',
                            '-f', 'json')
    assert code == 0, err
    assert json.loads(out)['status'] == 'finished'
    assert scenario.compute_service(client, 'host3').status == 'disabled'

    code, out, err = notify(config, 'instance', victim.id, '--hostname',
                            'host2', '--event', 'LIFECYCLE',
                            '--vir-domain-event', 'STOPPED_FAILED', '--wait',
                            '-f', 'json')
    assert code == 0, err
    assert json.loads(out)['status'] == 'finished'
    assert 'stop' in [a.action for a in
                      client.instance_action.list(victim.id)]

    sim.kill_host('host1')
    code, out, err = notify(config, 'host', 'host1', '--event', 'STOPPED',
                            '--wait', '-f', 'json')
    assert code == 0, err
    record = json.loads(out)
    assert record['status'] == 'finished', record['reason']
    assert not client.servers.list(search_opts={'host': 'host1',
                                                'all_tenants': 1})


def test_bad_notifications_are_rejected_and_nothing_is_stored(running):
    config, client = running
    good = notifications.build('COMPUTE_HOST', 'host1', HOST_DOWN)
    cases = [
        ({**good, 'type': 'DISK'}, "type: 'DISK' is not one of"),
        ({**good, 'generated_time': 'soon'},
         "generated_time: 'soon' is not an ISO 8601"),
        ({**good, 'payload': {'event': 'STOPPED'}},
         'payload.host_status: is required'),
        ({**good, 'payload': {'event': 'BOOM', 'host_status': 'NORMAL'}},
         "payload.event: 'BOOM' is not one of"),
        ({**good, 'hostname': 'host99'},
         'hostname: host host99 is in no failover segment'),
        ({**good, 'surprise': True}, "'surprise' was unexpected"),
        (notifications.build('VM', 'host1', {
            'event': 'LIFECYCLE', 'instance_uuid': 'nope',
            'vir_domain_event': 'STOPPED_FAILED'}),
         "payload.instance_uuid: 'nope' is not a UUID"),
    ]
    for document, reason in cases:
        with pytest.raises(exception.InvalidNotification) as caught:
            client.create_notification(None, document)
        assert reason in caught.value.message
    code, _, err = notify(config, 'process', 'host1', '--process-name',
                          'nova-compute', '--event', 'EXPLODED')
    assert code == 1
    assert "payload.event: 'EXPLODED' is not one of" in err
    database = engine_fixture.open_database(config)
    try:
        assert database.list_notifications() == []
    finally:
        database.dispose()


def test_duplicates_are_answered_with_the_first_record(running):
    config, client = running
    document = notifications.build('PROCESS', 'host2', {
        'event': 'STOPPED', 'process_name': 'nova-compute'})
    first = client.create_notification(None, document)
    again = client.create_notification(None, document)
    assert again['notification_uuid'] == first['notification_uuid']
    chosen = notifications.build(
        'PROCESS', 'host3', {'event': 'STOPPED', 'process_name': 'x'},
        notification_uuid='0d4c5a43-55a1-4b61-8c1e-3d2a3f7f9b70')
    assert client.create_notification(None, chosen)[
        'notification_uuid'] == chosen['notification_uuid']
    assert client.create_notification(None, chosen)[
        'notification_uuid'] == chosen['notification_uuid']
    assert len(client.list_notifications(None)) == 2


def test_unsafe_host_notifications_are_recorded_as_ignored(nova_sim, running):
    config, client = running
    record = client.create_notification(None, notifications.build(
        'COMPUTE_HOST', 'host1', {'event': 'STOPPED',
                                  'host_status': 'UNKNOWN'}))
    assert record['status'] == 'ignored'
    assert 'may still be running' in record['reason']
    assert scenario.compute_service(nova_sim.admin_client(),
                                    'host1').status == 'enabled'


def test_killed_engine_is_resumed_without_repeating_work(
        tmp_path, nova_sim_factory, engine_factory, engine_client):
    sim = nova_sim_factory(instances_per_host=8, evacuate_seconds=1.0)
    config = engine_fixture.prepare(
        tmp_path, sim.compute_url, hosts=HOSTS,
        DEFAULT={'host_failure_recovery_threads': 2})
    engine = engine_factory(config)
    client = engine_client(config)
    nova = sim.admin_client()
    on_host1, uuid = _fail_host1(sim, client)

    def moved():
        return [server_id for server_id in on_host1
                if scenario.host_of(nova.servers.get(server_id)) != 'host1']

    scenario.wait_for(lambda: len(moved()) >= 2, 60,
                      what='the evacuation to be under way')
    engine.kill()
    assert len(moved()) < len(on_host1), 'killed before the end'
    engine_factory(config, name='engine-restarted')
    final = _settled_record(client, uuid, 120, 'the resumed recovery to end')
    assert final['status'] == 'finished', final['reason']
    _moved_once_and_unlocked(nova, on_host1)
    details = client.get_notification_recovery_workflow_details(None, uuid)
    tasks = [task['name'] for task in details['recovery_workflow_details']]
    assert tasks.count('prepare_HA_enabled_instances_task') == 1


def test_two_engines_recover_a_host_once(
        tmp_path, nova_sim_factory, engine_factory, engine_client,
        database_url_factory):
    sim = nova_sim_factory(instances_per_host=3)
    config = engine_fixture.prepare(
        tmp_path, sim.compute_url, database_url_factory('postgresql'),
        hosts=HOSTS)
    engine_factory(config, name='engine-a')
    engine_factory(config, name='engine-b')
    sim.kill_host('host1')
    document = notifications.build('COMPUTE_HOST', 'host1', HOST_DOWN)
    clients = [engine_client(config) for _ in range(6)]
    answers = []
    barrier = threading.Barrier(len(clients))

    def send(client):
        barrier.wait()
        answers.append(client.create_notification(None, document))

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == len(clients)
    probe = clients[0]

    def settled():
        records = probe.list_notifications(None)
        if all(r['status'] in ('finished', 'ignored', 'error')
               for r in records):
            return records
        return None

    records = scenario.wait_for(settled, 60, what='every copy to settle')
    # One failure, stored once: the unique key, not a query, decides.
    assert [r['status'] for r in records] == ['finished']
    assert {answer['notification_uuid'] for answer in answers} == {
        records[0]['notification_uuid']}
    assert sim.counters()['evacuations']['started'] == 3



def test_sigterm_hands_unfinished_work_to_the_next_engine(
        tmp_path, nova_sim_factory, engine_factory, engine_client):
    sim = nova_sim_factory(instances_per_host=6, evacuate_seconds=1.0)
    config = engine_fixture.prepare(
        tmp_path, sim.compute_url, hosts=HOSTS,
        DEFAULT={'host_failure_recovery_threads': 1,
                 'shutdown_grace_period': 1,
                 'notification_lease_seconds': 300})
    engine = engine_factory(config)
    client = engine_client(config)
    nova = sim.admin_client()
    on_host1, uuid = _fail_host1(sim, client)
    scenario.wait_for(
        lambda: any(scenario.host_of(nova.servers.get(i)) != 'host1'
                    for i in on_host1), 60, what='the first instance moved')
    began = time.monotonic()
    engine.stop()
    assert time.monotonic() - began < 15
    assert engine.process.returncode == 0
    assert 'leaving them to be resumed' in engine.new_log()
    database = engine_fixture.open_database(config)
    try:
        assert database.get_notification(uuid)['status'] == 'running', (
            'left resumable, not failed')
        # Released at once, although the lease would last 300 s.
        assert database.expired_leases() == [uuid]
    finally:
        database.dispose()
    engine_factory(config, name='engine-next')
    final = _settled_record(client, uuid, 90, 'the recovery to end')
    assert final['status'] == 'finished', final['reason']
    _moved_once_and_unlocked(nova, on_host1)


def test_notify_gives_up_when_the_broker_is_unreachable(tmp_path):
    config = tmp_path / 'hahealer.conf'
    config.write_text('[DEFAULT]\ntransport_url = '
                      'rabbit://guest:guest@127.0.0.1:1/\n')
    began = time.monotonic()
    code, _, err = notify(config, '--timeout', '2', 'process', 'host1',
                          '--process-name', 'nova-compute', '--event',
                          'STOPPED')
    assert code == 3
    assert ('the broker does not accept connections (127.0.0.1:1: '
            'Connection refused)') in err
    assert time.monotonic() - began < 30


def test_the_engine_agrees_on_a_microversion_as_it_starts(
        tmp_path, nova_sim, engine_factory):
    nova_sim.reset_counters()
    config = engine_fixture.prepare(tmp_path, nova_sim.compute_url)
    engine_factory(config)
    scenario.wait_for(
        lambda: nova_sim.counters()['requests'].get('GET /v2.1'), 10,
        what='the version discovery, before any notification')
