"""Notifications and vmoves through hahealer-api, stored by the same
intake as the RPC path; the policy's roles."""

import uuid

import pytest

from tests.functional.api.test_inventory import HOST
from tests.functional.api.test_inventory import SEGMENT

HOST_DOWN = {'type': 'COMPUTE_HOST', 'hostname': 'compute-1',
             'generated_time': '2026-11-23T00:00:00Z',
             'payload': {'event': 'STOPPED', 'host_status': 'NORMAL',
                         'cluster_status': 'OFFLINE'}}
PROCESS_DOWN = {'type': 'PROCESS', 'hostname': 'compute-1',
                'generated_time': '2026-11-23T00:00:05Z',
                'payload': {'event': 'stopped',
                            'process_name': 'nova-compute'}}


@pytest.fixture
def host(api):
    client, _ = api
    status, body, _ = client.post('/v1/segments', {'segment': SEGMENT})
    segment = body['segment']
    status, body, _ = client.post(
        f"/v1/segments/{segment['uuid']}/hosts", {'host': HOST})
    assert status == 201, body
    return body['host']


def test_create_show_and_list(api, host):
    client, database = api
    status, body, _ = client.post('/v1/notifications',
                                  {'notification': HOST_DOWN},
                                  roles='service')
    assert status == 202, body
    created = body['notification']
    assert created['status'] == 'new'
    assert created['source_host_uuid'] == host['uuid']
    # the same row the RPC intake would have stored
    stored = database.get_notification(created['notification_uuid'])
    assert stored['type'] == 'COMPUTE_HOST' and stored['status'] == 'new'
    status, body, _ = client.post('/v1/notifications',
                                  {'notification': HOST_DOWN})
    assert status == 409
    assert created['notification_uuid'] in \
        body['conflictingRequest']['message']
    status, body, _ = client.post('/v1/notifications',
                                  {'notification': PROCESS_DOWN})
    assert status == 202
    # payload events are stored upper-case, as the RPC intake stores them
    assert body['notification']['payload']['event'] == 'STOPPED'
    path = f"/v1/notifications/{created['notification_uuid']}"
    status, body, _ = client.get(path)
    assert 'recovery_workflow_details' not in body['notification']
    status, body, _ = client.get(path, version='1.1')
    assert body['notification']['recovery_workflow_details'] == []
    status, body, _ = client.get('/v1/notifications?type=PROCESS')
    assert [n['type'] for n in body['notifications']] == ['PROCESS']
    status, body, _ = client.get(
        f"/v1/notifications?source_host_uuid={host['uuid']}"
        f"&sort_key=generated_time&sort_dir=asc")
    assert [n['type'] for n in body['notifications']] == [
        'COMPUTE_HOST', 'PROCESS']
    status, body, _ = client.get(
        '/v1/notifications?generated-since=2026-11-23T00:00:01Z')
    assert [n['type'] for n in body['notifications']] == ['PROCESS']
    status, body, _ = client.get('/v1/notifications?generated-since=soon')
    assert status == 400
    status, body, _ = client.get(f'/v1/notifications/{uuid.uuid4()}')
    assert status == 404


def test_invalid_notifications_name_the_field(api, host):
    client, _ = api
    status, body, _ = client.post('/v1/notifications', {'notification': {
        **HOST_DOWN, 'payload': {'event': 'EXPLODED',
                                 'host_status': 'NORMAL'}}})
    assert status == 400
    assert 'payload.event' in body['badRequest']['message']
    status, body, _ = client.post('/v1/notifications', {'notification': {
        **HOST_DOWN, 'hostname': 'compute-9'}})
    assert status == 400
    assert 'compute-9 is in no failover segment' in \
        body['badRequest']['message']


def test_vmoves_from_microversion_1_3(api, host):
    client, database = api
    status, body, _ = client.post('/v1/notifications',
                                  {'notification': HOST_DOWN})
    notification = body['notification']['notification_uuid']
    instance = str(uuid.uuid4())
    database.start_vmove(notification, instance, 'compute-1',
                         instance_name='vm1')
    path = f'/v1/notifications/{notification}/vmoves'
    status, body, _ = client.get(path, version='1.2')
    assert status == 404
    status, body, _ = client.get(path, version='1.3')
    assert status == 200, body
    [vmove] = body['vmoves']
    assert (vmove['instance_uuid'], vmove['source_host'],
            vmove['type']) == (instance, 'compute-1', 'evacuation')
    status, body, _ = client.get(f"{path}/{vmove['uuid']}", version='1.3')
    assert body['vmove']['instance_name'] == 'vm1'
    status, body, _ = client.get(f'{path}?status=succeeded', version='1.3')
    assert body['vmoves'] == []
    status, body, _ = client.post('/v1/notifications',
                                  {'notification': PROCESS_DOWN})
    process = body['notification']['notification_uuid']
    status, body, _ = client.get(f'/v1/notifications/{process}/vmoves',
                                 version='1.3')
    assert status == 400


def test_policy_defaults(api, host):
    client, _ = api
    segment = {**SEGMENT, 'name': 'rack9'}
    status, body, _ = client.post('/v1/segments', {'segment': segment},
                                  roles='service')
    assert status == 403
    assert 'os_masakari_api:segments:create' in \
        body['forbidden']['message']
    status, _, _ = client.delete(
        f"/v1/segments/{host['failover_segment_id']}/hosts/{host['uuid']}",
        roles='service')
    assert status == 403
    status, _, _ = client.get('/v1/segments', roles='service')
    assert status == 403
    status, _, _ = client.get('/v1/notifications', roles='reader')
    assert status == 200
    status, _, _ = client.post('/v1/notifications',
                               {'notification': HOST_DOWN}, roles='reader')
    assert status == 403
    status, _, _ = client.post('/v1/segments', {'segment': segment},
                               roles='reader,member')
    assert status == 403


def test_project_in_the_path_must_be_the_callers(api, host):
    client, _ = api
    mine = '0123456789abcdef0123456789abcdef'
    status, body, _ = client.get(f'/v1/{mine}/segments')
    assert status == 200 and len(body['segments']) == 1
    status, body, _ = client.get('/v1/fedcba9876543210fedcba9876543210'
                                 '/segments')
    assert status == 400
