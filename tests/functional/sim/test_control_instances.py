"""The control API's servers: seeded in bulk, counted for exactly-once
tests."""

import pytest
import requests

from tests.functional.sim.common import sim_instances
from tests.functional.sim.common import take_host_down


def test_the_control_api_seeds_instances_and_counts_evacuations(nova_sim):
    answer = requests.post(nova_sim.url + '/_sim/instances', json={
        'host': 'host1', 'name': 'db', 'count': 2, 'vm_state': 'stopped'})
    assert answer.status_code == 201
    locked, evacuated = [i['id'] for i in answer.json()['instances']]
    member = nova_sim.member_client('demo')
    member.servers.lock(locked, reason='my maintenance')
    nova = nova_sim.admin_client()
    take_host_down(nova_sim, nova, 'host1')
    nova.servers.evacuate(evacuated)
    seen = sim_instances(nova_sim, host='host1')
    assert len(seen) == 4
    assert (seen[locked]['locked_by'], seen[locked]['locked_reason'],
            seen[locked]['vm_state'], seen[locked]['name']) == (
        'owner', 'my maintenance', 'stopped', 'db-1')
    assert (seen[evacuated]['evacuations_accepted'],
            seen[evacuated]['evacuation_statuses'],
            seen[evacuated]['task_state']) == (1, ['accepted'], 'rebuilding')
    assert list(sim_instances(nova_sim, id=[locked])) == [locked]


@pytest.mark.parametrize('body, complaint', [
    ({'host': 'host1', 'vm_state': 'deleted'}, 'vm_state'),
    ({'host': 'host1', 'count': 0}, 'count'),
    ({'name': 'no-host'}, 'host'),
])
def test_bad_instance_entries_are_refused(nova_sim, body, complaint):
    answer = requests.post(nova_sim.url + '/_sim/instances', json=body)
    assert answer.status_code == 400
    assert complaint in answer.json()['error']['message']


def test_instances_on_an_unknown_host_are_refused(nova_sim):
    answer = requests.post(nova_sim.url + '/_sim/instances',
                           json={'host': 'host42'})
    assert answer.status_code == 404
