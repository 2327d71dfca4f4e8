"""hahealer notification ..., against a running engine and the emulator.

The engine fences at quick_evacuate_level 2 and its periodic sweep is
slow, so a notification in error stays so until an operator acts.
"""

import re

import pytest

from hahealer import notifications
from hahealer import rpc
from hahealer.cli import render
from tests import engine_fixture
from tests import scenario
from tests.functional.cli.helpers import assert_fails
from tests.functional.cli.helpers import hahealer
from tests.functional.cli.helpers import hahealer_json

# Process failures disable host4 and host5; host3 takes the instances of
# the hosts that fail.
HOSTS = ('host1', 'host2', 'host3', 'host4', 'host5')
WATCH = ('--interval', '0.1')
UNKNOWN = '6d0f2b7e-93b1-4c1e-b5a8-0e6f0f3d1c9a'


@pytest.fixture(scope='module')
def cloud(cloud_factory):
    cloud = cloud_factory(
        segment_hosts=HOSTS, hosts=len(HOSTS), instances_per_host=2,
        evacuate_seconds=0.5,
        sections={'DEFAULT': {'process_unfinished_notifications_interval':
                              600},
                  'host_failure': {'quick_evacuate_level': 2,
                                   'storm_max_failed_percent': 30}})
    database = engine_fixture.open_database(cloud.config)
    try:
        # host1 is left without fencing: its recovery fails closed.
        for host in HOSTS[1:]:
            database.update_host(host, fencing_driver='noop')
    finally:
        database.dispose()
    return cloud


@pytest.fixture(scope='module')
def config(cloud):
    return cloud.config


@pytest.fixture(scope='module')
def monitor(config):
    """Sends notifications as a monitor does; returns the record."""
    client = rpc.EngineClient.from_config_files([str(config)], timeout=20)

    def send(notification_type, hostname, payload):
        return client.create_notification(
            None, notifications.build(notification_type, hostname, payload))

    yield send
    client.close()


def stopped_process(monitor, host, event='STOPPED'):
    return monitor('PROCESS', host, {'event': event,
                                     'process_name': 'nova-compute'})


def dead_host(monitor, host):
    return monitor('COMPUTE_HOST', host, {'event': 'STOPPED',
                                          'host_status': 'NORMAL'})


def watch(config, uuid):
    return hahealer(config, 'notification', 'watch', uuid, *WATCH)


def test_a_recovery_is_watched_then_shown_task_by_task(config, monitor):
    uuid = stopped_process(monitor, 'host4')['notification_uuid']

    watched = watch(config, uuid)
    assert watched.returncode == 0, watched.stderr
    assert '\x1b' not in watched.stdout
    lines = watched.stdout.splitlines()
    assert lines[0] == f'Notification {uuid}: PROCESS on host host4'
    assert any(line.endswith("disable_compute_node_task           "
                             "Disabling compute service on host: 'host4'")
               for line in lines), lines
    assert ('  confirm_compute_node_disabled_task  [####################] '
            '100%  SUCCESS') in lines
    assert lines[-1].startswith(f'Notification {uuid} ended finished after')

    shown = hahealer_json(config, 'notification', 'show', uuid)
    assert (shown['status'], shown['hostname'], shown['payload']) == (
        'finished', 'host4', {'event': 'STOPPED',
                              'process_name': 'nova-compute'})
    tasks = shown['recovery_workflow_details']
    assert [(t['name'], t['state']) for t in tasks] == [
        ('disable_compute_node_task', 'SUCCESS'),
        ('confirm_compute_node_disabled_task', 'SUCCESS')]
    for task in tasks:
        times = [render.parse_time(entry['timestamp'])
                 for entry in task['progress_details']]
        assert times and times == sorted(times)
    assert tasks[-1]['progress_details'][-1] == {
        'timestamp': tasks[-1]['progress_details'][-1]['timestamp'],
        'progress': 1.0,
        'message': "Confirmed compute service is disabled on host: 'host4'"}

    table = hahealer(config, 'notification', 'show', uuid)
    assert table.returncode == 0
    assert re.search(r"\| recovery_workflow_details \| "
                     r"disable_compute_node_task  SUCCESS  "
                     r"\[#{20}\] 100%", table.stdout), table.stdout
    assert re.search(r"\|\s+\|   \d\d:\d\d:\d\d\.\d{3}  100%  Confirmed "
                     r"compute service is disabled on host: 'host4'",
                     table.stdout), table.stdout


