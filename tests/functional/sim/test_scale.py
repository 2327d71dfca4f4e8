"""A thousand servers and hundreds of evacuations at once."""

import collections
import concurrent.futures
import threading

from tests.functional.sim.common import attr
from tests.functional.sim.common import compute_service
from tests.functional.sim.common import servers_on
from tests.scenario import wait_for

DEAD = ('host1', 'host2', 'host3')


def test_hundreds_of_concurrent_evacuations(nova_sim_factory):
    sim = nova_sim_factory(hosts=10, instances_per_host=100,
                           evacuate_seconds=0.5)
    nova = sim.admin_client()
    everything = nova.servers.list(search_opts={'all_tenants': True},
                                   limit=-1)
    assert len(everything) == 1000
    for host in DEAD:
        sim.kill_host(host)
        nova.services.force_down(compute_service(nova, host).id, True)
    evacuees = [s for host in DEAD for s in servers_on(nova, host)]
    assert len(evacuees) == 300

    local = threading.local()

    def evacuate(server):
        if not hasattr(local, 'nova'):
            local.nova = sim.admin_client()
        local.nova.servers.evacuate(server.id)

    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        list(pool.map(evacuate, evacuees))
    wait_for(lambda: len(nova.migrations.list(status='done')) == 300,
               timeout=30, interval=0.2, what='all 300 evacuations')
    counted = sim.counters()['evacuations']
    assert counted['finished'] == 300
    assert counted['peak_in_progress'] >= 50
    landed = collections.Counter(
        attr(s, 'OS-EXT-SRV-ATTR:host') for s in nova.servers.list(
            search_opts={'all_tenants': True}, limit=-1))
    assert not set(landed) & set(DEAD)
    assert max(landed.values()) - min(landed.values()) <= 1
