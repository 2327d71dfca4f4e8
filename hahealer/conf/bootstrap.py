"""What every hahealer program does first: options, config files, logs;
and what it does last when it fails: the reason on stderr."""

import contextlib
import re
import sys
import typing

import oslo_messaging as messaging
import sqlalchemy as sa
from alembic import util as alembic_util
from oslo_config import cfg
from oslo_log import log as logging
from taskflow import exceptions as tf_exc

import hahealer
from hahealer import exception
from hahealer.conf import CONF
from hahealer.db import secrets

LOG = logging.getLogger(__name__)

#: the exchange of hahealer's RPC topics on the transport
CONTROL_EXCHANGE = 'hahealer'

_QUIET_LIBRARIES = ['keystoneauth=WARN', 'novaclient=WARN', 'stevedore=WARN',
                    'taskflow=WARN', 'tooz=WARN', 'urllib3=WARN',
                    'alembic=WARN', 'oslo_service=WARN', 'cotyledon=WARN']

# Failures a program explains in one line instead of a traceback.
_EXPLAINED = (exception.HahealerException, cfg.Error, sa.exc.SQLAlchemyError,
              alembic_util.CommandError, tf_exc.TaskFlowException, OSError)

# oslo.config names where a bad value came from with its internal repr.
_LOCATION = re.compile(r"from LocationInfo\(location=<Locations\.\w+: "
                       r"\([^)]*\)>, detail='([^']*)'\)")


def describe(exc: BaseException) -> str:
    """One line saying what went wrong, without library internals."""
    if isinstance(exc, exception.HahealerException):
        return str(exc.message)
    if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
        return f'database error: {str(exc.orig).strip().splitlines()[0]}'
    if isinstance(exc, tf_exc.TaskFlowException) and exc.cause is not None:
        return f'{exc}: {describe(exc.cause)}'
    return _LOCATION.sub(r'in \1', str(exc)) or type(exc).__name__


@contextlib.contextmanager
def failures_reported(prog: str) -> typing.Iterator[None]:
    """Exit 1 with the reason on stderr (and in the log) on a failure.

    stderr gets it whatever the logging configuration says: with
    log_file set, the log alone would leave the operator with nothing.
    """
    try:
        yield
    except _EXPLAINED as exc:
        reason = describe(exc)
        LOG.error('%s', reason)
        print(f'{prog}: {reason}', file=sys.stderr)
        raise SystemExit(1) from None


def set_messaging_defaults() -> None:
    """hahealer's messaging defaults.

    oslo.messaging's own default transport_url, ``rabbit://``, already means
    the local RabbitMQ as guest.
    """
    messaging.set_transport_defaults(control_exchange=CONTROL_EXCHANGE)


def init(args: list[str], cli_opts: typing.Sequence[cfg.Opt] = (),
         log: bool = True, default_config_files: list[str] | None = None,
         prog: str = 'hahealer') -> cfg.ConfigOpts:
    """Parse ``args`` (command line without the program name) into CONF.

    ``default_config_files`` None reads oslo.config's standard locations
    (/etc/hahealer/hahealer.conf, ...); [] reads none. May be called again
    in one process (tests do): the previous parse is cleared first, so
    command-line options can be registered again.
    """
    CONF.clear()
    set_messaging_defaults()
    logging.register_options(CONF)
    logging.set_defaults(default_log_levels=(
        logging.get_default_log_levels() + _QUIET_LIBRARIES))
    CONF.register_cli_opts(cli_opts)
    with failures_reported(prog):
        CONF(args, project='hahealer', version=hahealer.__version__,
             default_config_files=default_config_files,
             default_config_dirs=None if default_config_files is None
             else [])
        if log:
            logging.setup(CONF, 'hahealer')
        secrets.use_keys(CONF.fencing.secret_keys)
    return CONF
