import logging
import shutil

import pytest


@pytest.fixture
def ipmitool_installed():
    """The IPMI tests run the real ipmitool: without it they fail."""
    if shutil.which('ipmitool') is None:
        pytest.fail("ipmitool is not installed, and the IPMI fencing "
                    "driver runs it: apt-get install -y ipmitool")


@pytest.fixture
def every_log_record(caplog):
    """All log records of every logger, down to DEBUG."""
    caplog.set_level(logging.DEBUG)
    return caplog
