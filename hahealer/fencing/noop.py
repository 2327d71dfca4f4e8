"""A driver that fences nothing.

For labs where the operator has decided that fencing is not needed. It
reports every host as off, so a recovery goes on as if the host had been
powered off: instances may then run twice if the host was still alive.
"""

import logging

from hahealer.fencing import base

LOG = logging.getLogger(__name__)


class NoopDriver(base.FencingDriver):
    """Does nothing and reports the host off."""

    fences = False

    def get_power_state(self) -> str:
        return base.POWER_OFF

    def power_off(self) -> None:
        LOG.warning("No power-off took place for host %s: its fencing "
                    "driver is noop", self.host_name)
