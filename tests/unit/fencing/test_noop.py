import logging

import pytest

from hahealer import exception
from hahealer.fencing import base
from hahealer.fencing import noop


def test_reports_off_and_warns_that_nothing_was_powered_off(caplog):
    driver = noop.NoopDriver('compute-7', {}, 5)
    with caplog.at_level(logging.WARNING, logger='hahealer.fencing.noop'):
        driver.power_off()
    assert driver.get_power_state() == base.POWER_OFF
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "No power-off took place for host compute-7: its fencing driver "
        "is noop")


def test_takes_no_params():
    with pytest.raises(exception.Invalid, match='unknown address'):
        noop.NoopDriver('compute-7', {'address': '10.0.0.7'}, 5)
