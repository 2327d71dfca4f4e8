"""Start-up checks, as the engine and 'hahealer config validate' run them."""

import pytest

from hahealer import exception
from hahealer.conf import CONF
from hahealer.db import api as db_api
from hahealer.db import migration
from hahealer.engine import checks


@pytest.fixture
def database(tmp_path):
    db = db_api.Database(f'sqlite:///{tmp_path}/hahealer.sqlite')
    migration.upgrade(db.engine)
    db.create_segment('rack1', 'auto')
    yield db
    db.dispose()


def test_a_good_configuration_passes_quietly(conf, database):
    database.create_host('compute-1', 'rack1', fencing_driver='redfish',
                         fencing_params={'address': 'https://bmc-1',
                                         'username': 'admin',
                                         'password': 'secret',
                                         'system_id': '1'})
    assert checks.check_startup(CONF, database) == []


def test_hosts_fenced_by_noop_are_named(conf, database):
    database.create_host('compute-1', 'rack1', fencing_driver='noop')
    assert checks.check_startup(CONF, database) == [
        'host compute-1 uses the noop fencing driver: its failure is '
        'recovered without any power-off, and its instances run twice if '
        'it is still alive']


def test_file_locks_with_a_networked_database_are_refused(
        conf, database_url_factory):
    networked = db_api.Database(database_url_factory('postgresql'))
    migration.upgrade(networked.engine)
    try:
        report = checks.run(CONF, networked)
    finally:
        networked.dispose()
    assert any('file:// lock directory, which locks one machine only'
               in error for error in report.errors)


def test_level_1_warns_of_its_risk(conf, database, caplog):
    conf.override('host_failure', quick_evacuate_level=1)
    warnings = checks.check_startup(CONF, database)
    assert warnings == [checks.LEVEL_1_RISK]
    assert 'two copies may write to the same disk' in caplog.text


def test_hosts_that_level_2_cannot_fence_are_named(conf, database):
    database.create_host('compute-1', 'rack1')
    database.create_host('compute-2', 'rack1', fencing_driver='carrier-pigeon')
    warnings = checks.check_startup(CONF, database)
    assert any('host compute-1 has no fencing driver' in w for w in warnings)
    assert any("fencing driver 'carrier-pigeon', which is not installed; "
               "available: ipmi, noop, redfish" in w for w in warnings)


def test_errors_stop_start_up_together(conf, tmp_path):
    conf.override('taskflow_driver_recovery_flows',
                  process_failure_recovery_tasks={'pre': ['nope']})
    empty = db_api.Database(f'sqlite:///{tmp_path}/empty.sqlite')
    try:
        with pytest.raises(exception.ConfigurationError) as caught:
            checks.check_startup(CONF, empty)
    finally:
        empty.dispose()
    assert "unknown task 'nope'" in caught.value.message
    assert 'hahealer-manage db sync' in caught.value.message