def test_list_filters_and_pages(config, monitor):
    stopped = stopped_process(monitor, 'host5')['notification_uuid']
    started = stopped_process(monitor, 'host5', 'STARTED')[
        'notification_uuid']

    listed = hahealer_json(config, 'notification', 'list', '--host',
                           'host5', '--long')
    assert [n['notification_uuid'] for n in listed] == [started, stopped]
    assert set(listed[0]) == {
        'notification_uuid', 'type', 'hostname', 'status', 'created_at',
        'generated_time', 'started_at', 'finished_at', 'attempts',
        'reason'}
    assert 'reports STARTED' in listed[0]['reason']
    assert [n['notification_uuid'] for n in hahealer_json(
        config, 'notification', 'list', '--host', 'host5', '--status',
        'ignored')] == [started]
    first_page = hahealer_json(config, 'notification', 'list', '--host',
                               'host5', '--type', 'PROCESS', '--limit', 1)
    assert [n['notification_uuid'] for n in first_page] == [started]
    assert [n['notification_uuid'] for n in hahealer_json(
        config, 'notification', 'list', '--host', 'host5', '--marker',
        started)] == [stopped]
    assert hahealer_json(config, 'notification', 'list', '--since',
                         '2100-01-01T00:00:00Z') == []
    assert_fails(hahealer(config, 'notification', 'list', '--since',
                          'yesterday'),
                 "since: 'yesterday' is not an ISO 8601 date and time")


def test_an_operator_fixes_fencing_retries_and_releases_a_storm_hold(
        cloud, config, monitor):
    nova = cloud.sim.admin_client()
    on_host1 = {server.id: scenario.vm_state(server)
                for server in nova.servers.list(
                    search_opts={'host': 'host1', 'all_tenants': 1})}
    cloud.sim.kill_host('host1')
    failed = dead_host(monitor, 'host1')['notification_uuid']

    # host1 has no fencing driver: nothing is evacuated.
    watched = watch(config, failed)
    assert watched.returncode == 4, watched.stderr
    assert ('Fencing of host host1 failed: no fencing driver is set for it'
            in watched.stdout.splitlines()[-1])
    assert not hahealer_json(config, 'notification', 'show',
                             failed)['held']

    hahealer_json(config, 'host', 'update', 'host1', '--fencing-driver',
                  'noop')
    assert hahealer_json(config, 'notification', 'retry',
                         failed)['status'] == 'new'
    watched = watch(config, failed)
    assert watched.returncode == 0, watched.stdout
    assert ('  evacuate_instances_task            [####################] '
            '100%  SUCCESS') in watched.stdout.splitlines()
    for server_id, state in on_host1.items():
        server = nova.servers.get(server_id)
        assert scenario.host_of(server) != 'host1'
        assert scenario.vm_state(server) == state

    # A second host of five failing is past storm_max_failed_percent.
    cloud.sim.kill_host('host2')
    held = dead_host(monitor, 'host2')['notification_uuid']
    assert watch(config, held).returncode == 4
    record = hahealer_json(config, 'notification', 'show', held)
    assert record['held'] is True
    assert record['reason'].startswith(
        'storm protection: 2 of the 5 hosts of segment rack1 (40 %)')
    assert_fails(hahealer(config, 'notification', 'retry', held),
                 'is held by storm protection; release it with --force')
    released = hahealer_json(config, 'notification', 'retry', held,
                             '--force')
    assert (released['status'], released['held']) == ('new', False)
    watched = watch(config, held)
    assert watched.returncode == 0, watched.stdout
    assert not nova.servers.list(search_opts={'host': 'host2',
                                              'all_tenants': 1})


@pytest.mark.parametrize('command', ['show', 'watch', 'retry'])
def test_an_unknown_notification_is_named_by_the_engine(config, command):
    assert_fails(hahealer(config, 'notification', command, UNKNOWN),
                 f'Notification {UNKNOWN} could not be found.')
