"""The cliff application and its link to the engine.

Commands reach the engine through ``app.engine``, and segments and hosts
through ``app.inventory``: hahealer-api when OpenStack's options name a
cloud (hahealer.cli.rest), else the engine. Both turn every failure
into one line an operator can act on: the engine's own message, or the fact
that no engine answered. Tracebacks appear only with ``--debug``.
"""

import functools
import importlib.metadata
import sys

import oslo_messaging as messaging
from cliff import app
from cliff import commandmanager
from oslo_config import cfg

from hahealer import exception
from hahealer import openstack_options
from hahealer import rpc
from hahealer.cli import rest
from hahealer.conf import bootstrap

COMMAND_NAMESPACE = 'hahealer.cli'
DEFAULT_TIMEOUT = 30.0


class CommandError(Exception):
    """A failure the operator can act on; cliff prints it as one line."""


class Engine:
    """The engine's RPC API (``rpc.EngineClient``) for commands.

    Every method of EngineClient is available without its request context
    argument. Remote errors arrive with the engine's traceback in their
    text; only their message is kept.
    """

    def __init__(self, config_files, timeout):
        self._client = rpc.EngineClient.from_config_files(config_files,
                                                          timeout=timeout)
        self._timeout = timeout

    def __getattr__(self, name):
        method = getattr(self._client, name)

        @functools.wraps(method)
        def call(*args, **kwargs):
            try:
                return method(None, *args, **kwargs)
            except exception.HahealerException as exc:
                raise CommandError(exc.message) from exc
            except messaging.MessagingTimeout as exc:
                raise CommandError(
                    f'no answer from the engine on topic '
                    f'{self._client.topic} within {self._timeout:g} s: is '
                    f'an engine running and the message broker '
                    f'reachable?') from exc
            except messaging.RemoteError as exc:
                # Not one of the engine's own errors: a fault in it.
                raise CommandError(
                    f'the engine failed: {exc.exc_type}: {exc.value} (its '
                    f'log has the details)') from exc
            except messaging.MessagingException as exc:
                raise CommandError(
                    f'cannot reach the engine on topic '
                    f'{self._client.topic}: {exc}') from exc

        return call

    def close(self):
        self._client.close()


class HahealerApp(app.App):
    """``hahealer``: one command per entry point of the hahealer.cli
    namespace."""

    # The console shows warnings and errors; library chatter (connections,
    # migrations) shows with -v, debug logs with -vv.
    DEFAULT_VERBOSE_LEVEL = 0

    def __init__(self):
        super().__init__(
            description='Operate the hahealer recovery engine: '
                        'notifications, failover segments, hosts, '
                        'recovery flows and configuration.',
            version=importlib.metadata.version('hahealer'),
            command_manager=commandmanager.CommandManager(
                COMMAND_NAMESPACE),
            deferred_help=True)
        self._engine = None
        self._inventory = None

    def build_option_parser(self, description, version,
                            argparse_kwargs=None):
        parser = super().build_option_parser(description, version,
                                             argparse_kwargs)
        parser.add_argument(
            '--config-file', action='append', dest='config_files',
            default=[], metavar='PATH',
            help='hahealer config file (transport_url, engine_topic; the '
                 'whole engine configuration for "flows show" and "config '
                 'validate"); may be repeated. Default: the standard '
                 'locations, e.g. /etc/hahealer/hahealer.conf')
        # cliff builds the parser before it sees the command line; the
        # OpenStack options peek at it for --os-cloud.
        try:
            openstack_options.register_options(parser, sys.argv[1:])
        except exception.Invalid as exc:
            # e.g. OS_CLOUD names no cloud; cliff reports nothing yet.
            parser.exit(1, f'hahealer: {exc.message}\n')
        # keystoneauth's --timeout bounds the engine's answers too, with
        # hahealer's default instead of its 600 s.
        parser.set_defaults(timeout=DEFAULT_TIMEOUT)
        return parser

    @property
    def config_files(self):
        """The files given, or oslo.config's standard ones that exist."""
        return (self.options.config_files
                or cfg.find_config_files(project='hahealer'))

    def load_config(self):
        """The whole hahealer configuration from the config files, in
        CONF, for commands that check it without an engine."""
        return bootstrap.init([arg for path in self.config_files
                               for arg in ('--config-file', path)],
                              log=False)

    @property
    def inventory(self):
        """Where segments and hosts are managed: hahealer-api when the
        OpenStack options name a cloud, else the engine over RPC."""
        if openstack_options.wanted(self.options):
            if self._inventory is None:
                self._inventory = rest.RestInventory(self.options)
            return self._inventory
        return self.engine

    @property
    def engine(self):
        """The engine, connected on first use."""
        if self._engine is None:
            self._engine = Engine(self.config_files, self.options.timeout)
        return self._engine

    def clean_up(self, cmd, result, err):
        if self._engine is not None:
            self._engine.close()
            self._engine = None
