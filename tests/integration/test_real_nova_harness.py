"""The real Nova harness works through python-novaclient over HTTP.

Most tests get a fresh real Nova 34 (conftest.real_nova) with compute
hosts host1, host2 and host3 and check one behaviour of it that hahealer's
recovery flows rely on.
"""

import concurrent.futures
import threading
import time

import novaclient
import pytest
from novaclient import api_versions
from novaclient import exceptions as nova_exc

from hahealer.compute import nova
from tests.integration.real_nova import ADMIN_TOKEN
from tests.integration.real_nova import RealNovaError
from tests.integration.real_nova import RealNovaProcess
from tests.scenario import wait_for

HOST = "OS-EXT-SRV-ATTR:host"
TINY_FLAVOR = "1"
BURST = 30


def boot(nova, client, count=1, host="host1"):
    """Boot servers on host (None: let Nova choose); wait for ACTIVE."""
    image = nova.images()[0]["id"]
    client.servers.create(
        "vm",
        image,
        TINY_FLAVOR,
        nics="none",
        host=host,
        min_count=count,
        max_count=count,
    )

    def all_active():
        servers = client.servers.list()
        assert not [s for s in servers if s.status == "ERROR"]
        if all(s.status == "ACTIVE" for s in servers):
            return servers

    # Boots queue in the one Nova process: give each one time of its own.
    return wait_for(all_active, 60 + 5 * count, f"{count} servers ACTIVE")


def compute_service(client, host):
    (service,) = client.services.list(host=host, binary="nova-compute")
    return service


def wait_until_moved(client, server, timeout=90):
    """Wait until an evacuation has finished; return the server."""
    seen = {}

    def moved():
        current = client.servers.get(server.id)
        task_state = getattr(current, "OS-EXT-STS:task_state")
        seen.update(host=getattr(current, HOST), task_state=task_state,
                    status=current.status)
        assert current.status != "ERROR", f"evacuation failed: {seen}"
        if seen["host"] != "host1" and task_state is None:
            return current

    try:
        return wait_for(moved, timeout, f"server {server.id} evacuated",
                        interval=0.5)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last seen: {seen}") from None


def test_missing_venv_fails_with_the_command_to_create_it(tmp_path):
    missing = str(tmp_path / "no-venv")
    expected = f"create it with: .*ensure_venv.py --venv {missing}$"

    with pytest.raises(RealNovaError, match=expected):
        RealNovaProcess(venv=missing).start()


def test_start_failure_reports_the_server_log():
    with pytest.raises(RealNovaError, match="(?s)status 2.*service-down-time"):
        RealNovaProcess(service_down_time=1).start()


def test_version_discovery_negotiates_newest_common_microversion(real_nova):
    client = real_nova.admin_client()
    server_max = api_versions.APIVersion(client.versions.get_current().version)

    assert server_max >= api_versions.APIVersion("2.96")
    assert client.api_version == min(server_max, novaclient.API_MAX_VERSION)
    assert client.api_version >= api_versions.APIVersion("2.96")


def test_servers_boot_on_the_requested_host(real_nova):
    client = real_nova.admin_client()
    assert "m1.tiny" in {flavor.name for flavor in client.flavors.list()}

    servers = boot(real_nova, client, count=2)

    assert [getattr(s, HOST) for s in servers] == ["host1", "host1"]


def test_evacuate_is_refused_while_the_host_is_up(real_nova):
    client = real_nova.admin_client()
    (server,) = boot(real_nova, client)

    with pytest.raises(nova_exc.BadRequest, match="still in use"):
        client.servers.evacuate(server.id)


def wait_for_heartbeats(client, hosts):
    """Wait until each host's nova-compute has reported once more.

    A fresh Nova's computes send their first heartbeat 5 s after start;
    once the fixture's service_down_time (5 s) has passed before it, the
    scheduler counts them down and an evacuation finds no valid host.
    """
    seen = {host: compute_service(client, host).updated_at for host in hosts}

    def reported():
        return all(
            compute_service(client, host).updated_at != seen[host]
            for host in hosts
        )

    wait_for(
        reported, 30, f"a heartbeat from {', '.join(hosts)}", interval=0.5
    )


def test_dead_host_goes_down_and_its_servers_evacuate(real_nova):
    admin = real_nova.admin_client()
    first, second = boot(real_nova, admin, count=2)
    wait_for_heartbeats(admin, ["host2", "host3"])

    real_nova.kill_host("host1")

    assert {h["name"]: h["alive"] for h in real_nova.hosts()} == {
        "host1": False,
        "host2": True,
        "host3": True,
    }
    wait_for(
        lambda: compute_service(admin, "host1").state == "down",
        real_nova.service_down_time + 10,
        "host1 reported down",
        interval=0.5,
    )
    # Before 2.95 an evacuated server comes back running, from 2.95 on
    # it arrives stopped.
    real_nova.admin_client("2.94").servers.evacuate(first.id)
    real_nova.admin_client("2.95").servers.evacuate(second.id)
    first = wait_until_moved(admin, first)
    second = wait_until_moved(admin, second)

    assert {getattr(first, HOST), getattr(second, HOST)} <= {"host2", "host3"}
    assert (first.status, second.status) == ("ACTIVE", "SHUTOFF")


