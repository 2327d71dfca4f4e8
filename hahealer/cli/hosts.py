"""``hahealer host create|list|show|update|delete``: the hosts of segments.

The engine masks a host's secret fencing parameters (the BMC password) in
every answer, so nothing here ever has one to print.
"""

import argparse

from cliff import command
from cliff import lister
from cliff import show

from hahealer.cli import app
from hahealer.cli import columns
from hahealer.cli import fencing_params

LIST_COLUMNS = ('name', 'uuid', 'segment', 'reserved', 'on_maintenance',
                'fencing_driver')
FORMATTERS = {'fencing_params': columns.DictColumn}


def _add_host_argument(parser):
    parser.add_argument('host', help='host name or UUID')


class CreateHost(show.ShowOne):
    """Add a compute host to a failover segment.

    The name is the host's name in Nova (its nova-compute service's host).
    See docs/fencing.md for the fencing drivers and their parameters.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', help='host name, as Nova knows it')
        parser.add_argument('--segment', required=True,
                            help='segment name or UUID')
        parser.add_argument('--reserved', action='store_true',
                            help='a spare: takes the instances of failed '
                                 'hosts in reserved_host recoveries')
        parser.add_argument('--on-maintenance', action='store_true',
                            help='its failures are not recovered')
        parser.add_argument('--fencing-driver', metavar='DRIVER',
                            help='how to power it off: ipmi, redfish, noop '
                                 'or an installed third-party driver')
        fencing_params.add_arguments(
            parser, "a fencing driver's parameter, e.g. address=10.0.0.3; "
                    "repeat for each")
        parser.add_argument('--no-nova-check', dest='nova_check',
                            action='store_false',
                            help='add it even though Nova has no compute '
                                 'service of that name (yet), e.g. while '
                                 'the host is being installed')
        return parser

    def take_action(self, args):
        record = self.app.inventory.create_host(
            args.name, args.segment, reserved=args.reserved,
            on_maintenance=args.on_maintenance,
            fencing_driver=args.fencing_driver,
            fencing_params=fencing_params.collect(args) or {},
            nova_check=args.nova_check)
        return columns.showable(record, FORMATTERS)


class ListHosts(lister.Lister):
    """List hosts."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--segment',
                            help='only the hosts of this segment (name or '
                                 'UUID)')
        return parser

    def take_action(self, args):
        return columns.listable(
            self.app.inventory.list_hosts(segment=args.segment), LIST_COLUMNS)


class ShowHost(show.ShowOne):
    """Show a host; secret fencing parameters read ***."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_host_argument(parser)
        return parser

    def take_action(self, args):
        return columns.showable(self.app.inventory.get_host(args.host),
                                FORMATTERS)


class UpdateHost(show.ShowOne):
    """Change a host: name, segment, reserved, maintenance, fencing."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_host_argument(parser)
        parser.add_argument('--name', help='new name')
        parser.add_argument('--segment', help='move it to this segment')
        parser.add_argument('--reserved',
                            action=argparse.BooleanOptionalAction,
                            help='make it a spare, or a regular host again')
        parser.add_argument('--on-maintenance',
                            action=argparse.BooleanOptionalAction,
                            help='put it on maintenance (its failures are '
                                 'not recovered), or take it off')
        fencing = parser.add_mutually_exclusive_group()
        fencing.add_argument('--fencing-driver', metavar='DRIVER',
                             help='a new fencing driver (its parameters stay '
                                  'unless --fencing-param is given)')
        fencing.add_argument('--no-fencing', action='store_true',
                             help='remove the fencing driver and its '
                                  'parameters')
        fencing_params.add_arguments(
            parser, 'sets these fencing parameters and keeps the others '
                    '(with a new --fencing-driver: replaces them all); '
                    'repeat for each')
        return parser

    def take_action(self, args):
        values = {key: value for key, value in (
            ('name', args.name), ('segment', args.segment),
            ('reserved', args.reserved),
            ('on_maintenance', args.on_maintenance),
            ('fencing_driver', args.fencing_driver)) if value is not None}
        params = fencing_params.collect(args)
        if params is not None:
            values['fencing_params'] = params
        if args.no_fencing:
            if params is not None:
                raise app.CommandError(
                    '--no-fencing removes the fencing parameters: do not '
                    'give --fencing-param with it')
            values.update(fencing_driver=None, fencing_params={})
        if not values:
            raise app.CommandError(
                'nothing to update: see "hahealer help host update"')
        return columns.showable(
            self.app.inventory.update_host(args.host, values), FORMATTERS)


class DeleteHost(command.Command):
    """Remove a host from its segment."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_host_argument(parser)
        return parser

    def take_action(self, args):
        self.app.inventory.delete_host(args.host)
