"""hahealer notification show --timeline, after the engine recovered a
host on the emulator."""

import pytest

from hahealer import notifications
from hahealer import rpc
from tests import engine_fixture
from tests import scenario
from tests.functional.cli.helpers import assert_fails
from tests.functional.cli.helpers import hahealer

HOSTS = ('host1', 'host2', 'host3')
COLUMNS = 100


@pytest.fixture(scope='module')
def cloud(cloud_factory):
    cloud = cloud_factory(
        segment_hosts=HOSTS, hosts=len(HOSTS), instances_per_host=3,
        evacuate_seconds=0.3,
        sections={'host_failure': {'quick_evacuate_level': 2}})
    database = engine_fixture.open_database(cloud.config)
    try:
        database.update_host('host1', fencing_driver='noop')
    finally:
        database.dispose()
    return cloud


def timeline(config, uuid):
    return hahealer(config, 'notification', 'show', uuid, '--timeline',
                    env={'COLUMNS': str(COLUMNS)})


def test_a_host_recovery_is_drawn_step_by_step_and_instance_by_instance(
        cloud):
    nova = cloud.sim.admin_client()
    moved = {server.id: server.name for server in nova.servers.list(
        search_opts={'host': 'host1', 'all_tenants': 1})}
    cloud.sim.kill_host('host1')
    client = rpc.EngineClient.from_config_files([str(cloud.config)],
                                                timeout=20)
    try:
        uuid = client.create_notification(None, notifications.build(
            'COMPUTE_HOST', 'host1',
            {'event': 'STOPPED', 'host_status': 'NORMAL'}))[
                'notification_uuid']
    finally:
        client.close()
    watched = hahealer(cloud.config, 'notification', 'watch', uuid,
                       '--interval', '0.1')
    assert watched.returncode == 0, watched.stdout
    for server_id in moved:
        assert scenario.host_of(nova.servers.get(server_id)) != 'host1'

    drawn = timeline(cloud.config, uuid)
    assert drawn.returncode == 0, drawn.stderr
    lines = drawn.stdout.splitlines()
    assert lines[0] == (f'Notification {uuid}: COMPUTE_HOST on host host1, '
                        f'finished')
    assert all(len(line) <= COLUMNS for line in lines), lines
    rows = {line.split('│')[0].strip(): line.split('│', 1)[1]
            for line in lines[1:-2]}
    # Disabling begins, fences the host (noop: at once), forces it down.
    assert list(rows)[:3] == ['disable', 'fence', 'force down'], lines
    assert rows['force down'].strip() == '▼'
    assert rows['disable'].index('█') <= rows['fence'].index('█') <= (
        rows['force down'].index('▼'))
    instances = list(rows)[3:]
    assert sorted(instances) == sorted(
        f'{name} ({server_id[:8]})' for server_id, name in moved.items())
    for label in instances:
        bar = rows[label].strip()
        # Locked, evacuating, active, unlocked, in this order.
        order = [bar.index(mark) for mark in '░▒▓|']
        assert order == sorted(order), (label, bar)
        assert bar.endswith('|')
        # No instance moves before the host is forced down.
        assert rows[label].index('▒') > rows['force down'].index('▼')
    assert lines[-2].endswith(' s')


def test_an_unknown_notification_has_no_timeline(cloud):
    assert_fails(timeline(cloud.config,
                          '6d0f2b7e-93b1-4c1e-b5a8-0e6f0f3d1c9a'),
                 'Notification 6d0f2b7e-93b1-4c1e-b5a8-0e6f0f3d1c9a')
