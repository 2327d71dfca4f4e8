"""Every recovery, on real Nova 34 and on hahealer's emulator alike.

Each test runs once per cloud (conftest.cloud: real Nova, then the
emulator started with the same hosts and timings). It builds its
scenario through python-novaclient as an operator or a user would, runs
hahealer's recovery in this process (database, taskflow persistence,
locks, NovaAPI over HTTP: conftest.harness) and makes the same assertions
on both clouds.
"""

import threading
import time

import pytest

from hahealer.tasks import instance_locks
from tests import scenario
from tests.integration import clouds

HA = {"HA_Enabled": "True"}
FLAVOR = "1"  # m1.tiny on both clouds
HOSTS = clouds.host_names(3)
OTHER_HOSTS = HOSTS[1:]
STOPPED = {"event": "STOPPED", "host_status": "NORMAL"}


@pytest.fixture(autouse=True)
def engine_timings(conf):
    # Real Nova spends CPU on every request: poll it as an engine would,
    # not in a tight loop, and give its API room on a busy machine.
    conf.override(
        verify_interval=0.25,
        wait_period_after_service_update=20,
        wait_period_after_evacuation=30,
    )
    return conf


def boot(cloud, name, host="host1", **options):
    return scenario.boot(
        cloud.admin_client(), name, host, cloud.image, FLAVOR, **options
    )


def evacuations_from(client, host):
    return client.migrations.list(
        source_compute=host, migration_type="evacuation"
    )


def timed_recovery(harness, notification_uuid):
    started = time.monotonic()
    record = harness.recover(notification_uuid)
    return record, time.monotonic() - started


# --- process and instance failures -------------------------------------------


def test_process_failure_disables_the_compute_service(cloud, harness):
    harness.segment(HOSTS)

    record = harness.recover(
        harness.notify(
            "PROCESS",
            "host2",
            {"event": "STOPPED", "process_name": "nova-compute"},
        )
    )

    assert record["status"] == "finished", record["reason"]
    service = scenario.compute_service(cloud.admin_client(), "host2")
    assert (service.status, service.disabled_reason, service.state) == (
        "disabled",
        "Disabled by hahealer: process failure",
        "up",
    )


def test_instance_failure_restarts_only_ha_enabled_instances(cloud, harness):
    client = cloud.admin_client()
    harness.segment(HOSTS)
    servers = {
        "ha": boot(cloud, "ha", metadata=HA),
        "plain": boot(cloud, "plain"),
    }

    records = {
        name: harness.recover(
            harness.notify(
                "VM",
                "host1",
                {
                    "event": "LIFECYCLE",
                    "instance_uuid": server.id,
                    "vir_domain_event": "STOPPED_FAILED",
                },
            )
        )
        for name, server in servers.items()
    }

    assert records["ha"]["status"] == "finished", records["ha"]["reason"]
    ha = client.servers.get(servers["ha"].id)
    assert (scenario.vm_state(ha), scenario.host_of(ha)) == ("active", "host1")
    assert [a.action for a in client.instance_action.list(ha.id)] == [
        "start",
        "stop",
        "create",
    ]
    assert records["plain"]["status"] == "ignored"
    assert "not HA-enabled" in records["plain"]["reason"]
    plain = client.servers.get(servers["plain"].id)
    assert scenario.vm_state(plain) == "active"
    assert [a.action for a in client.instance_action.list(plain.id)] == [
        "create"
    ]


# --- host failures -----------------------------------------------------------


