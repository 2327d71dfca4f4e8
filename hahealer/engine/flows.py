"""Recovery flows: task lists from config, resolved through entry points.

Each kind of recovery is a taskflow linear flow of three stages, pre, main
and post, whose task names come from [taskflow_driver_recovery_flows]. A
name is an entry point in the ``hahealer.task_flow.tasks`` namespace, so
operators reorder and replace tasks in config, and deployers add tasks from
their own packages. The engine checks every flow once at start-up:
``validate`` names the option, the task and the choices of any mistake.
"""

import dataclasses
import functools

import stevedore
from taskflow import retry
from taskflow.patterns import linear_flow

from hahealer import exception
from hahealer.conf import CONF
from hahealer.tasks import base
from hahealer.tasks import keys

TASK_NAMESPACE = 'hahealer.task_flow.tasks'
STAGES = ('pre', 'main', 'post')


@dataclasses.dataclass(frozen=True)
class FlowKind:
    name: str
    option: str
    #: what the engine puts in the store for this kind
    inputs: tuple
    #: retry the post stage over the reserved hosts
    over_reserved_hosts: bool = False


PROCESS = FlowKind('process_failure', 'process_failure_recovery_tasks',
                   (keys.HOST_NAME, keys.PROCESS_NAME))
INSTANCE = FlowKind('instance_failure', 'instance_failure_recovery_tasks',
                    (keys.HOST_NAME, keys.INSTANCE_UUID))
HOST_AUTO = FlowKind('host_auto_failure', 'host_auto_failure_recovery_tasks',
                     (keys.HOST_NAME, keys.SEGMENT_NAME))
HOST_RH = FlowKind('host_rh_failure', 'host_rh_failure_recovery_tasks',
                   (keys.HOST_NAME, keys.SEGMENT_NAME,
                    keys.RESERVED_HOST_LIST),
                   over_reserved_hosts=True)
HOST_STARTED = FlowKind('host_started', 'host_started_recovery_tasks',
                        (keys.HOST_NAME, keys.SEGMENT_NAME))
KINDS = (PROCESS, INSTANCE, HOST_AUTO, HOST_RH, HOST_STARTED)

#: the host flows tried, in order, for each segment recovery method
HOST_FLOWS_BY_METHOD = {
    'auto': (HOST_AUTO,),
    'reserved_host': (HOST_RH,),
    'auto_priority': (HOST_AUTO, HOST_RH),
    'rh_priority': (HOST_RH, HOST_AUTO),
}


@functools.cache
def available_tasks():
    """{name: task class} of every loadable entry point, and load errors."""
    errors = {}

    def on_failure(manager, entry_point, exc):
        errors[entry_point.name] = f'{type(exc).__name__}: {exc}'

    manager = stevedore.ExtensionManager(
        TASK_NAMESPACE, invoke_on_load=False,
        on_load_failure_callback=on_failure)
    classes, targets = {}, {}
    for ext in manager:
        targets.setdefault(ext.name, []).append(ext.entry_point.value)
        classes[ext.name] = ext.plugin
    for name, values in targets.items():
        if len(values) > 1:
            # Which one wins would depend on installation order.
            errors[name] = (f"the name is registered more than once: "
                            f"{', '.join(values)}")
    return classes, errors


def stage_task_names(kind):
    """The configured {stage: [task names]} of ``kind``, checked for form."""
    configured = getattr(CONF.taskflow_driver_recovery_flows, kind.option)
    where = f'[taskflow_driver_recovery_flows] {kind.option}'
    unknown = sorted(set(configured) - set(STAGES))
    if unknown:
        raise exception.ConfigurationError(
            reason=f"{where}: unknown stage {', '.join(unknown)}; the "
                   f"stages are {', '.join(STAGES)}")
    names = {stage: list(configured.get(stage) or []) for stage in STAGES}
    seen = set()
    for stage in STAGES:
        for name in names[stage]:
            if name in seen:
                raise exception.ConfigurationError(
                    reason=f"{where}: task '{name}' is listed twice; a "
                           f"task runs once per flow")
            seen.add(name)
    return names


def resolve(kind):
    """The configured {stage: [(name, task class)]} of ``kind``."""
    where = f'[taskflow_driver_recovery_flows] {kind.option}'
    classes, load_errors = available_tasks()
    resolved = {}
    for stage, names in stage_task_names(kind).items():
        resolved[stage] = []
        for name in names:
            if name in load_errors:
                raise exception.ConfigurationError(
                    reason=f"{where}: task '{name}' could not be loaded: "
                           f"{load_errors[name]}")
            if name not in classes:
                raise exception.ConfigurationError(
                    reason=f"{where}: unknown task '{name}' in stage "
                           f"'{stage}'; available tasks: "
                           f"{', '.join(sorted(classes))}")
            task_class = classes[name]
            if not (isinstance(task_class, type)
                    and issubclass(task_class, base.HealerTask)):
                raise exception.ConfigurationError(
                    reason=f"{where}: entry point '{name}' is "
                           f"{task_class!r}, not a subclass of "
                           f"hahealer.tasks.base.HealerTask")
            resolved[stage].append((name, task_class))
    return resolved


def build(kind, context, resources):
    """A fresh linear flow for one recovery of ``kind``."""
    flow = linear_flow.Flow(kind.name)
    for stage, tasks in resolve(kind).items():
        stage_retry = None
        if stage == 'post' and kind.over_reserved_hosts:
            # Try the reserved hosts one after another until one takes
            # the instances.
            stage_retry = retry.ParameterizedForEach(
                name='reserved_host_retry',
                rebind=[keys.RESERVED_HOST_LIST],
                provides=keys.RESERVED_HOST)
        stage_flow = linear_flow.Flow(f'{kind.name}_{stage}',
                                      retry=stage_retry)
        for name, task_class in tasks:
            stage_flow.add(_make_task(kind, name, task_class, context,
                                      resources))
        flow.add(stage_flow)
    return flow


def _make_task(kind, name, task_class, context, resources):
    try:
        return task_class(context, resources, name=name)
    except Exception as exc:
        reason = getattr(exc, 'kwargs', {}).get('reason') or (
            f'{type(exc).__name__}: {exc}')
        raise exception.ConfigurationError(
            reason=f"[taskflow_driver_recovery_flows] {kind.option}: task "
                   f"'{name}' could not be built: {reason}") from exc


def validate(kind):
    """Check that ``kind``'s flow builds and every input is provided."""
    where = f'[taskflow_driver_recovery_flows] {kind.option}'
    flow = build(kind, base.RecoveryContext('validation'),
                 base.Resources(nova=None))
    available = set(kind.inputs)
    if kind.over_reserved_hosts:
        available.add(keys.RESERVED_HOST)
    for atom in _atoms_in_order(flow):
        missing = sorted(set(atom.requires) - available)
        if missing:
            raise exception.ConfigurationError(
                reason=f"{where}: task '{atom.name}' requires "
                       f"{', '.join(missing)}, which neither the "
                       f"notification ({', '.join(kind.inputs)}) nor an "
                       f"earlier task provides")
        available.update(atom.provides)


def _atoms_in_order(flow):
    for item, _ in flow.iter_nodes():
        if isinstance(item, linear_flow.Flow):
            yield from _atoms_in_order(item)
        else:
            yield item


def validate_all():
    """Check every configured flow; raise one error listing all problems."""
    problems = []
    for kind in KINDS:
        try:
            validate(kind)
        except exception.ConfigurationError as exc:
            problems.append(exc.kwargs.get('reason', exc.message))
    if problems:
        raise exception.ConfigurationError(reason='; '.join(problems))
