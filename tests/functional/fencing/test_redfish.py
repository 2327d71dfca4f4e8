"""The redfish driver against sushy-tools' emulator and a failing peer."""

import time

import pytest

from hahealer import exception
from hahealer.fencing import base
from hahealer.fencing import redfish
from tests.functional.fencing import helpers
from tests.functional.fencing import redfish_peer
from tests.functional.fencing import sushy_emulator

USERNAME = 'admin'
PASSWORD = 'Redfish-pass-3141'
TIMEOUT = 5.0
# The emulator applies a power change 1 to 11 s after accepting it.
EMULATOR_POWER_DELAY = 15.0

SYSTEMS = {
    'on-read': ('6e1f0c0a-0000-4000-8000-000000000001', 'On'),
    'on-fence': ('6e1f0c0a-0000-4000-8000-000000000002', 'On'),
    'on-logs': ('6e1f0c0a-0000-4000-8000-000000000004', 'On'),
}


@pytest.fixture(scope='module')
def emulator(tmp_path_factory):
    running = sushy_emulator.SushyEmulator(
        tmp_path_factory.mktemp('sushy-emulator'), SYSTEMS, USERNAME,
        PASSWORD).start()
    yield running
    running.stop()


@pytest.fixture
def peer():
    with redfish_peer.RedfishPeer(USERNAME, PASSWORD) as running:
        yield running


def driver(params, timeout=TIMEOUT, **overrides):
    return redfish.RedfishDriver('compute-2', dict(params, **overrides),
                                 timeout)


# --- sushy-tools' emulator -------------------------------------------------

def test_reads_the_power_state(emulator):
    fencing = driver(emulator.fencing_params('on-read'))
    assert fencing.get_power_state() == base.POWER_ON


def test_powers_off_and_reads_off_once_applied(emulator):
    fencing = driver(emulator.fencing_params('on-fence'))
    assert fencing.get_power_state() == base.POWER_ON
    fencing.power_off()
    helpers.wait_for_power_state(fencing, base.POWER_OFF,
                                 within=EMULATOR_POWER_DELAY)


def test_system_id_may_be_the_bare_id(emulator):
    fencing = driver(emulator.fencing_params('on-read'),
                     system_id=SYSTEMS['on-read'][0])
    assert fencing.get_power_state() == base.POWER_ON


def test_without_system_id_several_systems_need_one(emulator):
    params = emulator.fencing_params('on-read')
    del params['system_id']
    with pytest.raises(exception.FencingFailed, match='set system_id'):
        driver(params).get_power_state()


def test_unknown_system_fails(emulator):
    fencing = driver(emulator.fencing_params('on-read'), system_id='nope')
    with pytest.raises(exception.FencingFailed) as caught:
        fencing.get_power_state()
    assert 'Systems/nope not found' in str(caught.value)


def test_wrong_password_fails_without_showing_any_password(
        emulator, every_log_record):
    wrong = 'Wrong-redfish-9001'
    fencing = driver(emulator.fencing_params('on-read'), password=wrong)
    with pytest.raises(exception.FencingFailed) as caught:
        fencing.power_off()
    message = str(caught.value)
    assert '401' in message and 'compute-2' in message
    assert wrong not in message and PASSWORD not in message
    helpers.assert_absent_from_logs(every_log_record, wrong)


def test_no_log_record_holds_the_password(emulator, every_log_record):
    fencing = driver(emulator.fencing_params('on-logs'))
    fencing.get_power_state()
    fencing.power_off()
    with pytest.raises(exception.FencingFailed):
        driver(emulator.fencing_params('on-logs'),
               system_id='nope').get_power_state()
    helpers.assert_absent_from_logs(every_log_record, PASSWORD)


# --- failures the emulator cannot play: a local peer -------------------------

def test_single_system_is_found_without_system_id_and_off_is_read_at_once(
        peer):
    fencing = driver(peer.fencing_params())
    assert fencing.get_power_state() == base.POWER_ON
    fencing.power_off()
    assert fencing.get_power_state() == base.POWER_OFF
    assert peer.reset_requests == ['ForceOff']


def test_refusing_bmc_fails_the_power_off(peer):
    peer.refuse = True
    fencing = driver(peer.fencing_params())
    with pytest.raises(exception.FencingFailed) as caught:
        fencing.power_off()
    assert 'The reset is not allowed now.' in str(caught.value)
    assert fencing.get_power_state() == base.POWER_ON


def test_stuck_on_bmc_accepts_but_power_stays_on(peer):
    peer.stuck_on = True
    fencing = driver(peer.fencing_params())
    fencing.power_off()
    assert peer.reset_requests == ['ForceOff']
    for _ in range(3):
        assert fencing.get_power_state() == base.POWER_ON
        time.sleep(0.2)


def test_unresponsive_bmc_fails_within_the_timeout(peer):
    peer.unresponsive = True
    fencing = driver(peer.fencing_params(), timeout=1.0)
    started = time.monotonic()
    with pytest.raises(exception.FencingFailed, match='timed out'):
        fencing.get_power_state()
    assert time.monotonic() - started < 1.5


def test_bmc_that_stops_answering_midway_fails_within_the_timeout(peer):
    fencing = driver(peer.fencing_params(), timeout=1.0)
    assert fencing.get_power_state() == base.POWER_ON
    peer.unresponsive = True
    started = time.monotonic()
    with pytest.raises(exception.FencingFailed):
        fencing.power_off()
    assert time.monotonic() - started < 1.5
