"""``hahealer notification list|show|watch|retry``."""

import argparse
import shutil

from cliff import command
from cliff import lister
from cliff import show

from hahealer import notifications
from hahealer.cli import columns
from hahealer.cli import render
from hahealer.cli import timeline
from hahealer.db import api as db_api

LIST_COLUMNS = ('notification_uuid', 'type', 'hostname', 'status',
                'created_at')
LONG_COLUMNS = ('generated_time', 'started_at', 'finished_at', 'attempts',
                'reason')
FORMATTERS = {'payload': columns.DictColumn,
              'recovery_workflow_details': columns.WorkflowColumn}

#: exit code of ``watch`` when the recovery ended in error or failed (the
#: same as hahealer-notify --wait)
RECOVERY_UNSUCCESSFUL = 4


def positive_number(kind):
    """An argparse type: a number of ``kind`` (int or float) above 0."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or value <= 0:
            raise argparse.ArgumentTypeError(
                f'expected a number above 0, got {text!r}')
        return value
    return parse


class ListNotifications(lister.Lister):
    """List notifications, newest first."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--status', choices=db_api.STATUSES,
                            help='only notifications in this status')
        parser.add_argument('--type', choices=notifications.TYPES,
                            help='only notifications of this type')
        parser.add_argument('--host', metavar='HOSTNAME',
                            help='only notifications about this host')
        parser.add_argument('--since', metavar='ISO_TIME',
                            help='only notifications received at or after '
                                 'this time, e.g. 2026-11-21T03:00:00Z')
        parser.add_argument('--limit', type=positive_number(int),
                            default=100,
                            help='at most this many (default 100)')
        parser.add_argument('--marker', metavar='UUID',
                            help='the last notification of the previous '
                                 'page: list the ones after it')
        parser.add_argument('--long', action='store_true',
                            help='also show times, attempts and reason')
        return parser

    def take_action(self, args):
        filters = {'status': args.status, 'type': args.type,
                   'hostname': args.host, 'since': args.since}
        records = self.app.engine.list_notifications(
            filters={key: value for key, value in filters.items() if value},
            limit=args.limit, marker=args.marker)
        names = LIST_COLUMNS + (LONG_COLUMNS if args.long else ())
        return columns.listable(records, names)


class ShowNotification(show.ShowOne):
    """Show a notification with its recovery, task by task.

    Each task of the recovery in the order it ran, with its state and its
    messages (UTC times, progress). With --timeline, a picture instead:
    the host steps and one bar per instance on one time axis.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('uuid', help='notification UUID')
        parser.add_argument('--timeline', action='store_true',
                            help='draw the host steps (fence, force down, '
                                 'disable) and each instance (locked, '
                                 'evacuating, active, unlocked) on one '
                                 'time axis, as wide as the terminal')
        return parser

    def run(self, parsed_args):
        if not parsed_args.timeline:
            return super().run(parsed_args)
        record = self.app.engine.get_notification_recovery_workflow_details(
            parsed_args.uuid)
        vmoves = self.app.engine.list_vmoves(parsed_args.uuid)
        lines = timeline.draw(record, vmoves,
                              shutil.get_terminal_size().columns)
        self.app.stdout.write(''.join(f'{line}\n' for line in lines))
        return 0

    def take_action(self, args):
        record = self.app.engine.get_notification_recovery_workflow_details(
            args.uuid)
        return columns.showable(record, FORMATTERS)


class WatchNotification(command.Command):
    """Follow a recovery live until it ends.

    Shows a progress bar per task and the tasks' messages as they arrive.
    On a terminal the bars are redrawn in place; piped, the output is plain
    lines, without terminal control codes.

    Exit code: 0 when the notification ends finished or ignored, 4 when it
    ends in error or failed, 1 when the engine cannot be asked.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('uuid', help='notification UUID')
        parser.add_argument('--interval', type=positive_number(float),
                            default=1.0, metavar='SECONDS',
                            help='how often to ask the engine (default 1)')
        return parser

    def take_action(self, args):
        stdout = self.app.stdout
        record = render.follow(
            lambda: self.app.engine.get_notification_recovery_workflow_details(
                args.uuid),
            render.LiveView(stdout, render.is_terminal(stdout)),
            args.interval)
        if record['status'] in render.UNSUCCESSFUL:
            return RECOVERY_UNSUCCESSFUL
        return 0


class RetryNotification(show.ShowOne):
    """Run the recovery of a notification in error again.

    --force also releases a notification held by storm protection: do it
    only once you know the hosts really failed.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('uuid', help='notification UUID')
        parser.add_argument('--force', action='store_true',
                            help='release a notification held by storm '
                                 'protection')
        return parser

    def take_action(self, args):
        record = self.app.engine.retry_notification(args.uuid,
                                                    force=args.force)
        return columns.showable(record, FORMATTERS)
