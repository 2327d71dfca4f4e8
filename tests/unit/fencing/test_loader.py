"""The driver lookup, through the entry points hahealer installs."""

import importlib.metadata

import pytest
import stevedore

from hahealer import exception
from hahealer import fencing
from hahealer.fencing import ipmi
from hahealer.fencing import noop
from hahealer.fencing import redfish


@pytest.fixture(autouse=True)
def installed_entry_points():
    names = {entry_point.name for entry_point in
             importlib.metadata.entry_points(group=fencing.NAMESPACE)}
    if not {'ipmi', 'noop', 'redfish'} <= names:
        pytest.fail("the hahealer.fencing_drivers entry points are not "
                    "registered: install hahealer (pip install -e .)")


def test_available_drivers_lists_the_built_in_ones():
    assert {'ipmi', 'noop', 'redfish'} <= set(fencing.available_drivers())
    assert fencing.available_drivers() == sorted(fencing.available_drivers())


@pytest.mark.parametrize('name, cls', [
    ('ipmi', ipmi.IPMIDriver),
    ('redfish', redfish.RedfishDriver),
    ('noop', noop.NoopDriver),
])
def test_each_name_resolves_to_its_class(name, cls):
    assert fencing.driver_class(name) is cls


def test_load_driver_builds_a_driver_for_the_host():
    driver = fencing.load_driver('noop', 'compute-3', {}, 5)
    assert isinstance(driver, noop.NoopDriver)
    assert driver.host_name == 'compute-3'


def test_unknown_name_lists_the_choices():
    with pytest.raises(exception.Invalid) as caught:
        fencing.load_driver('ilo', 'compute-3', {}, 5)
    message = str(caught.value)
    assert "'ilo'" in message
    assert 'available: ' + ', '.join(fencing.available_drivers()) in message
    assert 'ipmi' in message and 'redfish' in message


def install_plugin_package(directory, monkeypatch, **entry_points):
    """Make a package that declares fencing drivers visible on sys.path."""
    dist_info = directory / 'hahealer_plugins_test-1.0.dist-info'
    dist_info.mkdir()
    (dist_info / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: hahealer-plugins-test\n'
        'Version: 1.0\n')
    lines = [f'{name} = {target}' for name, target in entry_points.items()]
    (dist_info / 'entry_points.txt').write_text(
        f'[{fencing.NAMESPACE}]\n' + '\n'.join(lines) + '\n')
    monkeypatch.syspath_prepend(str(directory))
    # stevedore lists a namespace once per process; list it again.
    monkeypatch.setattr(stevedore.ExtensionManager, 'ENTRY_POINT_CACHE', {})


def test_a_driver_from_another_package_is_found_by_name(
        tmp_path, monkeypatch):
    install_plugin_package(
        tmp_path, monkeypatch, plug='tests.unit.fencing.test_base:PlugDriver')
    assert 'plug' in fencing.available_drivers()
    driver = fencing.load_driver(
        'plug', 'compute-3', {'address': 'pdu-1', 'token': 'tk'}, 5)
    assert type(driver).__name__ == 'PlugDriver'
    assert fencing.mask_params('plug', {'token': 'tk'}) == {'token': '***'}


def test_a_driver_that_cannot_be_imported_says_why(tmp_path, monkeypatch):
    install_plugin_package(
        tmp_path, monkeypatch, broken='hahealer_no_such_module:Driver')
    with pytest.raises(exception.Invalid) as caught:
        fencing.driver_class('broken')
    assert "fencing driver 'broken' cannot be loaded" in str(caught.value)
    assert 'hahealer_no_such_module' in str(caught.value)


def test_an_entry_point_that_is_not_a_driver_is_refused(
        tmp_path, monkeypatch):
    install_plugin_package(
        tmp_path, monkeypatch, odd='hahealer.exception:Invalid')
    with pytest.raises(exception.Invalid,
                       match="'odd' is not a FencingDriver"):
        fencing.driver_class('odd')


def test_load_driver_validates_the_params():
    with pytest.raises(exception.Invalid, match='missing address'):
        fencing.load_driver('ipmi', 'compute-3',
                            {'username': 'admin', 'password': 'pw'}, 5)