def test_host_failure_moves_each_instance_in_its_former_state(
    cloud, harness, conf
):
    # Level 2, the default, with a driver that reports every host off.
    conf.override(
        "host_failure", quick_evacuate_level=2, evacuate_all_instances=False
    )
    harness.segment(HOSTS, fencing=lambda host: ("noop", {}))
    client = cloud.admin_client()
    servers = {
        "active": boot(cloud, "active", metadata=HA),
        "stopped": boot(cloud, "stopped", metadata=HA, state="stopped"),
        "error": boot(cloud, "error", metadata=HA, state="error"),
        "user-locked": boot(cloud, "user-locked", metadata=HA, locked=True),
        "not-ha": boot(cloud, "not-ha"),
    }
    user_lock = servers["user-locked"].locked_reason
    assert user_lock, "the user's lock has a reason"
    cloud.kill_host("host1")

    record = harness.host_failure("host1")

    assert record["status"] == "finished", record["reason"]
    expected = {
        "active": "active",
        "stopped": "stopped",
        "error": "error",
        "user-locked": "active",
    }
    for name, state in expected.items():
        server = client.servers.get(servers[name].id)
        assert scenario.host_of(server) in OTHER_HOSTS, name
        assert scenario.vm_state(server) == state, name
        assert scenario.attr(server, "OS-EXT-STS:task_state") is None, name
        assert server.locked == (name == "user-locked"), name
    user_locked = client.servers.get(servers["user-locked"].id)
    assert user_locked.locked_reason == user_lock
    left = client.servers.get(servers["not-ha"].id)
    assert (scenario.host_of(left), left.locked) == ("host1", False)
    service = scenario.compute_service(client, "host1")
    assert (service.status, service.forced_down, service.state) == (
        "disabled",
        True,
        "down",
    )
    assert service.disabled_reason == (
        "Disabled by hahealer: host failure recovery"
    )
    assert sorted(m.status for m in evacuations_from(client, "host1")) == [
        "done"
    ] * len(expected)
    assert harness.database.get_host("host1").on_maintenance


def test_a_predecessor_s_evacuations_are_followed_not_repeated(
    cloud, harness, conf
):
    # An engine died after it forced host1 down, locked two instances and
    # sent their evacuations; the engine that takes over reads Nova's
    # records and moves each instance once.
    conf.override("host_failure", quick_evacuate_level=1)
    harness.segment(HOSTS)
    client = cloud.admin_client()
    servers = [boot(cloud, f"ha-{n}", metadata=HA).id for n in range(4)]
    cloud.kill_host("host1")
    uuid = harness.notify("COMPUTE_HOST", "host1", STOPPED)
    client.services.force_down(
        scenario.compute_service(client, "host1").id, True
    )
    before = cloud.process.admin_client("2.94")
    reason = instance_locks.lock_reason(uuid)
    for server_id in servers[:2]:
        harness.database.start_vmove(uuid, server_id, "host1",
                                     target_state="active")
        harness.database.update_vmove(uuid, server_id, lock="ours",
                                      phase="evacuating", evacuations=1)
        before.servers.lock(server_id, reason=reason)
        before.servers.evacuate(server_id)

    record = harness.recover(uuid)

    assert record["status"] == "finished", record["reason"]
    for server_id in servers:
        server = client.servers.get(server_id)
        assert scenario.host_of(server) in OTHER_HOSTS
        assert scenario.vm_state(server) == "active"
        assert not server.locked, "the predecessor's lock is released too"
        moves = client.migrations.list(
            instance_uuid=server_id, migration_type="evacuation"
        )
        assert [m.status for m in moves] == ["done"], server_id
    vmoves = harness.database.list_vmoves(uuid)
    assert {v["instance_uuid"]: v["status"] for v in vmoves} == dict.fromkeys(
        servers, "succeeded"
    )


@pytest.mark.cloud(hosts=4)
def test_reserved_host_is_enabled_and_receives_the_instances(
    cloud, harness, conf
):
    conf.override("host_failure", quick_evacuate_level=1)
    client = cloud.admin_client()
    spare = scenario.compute_service(client, "host4")
    client.services.disable_log_reason(spare.id, "reserved for failover")
    harness.segment(
        clouds.host_names(4), method="reserved_host", reserved=["host4"]
    )
    moving = [boot(cloud, f"ha-{n}", metadata=HA).id for n in (1, 2)]
    cloud.kill_host("host1")

    record = harness.host_failure("host1")

    assert record["status"] == "finished", record["reason"]
    for server_id in moving:
        server = client.servers.get(server_id)
        assert (scenario.host_of(server), scenario.vm_state(server)) == (
            "host4",
            "active",
        )
    assert scenario.compute_service(client, "host4").status == "enabled"
    assert not harness.database.get_host("host4").reserved
    assert "Enabling reserved host: 'host4'" in harness.messages(
        record["notification_uuid"]
    )


# --- evacuation while Nova still believes the host up ------------------------

