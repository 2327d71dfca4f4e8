"""hahealer-engine: the recovery engine service.

One process: an init system (systemd, a container runtime) supervises it.
SIGTERM or SIGINT stops it gracefully: no new work, running recoveries
finish within [DEFAULT] shutdown_grace_period, the rest are left to be
resumed.
"""

import signal
import sys
import threading

from oslo_log import log as logging
from oslo_service import service

from hahealer.conf import bootstrap
from hahealer.engine import checks
from hahealer.engine import service as engine_service

LOG = logging.getLogger(__name__)
PROG = 'hahealer-engine'


def main(argv=None):
    conf = bootstrap.init(sys.argv[1:] if argv is None else argv, prog=PROG)
    with bootstrap.failures_reported(PROG):
        checks.check_startup(conf)
    conf.log_opt_values(LOG, logging.DEBUG)
    stop_requested = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop_requested.set())
    engine = engine_service.EngineService(conf)
    launcher = service.Launcher(conf, restart_method='mutate')
    launcher.launch_service(engine)
    while not stop_requested.wait(0.5):
        if engine.start_error is not None:
            break
    launcher.stop()
    if engine.start_error is not None:
        print(f'{PROG}: could not start: {engine.start_error}',
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
