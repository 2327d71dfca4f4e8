import pytest

from hahealer import exception
from hahealer.fencing import redfish

PASSWORD = 'Rf-secret-42'
PARAMS = {'address': 'https://10.0.0.3', 'username': 'admin',
          'password': PASSWORD}


@pytest.mark.parametrize('address, problem', [
    ('10.0.0.3', 'address must be an http:// or https:// URL'),
    ('ftp://10.0.0.3', 'address must be an http:// or https:// URL'),
    ('https://', 'address must be an http:// or https:// URL'),
    (f'https://admin:{PASSWORD}@10.0.0.3',
     'address must not hold credentials'),
])
def test_malformed_address(address, problem):
    with pytest.raises(exception.Invalid) as caught:
        redfish.RedfishDriver.validate_params(dict(PARAMS, address=address))
    assert problem in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_required_and_unknown_params_are_named():
    with pytest.raises(exception.Invalid) as caught:
        redfish.RedfishDriver.validate_params(
            {'address': 'http://127.0.0.1:8000', 'system': '/x'})
    message = str(caught.value)
    assert 'missing password, username' in message
    assert 'unknown system' in message


@pytest.mark.parametrize('value, expected', [
    (True, True), (False, False), ('true', True), ('False', False),
    ('no', False), ('1', True), ('/etc/ssl/bmc-ca.pem', '/etc/ssl/bmc-ca.pem'),
])
def test_verify_ca(value, expected):
    assert redfish.parse_verify_ca(value) == expected


@pytest.mark.parametrize('system_id, path', [
    (None, None),
    ('/redfish/v1/Systems/abc', '/redfish/v1/Systems/abc'),
    ('abc', '/redfish/v1/Systems/abc'),
])
def test_system_path(system_id, path):
    params = dict(PARAMS)
    if system_id is not None:
        params['system_id'] = system_id
    driver = redfish.RedfishDriver('compute-3', params, 5)
    assert driver._system_path() == path
