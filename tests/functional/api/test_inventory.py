"""Segments and hosts through hahealer-api: Masakari's v1 shapes, codes
and faults."""

SEGMENT = {'name': 'rack1', 'recovery_method': 'auto',
           'service_type': 'COMPUTE', 'description': 'first rack'}
HOST = {'name': 'compute-1', 'type': 'COMPUTE', 'control_attributes': 'SSH'}


def _segment(client, **values):
    status, body, _ = client.post('/v1/segments',
                                  {'segment': {**SEGMENT, **values}},
                                  version='1.2')
    assert status == 201, body
    return body['segment']


def test_versions_at_root_and_v1_need_no_token(api):
    client, _ = api
    status, body, _ = client.get('/')
    assert status == 200
    [version] = body['versions']
    assert (version['id'], version['min_version'], version['version']) == (
        'v1.0', '1.0', '1.3')
    status, body, _ = client.get('/v1/')
    assert status == 200 and body['version']['id'] == 'v1'


def test_segment_lifecycle_with_microversions(api):
    client, _ = api
    created = _segment(client)
    assert created['name'] == 'rack1' and created['enabled'] is True
    assert created['service_type'] == 'COMPUTE'
    assert created['deleted'] is False
    status, body, response = client.get(f"/v1/segments/{created['uuid']}")
    assert status == 200
    # 1.0 does not know a segment's enabled flag
    assert 'enabled' not in body['segment']
    assert response.headers['OpenStack-API-Version'] == 'instance-ha 1.0'
    status, body, _ = client.put(f"/v1/segments/{created['uuid']}",
                                 {'segment': {'enabled': False}},
                                 version='1.2')
    assert status == 200 and body['segment']['enabled'] is False
    status, body, _ = client.put(f"/v1/segments/{created['uuid']}",
                                 {'segment': {'enabled': False}})
    assert status == 400
    assert 'enabled' in body['badRequest']['message']
    status, body, _ = client.delete(f"/v1/segments/{created['uuid']}")
    assert (status, body) == (204, None)
    status, body, _ = client.get(f"/v1/segments/{created['uuid']}")
    assert status == 404
    assert body['itemNotFound']['code'] == 404


def test_segment_list_filters_sorts_and_pages(api):
    client, _ = api
    for name, method in (('a', 'auto'), ('b', 'reserved_host'),
                         ('c', 'auto'), ('d', 'auto')):
        _segment(client, name=name, recovery_method=method)
    status, body, _ = client.get('/v1/segments?recovery_method=auto'
                                 '&sort_key=name&sort_dir=desc&limit=2')
    assert status == 200
    assert [s['name'] for s in body['segments']] == ['d', 'c']
    marker = body['segments'][-1]['uuid']
    status, body, _ = client.get(f'/v1/segments?recovery_method=auto'
                                 f'&sort_key=name&sort_dir=desc&limit=2'
                                 f'&marker={marker}')
    assert [s['name'] for s in body['segments']] == ['a']
    # a direction alone applies to the default order, by name
    status, body, _ = client.get('/v1/segments?sort_dir=desc')
    assert [s['name'] for s in body['segments']] == ['d', 'c', 'b', 'a']


def test_host_lifecycle_checked_against_nova(api):
    client, _ = api
    segment = _segment(client)
    base = f"/v1/segments/{segment['uuid']}/hosts"
    status, body, _ = client.post(base, {'host': HOST})
    assert status == 201, body
    host = body['host']
    assert host['failover_segment_id'] == segment['uuid']
    assert host['failover_segment']['name'] == 'rack1'
    assert (host['type'], host['control_attributes']) == ('COMPUTE', 'SSH')
    status, body, _ = client.post(base, {'host': {**HOST,
                                                  'name': 'toaster'}})
    assert status == 400
    assert 'toaster is not a compute host' in body['badRequest']['message']
    status, body, _ = client.post(base, {'host': {
        **HOST, 'name': 'toaster', 'nova_check': 'maybe'}})
    assert status == 400 and 'host.nova_check' in body['badRequest'][
        'message']
    status, body, _ = client.post(base, {'host': {
        **HOST, 'name': 'toaster', 'nova_check': False}})
    assert status == 201 and body['host']['name'] == 'toaster'
    assert 'nova_check' not in body['host']
    status, body, _ = client.post(base, {'host': HOST})
    assert status == 409
    status, body, _ = client.put(f"{base}/{host['uuid']}",
                                 {'host': {'reserved': True}})
    assert status == 200 and body['host']['reserved'] is True
    status, body, _ = client.get(f'{base}?reserved=true')
    assert [h['name'] for h in body['hosts']] == ['compute-1']
    status, body, _ = client.get(f'{base}?reserved=false')
    assert [h['name'] for h in body['hosts']] == ['toaster']
    other = _segment(client, name='rack2')
    status, body, _ = client.get(
        f"/v1/segments/{other['uuid']}/hosts/{host['uuid']}")
    assert status == 404
    status, body, _ = client.delete(f"/v1/segments/{segment['uuid']}")
    assert status == 409
    status, body, _ = client.delete(f"{base}/{host['uuid']}")
    assert status == 204


def test_fencing_secrets_never_answered(api):
    client, _ = api
    segment = _segment(client)
    status, body, _ = client.post(
        f"/v1/segments/{segment['uuid']}/hosts",
        {'host': {**HOST, 'fencing_driver': 'ipmi', 'fencing_params': {
            'address': '10.0.0.1', 'username': 'root',
            'password': 's3cret-pw'}}})
    assert status == 201, body
    assert 's3cret-pw' not in str(body)
    assert 'fencing_params' not in body['host']
    status, body, _ = client.get(f"/v1/segments/{segment['uuid']}/hosts")
    assert 's3cret-pw' not in str(body)


def test_segment_in_recovery_is_not_changed(api):
    client, _ = api
    segment = _segment(client)
    base = f"/v1/segments/{segment['uuid']}/hosts"
    client.post(base, {'host': HOST})
    status, body, _ = client.post('/v1/notifications', {'notification': {
        'type': 'COMPUTE_HOST', 'hostname': 'compute-1',
        'generated_time': '2026-11-23T00:00:00Z',
        'payload': {'event': 'STOPPED', 'host_status': 'NORMAL',
                    'cluster_status': 'OFFLINE'}}})
    assert status == 202, body
    status, body, _ = client.put(f"/v1/segments/{segment['uuid']}",
                                 {'segment': {'description': 'x'}})
    assert status == 409
    assert 'compute-1' in body['conflictingRequest']['message']
    status, body, _ = client.delete(f'{base}/compute-1')
    assert status == 409
