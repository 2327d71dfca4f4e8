"""Changing a host's fencing driver: one command, or a hint saying so."""

import pytest
from oslo_messaging.rpc import dispatcher

from hahealer.db import api as db_api
from hahealer.db import migration
from hahealer.engine import manager

IPMI = {'address': '192.0.2.11', 'username': 'admin', 'password': 'S3CRET'}
REDFISH = {'address': 'https://192.0.2.11', 'username': 'admin',
           'password': 'S3CRET', 'system_id': '/redfish/v1/Systems/1'}


@pytest.fixture
def endpoint(database_url_factory):
    database = db_api.Database(database_url_factory())
    migration.upgrade(database.engine)
    database.create_segment('rack1', 'auto')
    database.create_host('compute-1', 'rack1', fencing_driver='ipmi',
                         fencing_params=IPMI)
    yield manager.EngineManager(database, dispatcher=None)
    database.dispose()


def test_old_parameters_that_do_not_suit_get_a_hint(endpoint):
    with pytest.raises(dispatcher.ExpectedException) as caught:
        endpoint.update_host(None, host='compute-1',
                             values={'fencing_driver': 'redfish'})
    message = caught.value.exc_info[1].message
    assert 'address must be an http:// or https:// URL' in message
    assert ('The parameters stored for driver ipmi do not suit redfish: '
            "give redfish's parameters in the same command") in message
    assert 'hahealer host update compute-1 --fencing-driver redfish' in (
        message)
    assert 'S3CRET' not in message


def test_driver_and_parameters_change_in_one_call(endpoint):
    host = endpoint.update_host(None, host='compute-1', values={
        'fencing_driver': 'redfish', 'fencing_params': REDFISH})
    assert host['fencing_driver'] == 'redfish'
    assert host['fencing_params']['address'] == 'https://192.0.2.11'
    assert 'interface' not in host['fencing_params']
    host = endpoint.update_host(None, host='compute-1',
                                values={'fencing_driver': None})
    assert host['fencing_driver'] is None
    assert host['fencing_params'] == {}
