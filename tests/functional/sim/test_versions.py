"""Version discovery and microversion negotiation."""

import pytest
import requests
from novaclient import api_versions
from novaclient import exceptions


def test_novaclient_negotiates_the_highest_common_version(nova_sim):
    nova = nova_sim.admin_client('2.1')
    negotiated = api_versions.discover_version(
        nova, api_versions.APIVersion('2.latest'))
    assert negotiated == api_versions.APIVersion('2.96')


def test_negotiation_follows_the_configured_maximum(nova_sim_factory):
    sim = nova_sim_factory(max_microversion='2.60')
    nova = sim.admin_client('2.1')
    assert api_versions.discover_version(
        nova, api_versions.APIVersion('2.latest')) == (
            api_versions.APIVersion('2.60'))
    with pytest.raises(exceptions.UnsupportedVersion):
        api_versions.discover_version(nova, api_versions.APIVersion('2.61'))


def test_a_version_above_the_maximum_is_refused_with_406(nova_sim_factory):
    sim = nova_sim_factory(max_microversion='2.60')
    with pytest.raises(exceptions.NotAcceptable) as refused:
        sim.admin_client('2.61').servers.list()
    assert refused.value.message == (
        'Version 2.61 is not supported by the API. Minimum is 2.1 and '
        'maximum is 2.60.')


def test_a_malformed_version_is_refused_with_400(nova_sim):
    answer = requests.get(nova_sim.compute_url + '/servers',
                          headers={'OpenStack-API-Version': 'compute 2.x'})
    assert answer.status_code == 400
    assert answer.json() == {'badRequest': {
        'code': 400,
        'message': 'API Version String 2.x is of invalid format. Must be '
                   'of format MajorNum.MinorNum.'}}


@pytest.mark.parametrize('headers, expected', [
    ({}, '2.1'),
    ({'OpenStack-API-Version': 'compute 2.53'}, '2.53'),
    ({'X-OpenStack-Nova-API-Version': '2.42'}, '2.42'),
    ({'OpenStack-API-Version': 'identity 3.0, compute 2.70',
      'X-OpenStack-Nova-API-Version': '2.42'}, '2.70'),
    ({'OpenStack-API-Version': 'compute latest'}, '2.96'),
])
def test_the_version_in_force_is_echoed(nova_sim, headers, expected):
    answer = requests.get(nova_sim.compute_url + '/flavors',
                          headers=headers)
    assert answer.status_code == 200
    assert answer.headers['OpenStack-API-Version'] == 'compute ' + expected
    assert answer.headers['X-OpenStack-Nova-API-Version'] == expected
    assert answer.headers['Vary'] == (
        'OpenStack-API-Version, X-OpenStack-Nova-API-Version')
    assert answer.headers['x-openstack-request-id'].startswith('req-')


def test_version_documents(nova_sim):
    root = requests.get(nova_sim.url + '/')
    assert root.status_code == 200
    [version] = root.json()['versions']
    assert (version['id'], version['version'], version['min_version']) == (
        'v2.1', '2.96', '2.1')
    assert 'OpenStack-API-Version' not in root.headers
    for path in ('/v2.1', '/v2.1/'):
        document = requests.get(nova_sim.url + path).json()['version']
        assert document['status'] == 'CURRENT'
        assert document['version'] == '2.96'
        assert document['links'][0] == {
            'rel': 'self', 'href': nova_sim.compute_url + '/'}


def test_an_unknown_path_is_nova_404(nova_sim):
    answer = requests.get(nova_sim.compute_url + '/os-no-such-thing')
    assert answer.status_code == 404
    assert answer.json()['itemNotFound']['code'] == 404
