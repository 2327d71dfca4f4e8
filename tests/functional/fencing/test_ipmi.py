"""The ipmi driver, running the real ipmitool against simulated BMCs."""

import time

import pytest

from hahealer import exception
from hahealer.fencing import base
from hahealer.fencing import ipmi
from hahealer.sim import bmc as sim_bmc
from tests.functional.fencing import helpers

pytestmark = pytest.mark.usefixtures('ipmitool_installed')

USERNAME = 'admin'
PASSWORD = 'Bmc-pass-7781'
TIMEOUT = 5.0


@pytest.fixture
def bmc():
    with sim_bmc.SimulatedBMC(USERNAME, PASSWORD) as simulated:
        yield simulated


def driver_for(simulated, timeout=TIMEOUT, **overrides):
    params = dict(simulated.fencing_params(), **overrides)
    return ipmi.IPMIDriver('compute-1', params, timeout)


def test_powers_off_a_powered_on_host(bmc):
    driver = driver_for(bmc)
    assert driver.get_power_state() == base.POWER_ON
    driver.power_off()
    assert driver.get_power_state() == base.POWER_OFF
    assert bmc.power_off_requests == 1


def test_power_stays_on_until_the_bmc_delay_has_passed(bmc):
    bmc.power_off_delay = 2.0
    driver = driver_for(bmc)
    driver.power_off()
    assert driver.get_power_state() == base.POWER_ON
    took = helpers.wait_for_power_state(driver, base.POWER_OFF, within=5)
    assert 1.5 <= took <= 3.0


def test_operator_privilege_and_explicit_options_work(bmc):
    driver = driver_for(bmc, privilege_level='OPERATOR', interface='lanplus',
                        port=str(bmc.port))
    driver.power_off()
    assert driver.get_power_state() == base.POWER_OFF


def test_wrong_password_fails_without_showing_any_password(
        bmc, every_log_record):
    wrong = 'Wrong-pass-5520'
    driver = driver_for(bmc, password=wrong)
    with pytest.raises(exception.FencingFailed) as caught:
        driver.power_off()
    message = str(caught.value)
    assert 'compute-1' in message
    assert 'Unable to establish IPMI v2 / RMCP+ session' in message
    assert wrong not in message and PASSWORD not in message
    assert bmc.power_state == 'on'
    helpers.assert_absent_from_logs(every_log_record, wrong)


def test_refusing_bmc_fails_the_power_off(bmc):
    bmc.refuse = True
    driver = driver_for(bmc)
    with pytest.raises(exception.FencingFailed) as caught:
        driver.power_off()
    assert 'Command not supported in present state' in str(caught.value)
    assert driver.get_power_state() == base.POWER_ON


def test_stuck_on_bmc_accepts_but_power_stays_on(bmc):
    bmc.stuck_on = True
    driver = driver_for(bmc)
    driver.power_off()
    assert bmc.power_off_requests == 1
    for _ in range(3):
        assert driver.get_power_state() == base.POWER_ON
        time.sleep(0.2)


def test_unresponsive_bmc_fails_within_the_timeout(bmc):
    bmc.unresponsive = True
    driver = driver_for(bmc, timeout=3.0)
    started = time.monotonic()
    with pytest.raises(exception.FencingFailed) as caught:
        driver.get_power_state()
    assert time.monotonic() - started < 3.5
    assert f'127.0.0.1:{bmc.port}' in str(caught.value)


def test_timeout_shorter_than_ipmitool_gives_up_still_holds(bmc):
    bmc.unresponsive = True
    driver = driver_for(bmc, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(exception.FencingFailed,
                       match='did not complete chassis power off within 1 s'):
        driver.power_off()
    assert time.monotonic() - started < 1.5
    assert bmc.power_off_requests == 0


def test_no_log_record_holds_the_password(bmc, every_log_record):
    driver = driver_for(bmc)
    driver.get_power_state()
    driver.power_off()
    bmc.refuse = True
    with pytest.raises(exception.FencingFailed):
        driver.power_off()
    helpers.assert_absent_from_logs(every_log_record, PASSWORD)
