"""hahealer's configuration: every option group, registered in one place."""

from oslo_config import cfg

from hahealer.conf import api
from hahealer.conf import coordination
from hahealer.conf import database
from hahealer.conf import default
from hahealer.conf import fencing
from hahealer.conf import flows
from hahealer.conf import host_failure
from hahealer.conf import instance_failure
from hahealer.conf import metrics
from hahealer.conf import nova
from hahealer.conf import process_failure
from hahealer.conf import taskflow

CONF = cfg.CONF

ALL_GROUPS = (default, database, taskflow, flows, host_failure,
              instance_failure, process_failure, nova, coordination,
              fencing, metrics, api)

for _module in ALL_GROUPS:
    _module.register_opts(CONF)
