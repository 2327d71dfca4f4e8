"""hahealer-engine: the recovery engine service."""

import sys

from oslo_log import log as logging
from oslo_service import service

from hahealer import exception
from hahealer.cmd import common
from hahealer.engine import checks
from hahealer.engine import service as engine_service

LOG = logging.getLogger(__name__)


def main(argv=None):
    conf = common.init(sys.argv[1:] if argv is None else argv)
    try:
        checks.check_startup(conf)
    except exception.ConfigurationError as exc:
        LOG.error('%s', exc.message)
        print(f'hahealer-engine: {exc.message}', file=sys.stderr)
        return 1
    conf.log_opt_values(LOG, logging.DEBUG)
    launcher = service.launch(conf, engine_service.EngineService(conf),
                              restart_method='mutate')
    return launcher.wait()


if __name__ == '__main__':
    sys.exit(main())
