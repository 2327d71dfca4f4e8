"""What every hahealer command does first: options, config files, logs."""

from oslo_log import log as logging

from hahealer import rpc
from hahealer.conf import CONF

_QUIET_LIBRARIES = ['keystoneauth=WARN', 'novaclient=WARN', 'stevedore=WARN',
                    'taskflow=WARN', 'tooz=WARN', 'urllib3=WARN',
                    'alembic=WARN', 'oslo_service=WARN', 'cotyledon=WARN']


def init(args, cli_opts=(), log=True, default_config_files=None):
    """Parse ``args`` (command line without the program name) into CONF.

    ``default_config_files`` None reads oslo.config's standard locations
    (/etc/hahealer/hahealer.conf, ...); [] reads none. May be called again
    in one process (tests do): the previous parse is cleared first, so
    command-line options can be registered again.
    """
    CONF.clear()
    rpc.set_defaults(CONF)
    logging.register_options(CONF)
    logging.set_defaults(default_log_levels=(
        logging.get_default_log_levels() + _QUIET_LIBRARIES))
    CONF.register_cli_opts(cli_opts)
    CONF(args, project='hahealer',
         default_config_files=default_config_files,
         default_config_dirs=None if default_config_files is None else [])
    if log:
        logging.setup(CONF, 'hahealer')
    return CONF
