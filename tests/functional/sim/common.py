"""Steps the emulator tests share: python-novaclient and the control API."""

import requests
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from novaclient import client as nova_client

from tests.scenario import wait_for

IMAGE_ID = '6f5a5a37-5b1f-4c5e-9d0a-3a2b8f0c1e01'  # the emulator's image


def attr(server, name):
    """A server attribute whose name novaclient cannot spell as Python."""
    return getattr(server, name)


def servers_on(nova, host):
    return nova.servers.list(search_opts={'all_tenants': True, 'host': host})


def compute_service(nova, host):
    [service] = nova.services.list(host=host, binary='nova-compute')
    return service


def wait_service_state(nova, host, wanted, timeout=5.0):
    return wait_for(
        lambda: compute_service(nova, host).state == wanted, timeout,
        what='nova-compute on %s to be %s' % (host, wanted))


def take_host_down(sim, nova, host):
    """Kill the host and wait until Nova shows its service down."""
    sim.kill_host(host)
    wait_service_state(nova, host, 'down')


def wait_status(nova, server_id, status, timeout=5.0):
    """Wait for the server's status; return the server."""
    def probe():
        server = nova.servers.get(server_id)
        return server if server.status == status else None
    return wait_for(probe, timeout,
                      what='server %s to be %s' % (server_id, status))


def evacuation_record(nova, server_id):
    [record] = nova.migrations.list(instance_uuid=server_id,
                                    migration_type='evacuation')
    return record


def timed_client(sim, timeout, version='2.96'):
    """An admin client that gives up on an answer after ``timeout`` s."""
    session = ks_session.Session(auth=noauth.NoAuth(), timeout=timeout)
    return nova_client.Client(version, session=session,
                              endpoint_override=sim.compute_url)


def sim_instances(sim, **query):
    """GET /_sim/instances: each server's state and its evacuations."""
    answer = requests.get(sim.url + '/_sim/instances', params=query,
                          timeout=10)
    answer.raise_for_status()
    return {i['id']: i for i in answer.json()['instances']}
