"""``hahealer flows show``: the recovery flows the configuration builds.

Reads [taskflow_driver_recovery_flows] from the config files and resolves
every task name through its entry point, as the engine does at start-up;
no engine is asked. The engine's flow modules are imported only when the
command runs: cliff imports every command module at start-up, and they
would slow down every other command.
"""

from cliff import lister

from hahealer.cli import app
from hahealer.cli import columns
from hahealer.db import api as db_api

COLUMNS = ('flow', 'stage', 'task', 'class', 'requires', 'optional',
           'provides')
FLOW_TYPES = ('process', 'instance', 'host')


def selected_kinds(flow_type, recovery_method):
    """The flows to show, in the order the engine would run them."""
    from hahealer.engine import flows

    if recovery_method:
        if flow_type not in (None, 'host'):
            raise app.CommandError(
                f'--recovery-method selects host failure flows; it does '
                f'not go with --type {flow_type}')
        return flows.HOST_FLOWS_BY_METHOD[recovery_method]
    if flow_type == 'host':
        # Every host failure flow a recovery method can run.
        return tuple(dict.fromkeys(
            kind for kinds in flows.HOST_FLOWS_BY_METHOD.values()
            for kind in kinds))
    if flow_type:
        return {'process': (flows.PROCESS,),
                'instance': (flows.INSTANCE,)}[flow_type]
    return flows.KINDS


def task_rows(kind):
    """One row per task of ``kind``'s flow, in execution order."""
    from hahealer.engine import flows
    from hahealer.tasks import base

    # Tasks are built as the engine's start-up validation builds them,
    # with nothing to act on: only their declared inputs are read.
    context = base.RecoveryContext('flows-show')
    resources = base.Resources(nova=None)
    rows = []
    for stage, tasks in flows.resolve(kind).items():
        for name, task_class in tasks:
            task = task_class(context, resources, name=name)
            rows.append((
                kind.name, stage, name,
                f'{task_class.__module__}:{task_class.__qualname__}',
                columns.ListColumn(sorted(task.requires)),
                columns.ListColumn(sorted(task.optional)),
                columns.ListColumn(sorted(task.provides))))
    return rows


class ShowFlows(lister.Lister):
    """Show the recovery flows the configuration builds.

    Each task in execution order, the class behind its name, and what it
    requires and provides.

    Reads the config files (--config-file); no engine is needed. A host
    failure with the recovery method auto_priority or rh_priority runs two
    flows, the second when the first fails: both are shown, in that order.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--type', choices=FLOW_TYPES,
                            help='only the flows of this kind of failure')
        parser.add_argument('--recovery-method',
                            choices=db_api.RECOVERY_METHODS,
                            help='the host failure flows of a segment with '
                                 'this recovery method')
        return parser

    def take_action(self, args):
        self.app.load_config()
        rows = []
        for kind in selected_kinds(args.type, args.recovery_method):
            rows.extend(task_rows(kind))
        return COLUMNS, rows