@pytest.mark.real_nova(service_down_time=120)
def test_force_down_allows_evacuate_and_revive_allows_force_up(real_nova):
    admin = real_nova.admin_client()
    forcer = real_nova.admin_client("2.53")
    (server,) = boot(real_nova, admin)
    real_nova.kill_host("host1")
    service = compute_service(admin, "host1")

    # Nova still believes host1 is up for two minutes; forcing it down
    # lets the evacuation start at once.
    forcer.services.force_down(service.id, True)
    admin.servers.evacuate(server.id)
    wait_until_moved(admin, server)

    with pytest.raises(nova_exc.BadRequest, match="evacuation migration"):
        forcer.services.force_down(service.id, False)

    # Starting again, nova-compute cleans up after the evacuation.
    real_nova.revive_host("host1")
    assert [m.status for m in admin.migrations.list()] == ["completed"]
    forcer.services.force_down(service.id, False)

    service = compute_service(admin, "host1")
    assert (service.state, service.forced_down) == ("up", False)


@pytest.mark.real_nova(service_down_time=120, rpc_timeout=3)
def test_disabling_a_dead_host_nova_believes_up_waits_rpc_timeout(
    real_nova,
):
    admin = real_nova.admin_client()
    real_nova.kill_host("host1")
    service = compute_service(admin, "host1")

    started = time.monotonic()
    admin.services.disable_log_reason(service.id, "host1 died")
    elapsed = time.monotonic() - started

    # The API calls the host to sync its placement trait and gives up
    # after the RPC timeout; the service is disabled all the same.
    assert 3 <= elapsed < 10
    service = compute_service(admin, "host1")
    assert (service.status, service.state) == ("disabled", "up")


@pytest.mark.real_nova(service_down_time=120, rpc_timeout=20)
def test_forced_down_and_disabled_at_once_nova_does_not_call_the_host(
    real_nova,
):
    api = nova.NovaAPI.for_endpoint(real_nova.compute_url, token=ADMIN_TOKEN)
    real_nova.kill_host("host1")
    service = api.get_compute_service("host1")
    assert not service.down, "Nova still believes the dead host up"

    started = time.monotonic()
    api.take_out_of_service(service, "host1 died")
    elapsed = time.monotonic() - started

    # Had Nova called the dead host to sync its trait, the answer would
    # have come only after the RPC timeout.
    assert elapsed < 20
    service = api.get_compute_service("host1")
    assert (service.status, service.forced_down, service.state) == (
        "disabled", True, "down")
    assert service.disabled_reason == "host1 died"


def test_member_client_acts_in_its_own_project(real_nova):
    member = real_nova.member_client("demo")
    admin = real_nova.admin_client()

    (server,) = boot(real_nova, member, host=None)

    assert server.tenant_id == "demo"
    with pytest.raises(nova_exc.Forbidden):
        member.services.list()
    all_servers = admin.servers.list(search_opts={"all_tenants": True})
    assert [s.id for s in all_servers] == [server.id]


def test_control_api(real_nova):
    admin = real_nova.admin_client()
    real_nova.kill_host("host2")
    real_nova.kill_host("host2")  # killing a dead host changes nothing

    assert not {h["name"]: h["alive"] for h in real_nova.hosts()}["host2"]
    wait_for(
        lambda: compute_service(admin, "host2").state == "down",
        real_nova.service_down_time + 10,
        "host2 reported down",
    )

    real_nova.revive_host("host2")

    assert all(h["alive"] for h in real_nova.hosts())
    # A restarted nova-compute sends its first heartbeat after 5 s; a
    # loaded machine may take longer.
    wait_for(
        lambda: compute_service(admin, "host2").state == "up",
        30,
        "host2 reported up again",
    )
    with pytest.raises(RealNovaError, match="404"):
        real_nova.kill_host("no-such-host")
    assert real_nova.stop() == 0  # SIGTERM stops the server cleanly


# host1 is forced down, so no wait on service_down_time; a long one keeps
# the survivors up while the one Nova process is busy with 30 rebuilds.
@pytest.mark.real_nova(service_down_time=60)
def test_burst_of_evacuations_all_succeed(real_nova):
    admin = real_nova.admin_client()
    servers = boot(real_nova, admin, count=BURST)
    real_nova.kill_host("host1")
    service = compute_service(admin, "host1")
    real_nova.admin_client("2.53").services.force_down(service.id, True)

    # All requests leave together, as from the engine's thread pool.
    start = threading.Barrier(BURST)

    def evacuate(server):
        start.wait()
        admin.servers.evacuate(server.id)

    with concurrent.futures.ThreadPoolExecutor(BURST) as pool:
        futures = [pool.submit(evacuate, server) for server in servers]
    errors = [f.exception() for f in futures if f.exception()]
    assert errors == []

    def all_moved():
        current = admin.servers.list()
        return all(
            getattr(s, HOST) != "host1"
            and getattr(s, "OS-EXT-STS:task_state") is None
            for s in current
        )

    wait_for(all_moved, 120, f"{BURST} servers evacuated", interval=2)
    migrations = admin.migrations.list(migration_type="evacuation")
    assert sorted(m.status for m in migrations) == ["done"] * BURST
