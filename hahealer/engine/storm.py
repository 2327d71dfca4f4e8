"""Storm protection: hold evacuations when too many hosts fail at once.

Many hosts failing together more often means a network partition or a
monitoring fault than dead hardware. Evacuating them would then run their
instances twice, and would swamp the spare capacity anyway. So past a
threshold the engine stops evacuating and asks an operator to decide.
"""

import datetime

from hahealer.conf import CONF
from hahealer.db import models


def hold_reason(database, hostname, segment_name, segment_size):
    """Why the recovery of ``hostname`` must be held, or None."""
    options = CONF.host_failure
    if options.storm_window <= 0:
        return None
    since = models.utcnow() - datetime.timedelta(seconds=options.storm_window)
    everywhere = database.failed_hosts_since(since) | {hostname}
    in_segment = (database.failed_hosts_since(since, segment_name)
                  | {hostname})
    percent = 100.0 * len(in_segment) / max(segment_size, 1)
    window = f'{options.storm_window:g} s'
    if percent > options.storm_max_failed_percent:
        return (f'{len(in_segment)} of the {segment_size} hosts of segment '
                f'{segment_name} ({percent:.0f} %) failed within {window}, '
                f'more than storm_max_failed_percent '
                f'({options.storm_max_failed_percent} %)')
    if len(everywhere) > options.storm_max_failed_hosts:
        return (f'{len(everywhere)} hosts failed within {window}, more than '
                f'storm_max_failed_hosts ({options.storm_max_failed_hosts})')
    return None