# Two ways to meet Nova's refusal: quick evacuate level 3 waits for Nova
# to report the service down before evacuating; a flow without
# disable_compute_service_task evacuates at once and Nova answers 400
# "Compute service of host1 is still in use." until it notices.
WAITS = {
    "level-3": ({"quick_evacuate_level": 3}, None),
    "evacuate-at-once": (
        {"quick_evacuate_level": 1},
        "pre:no_op,main:prepare_HA_enabled_instances_task,"
        "post:evacuate_instances_task",
    ),
}


@pytest.fixture(params=sorted(WAITS))
def wait_for_nova(request, conf):
    host_failure, tasks = WAITS[request.param]
    conf.override("host_failure", **host_failure)
    if tasks:
        conf.override(
            "taskflow_driver_recovery_flows",
            host_auto_failure_recovery_tasks=tasks,
        )
    return request.param


@pytest.mark.cloud(service_down_time=8)
def test_evacuation_waits_until_nova_notices_the_dead_host(
    cloud, harness, wait_for_nova
):
    harness.segment(HOSTS)
    client = cloud.admin_client()
    moving = [boot(cloud, f"ha-{n}", metadata=HA).id for n in (1, 2)]
    cloud.kill_host("host1")

    record, elapsed = timed_recovery(
        harness, harness.notify("COMPUTE_HOST", "host1", STOPPED)
    )

    assert record["status"] == "finished", record["reason"]
    # Nova accepts nothing before it has missed host1's heartbeats for
    # service_down_time; the last one came up to report_interval before.
    assert elapsed >= cloud.service_down_time - cloud.report_interval - 0.2
    for server_id in moving:
        server = client.servers.get(server_id)
        assert scenario.host_of(server) in OTHER_HOSTS
        assert scenario.vm_state(server) == "active"
        assert not server.locked
    service = scenario.compute_service(client, "host1")
    assert (service.state, service.forced_down) == ("down", False)


REFUSALS = {
    "level-3": "Nova still reports the compute service of host host1 up; "
    "evacuation would be refused: timed out after 2 s waiting for Nova "
    "to report nova-compute of host host1 down",
    "evacuate-at-once": "timed out after 2 s waiting for Nova to accept "
    "the evacuation of instance",
}


@pytest.mark.cloud(service_down_time=60)
def test_evacuation_refused_by_nova_ends_in_error_in_bounded_time(
    cloud, harness, conf, wait_for_nova
):
    conf.override(wait_period_after_service_update=2)
    harness.segment(HOSTS)
    client = cloud.admin_client()
    staying = [boot(cloud, f"ha-{n}", metadata=HA).id for n in (1, 2)]
    cloud.kill_host("host1")

    record, elapsed = timed_recovery(
        harness, harness.notify("COMPUTE_HOST", "host1", STOPPED)
    )

    assert record["status"] == "error"
    assert REFUSALS[wait_for_nova] in record["reason"]
    # Each instance waits once for Nova, bounded by the wait period.
    assert elapsed < 2 * 2 + 3
    for server_id in staying:
        server = client.servers.get(server_id)
        assert (scenario.host_of(server), server.locked) == ("host1", False)
        assert scenario.vm_state(server) == "active"
    assert evacuations_from(client, "host1") == []


# --- a recovered host comes back ---------------------------------------------


def test_returning_host_is_unfenced_once_its_compute_cleaned_up(
    cloud, harness, conf
):
    conf.override(
        "host_failure", quick_evacuate_level=1, unfence_on_start=True
    )
    harness.segment(HOSTS)
    client = cloud.admin_client()
    boot(cloud, "ha", metadata=HA)
    cloud.kill_host("host1")
    assert harness.host_failure("host1")["status"] == "finished"
    started = harness.notify(
        "COMPUTE_HOST", "host1", {"event": "STARTED", "host_status": "NORMAL"}
    )

    # Nova refuses to lift the forced-down flag until host1's compute
    # has started again and completed the evacuation records.
    restart_after = 1.0
    restart = threading.Timer(restart_after, cloud.revive_host, ["host1"])
    restart.start()
    record, elapsed = timed_recovery(harness, started)
    restart.join()

    assert record["status"] == "finished", record["reason"]
    assert elapsed >= restart_after
    service = scenario.compute_service(client, "host1")
    assert (service.forced_down, service.status) == (False, "disabled")
    assert [m.status for m in evacuations_from(client, "host1")] == [
        "completed"
    ]
    assert harness.database.get_host("host1").on_maintenance
