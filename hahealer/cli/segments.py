"""``hahealer segment create|list|show|update|delete``: failover segments.

A failover segment groups the compute hosts that take over each other's
instances; its recovery method says where a failed host's instances go.
"""

from cliff import command
from cliff import lister
from cliff import show

from hahealer.cli import app
from hahealer.cli import columns
from hahealer.db import api as db_api

LIST_COLUMNS = ('name', 'uuid', 'recovery_method', 'enabled',
                'description')
RECOVERY_METHOD_HELP = (
    'where a failed host\'s instances go: auto (hosts Nova\'s scheduler '
    'picks), reserved_host (the segment\'s reserved hosts), auto_priority '
    '(auto, then reserved hosts), rh_priority (reserved hosts, then auto)')


def _add_segment_argument(parser):
    parser.add_argument('segment', help='segment name or UUID')


class CreateSegment(show.ShowOne):
    """Create a failover segment."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', help='segment name')
        parser.add_argument('--recovery-method', required=True,
                            choices=db_api.RECOVERY_METHODS,
                            help=RECOVERY_METHOD_HELP)
        parser.add_argument('--description')
        parser.add_argument('--disabled', action='store_true',
                            help='create it disabled: notifications about '
                                 'its hosts are recorded as ignored')
        return parser

    def take_action(self, args):
        return columns.showable(self.app.inventory.create_segment(
            args.name, args.recovery_method, description=args.description,
            enabled=not args.disabled))


class ListSegments(lister.Lister):
    """List failover segments."""

    def take_action(self, args):
        return columns.listable(self.app.inventory.list_segments(),
                                LIST_COLUMNS)


class ShowSegment(show.ShowOne):
    """Show a failover segment."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_segment_argument(parser)
        return parser

    def take_action(self, args):
        return columns.showable(self.app.inventory.get_segment(args.segment))


class UpdateSegment(show.ShowOne):
    """Change a failover segment."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_segment_argument(parser)
        parser.add_argument('--name', help='new name')
        parser.add_argument('--recovery-method',
                            choices=db_api.RECOVERY_METHODS,
                            help=RECOVERY_METHOD_HELP)
        parser.add_argument('--description')
        enabled = parser.add_mutually_exclusive_group()
        enabled.add_argument('--enable', dest='enabled', action='store_const',
                             const=True, help='recover its hosts again')
        enabled.add_argument('--disable', dest='enabled',
                             action='store_const', const=False,
                             help='record notifications about its hosts as '
                                  'ignored')
        return parser

    def take_action(self, args):
        values = {key: value for key, value in (
            ('name', args.name), ('recovery_method', args.recovery_method),
            ('description', args.description), ('enabled', args.enabled))
            if value is not None}
        if not values:
            raise app.CommandError(
                'nothing to update: give --name, --recovery-method, '
                '--description, --enable or --disable')
        return columns.showable(
            self.app.inventory.update_segment(args.segment, values))


class DeleteSegment(command.Command):
    """Delete a failover segment that has no hosts left."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_segment_argument(parser)
        return parser

    def take_action(self, args):
        self.app.inventory.delete_segment(args.segment)
