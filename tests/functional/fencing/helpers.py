"""Checks shared by the fencing functional tests."""

import time

import pytest


def wait_for_power_state(driver, state, within):
    """Poll the driver until it reports state; return the seconds taken."""
    started = time.monotonic()
    while driver.get_power_state() != state:
        if time.monotonic() - started > within:
            pytest.fail(f"{driver.host_name} did not report power {state} "
                        f"within {within} s")
        time.sleep(0.2)
    return time.monotonic() - started


def assert_absent_from_logs(caplog, secret):
    assert caplog.records, 'nothing was logged: the check would prove nothing'
    for record in caplog.records:
        # The formatted record includes any traceback that came with it.
        text = caplog.handler.format(record)
        assert secret not in text, text
