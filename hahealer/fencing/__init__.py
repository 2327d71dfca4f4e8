"""Fencing: powering a failed host off before its instances are rebuilt.

Only ``base`` is imported here; each driver module (and the client library
it needs) is imported when its driver is first loaded.
"""

from hahealer.fencing.base import MASK
from hahealer.fencing.base import NAMESPACE
from hahealer.fencing.base import POWER_OFF
from hahealer.fencing.base import POWER_ON
from hahealer.fencing.base import FencingDriver
from hahealer.fencing.base import available_drivers
from hahealer.fencing.base import driver_class
from hahealer.fencing.base import mask_params

__all__ = [
    'MASK', 'NAMESPACE', 'POWER_OFF', 'POWER_ON', 'FencingDriver',
    'available_drivers', 'driver_class', 'load_driver', 'mask_params',
]


def load_driver(name: str, host_name: str, params: dict,
                timeout: float) -> FencingDriver:
    """Build the named driver for one host.

    :raises Invalid: unknown driver name (the message lists the available
        ones), or parameters the driver does not accept.
    """
    return driver_class(name)(host_name, params, timeout)
