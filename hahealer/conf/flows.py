"""[taskflow_driver_recovery_flows] options: the task lists of each flow.

The option names, format and defaults are Masakari's, so its section can be
copied here unchanged.
"""

from oslo_config import cfg
from oslo_config import types

GROUP = 'taskflow_driver_recovery_flows'



class TaskLists(types.ConfigType):
    """Task names per stage: ``pre:a,b,main:c,post:d``.

    A name with a colon starts a stage; names after it belong to it.
    Masakari's bracketed form ``pre:['a','b'],main:['c'],post:[]`` is read
    the same way, so its sections can be copied unchanged.
    """

    def __init__(self):
        super().__init__(type_name='task lists value')

    def __call__(self, value):
        if isinstance(value, dict):
            return {stage: list(names) for stage, names in value.items()}
        stages, current = {}, None
        for token in value.replace('[', '').replace(']', '').split(','):
            token = token.strip()
            if ':' in token:
                stage, _, token = token.partition(':')
                current = stages.setdefault(stage.strip(), [])
            elif current is None and token:
                raise ValueError(f"task '{token}' comes before any stage; "
                                 f"write pre:TASK,...,main:TASK,...,"
                                 f"post:TASK,...")
            token = token.strip().strip('\'"')
            if token:
                current.append(token)
        return stages

    def __eq__(self, other):
        return type(self) is type(other)

    def _formatter(self, value):
        return ','.join(f"{stage}:{','.join(names)}"
                        for stage, names in value.items())


_task_lists = TaskLists()

_HELP_TAIL = """
Each value names the tasks of the stages pre, main and post, run in the
order given. Every name is an entry point in the namespace
'hahealer.task_flow.tasks': a built-in task, or one that a deployer
installs from their own package. An unknown name stops the engine at
start-up, naming the option and the available tasks.
"""

recovery_flow_opts = [
    cfg.Opt(
        'process_failure_recovery_tasks',
        type=_task_lists,
        default={'pre': ['disable_compute_node_task'],
                 'main': ['confirm_compute_node_disabled_task'],
                 'post': []},
        help="""
Tasks of the process failure recovery: by default disable the host's
nova-compute service so nothing new lands there, then confirm Nova shows it
disabled.

Example: pre:disable_compute_node_task,main:confirm_compute_node_disabled_task
""" + _HELP_TAIL),
    cfg.Opt(
        'instance_failure_recovery_tasks',
        type=_task_lists,
        default={'pre': ['stop_instance_task'],
                 'main': ['start_instance_task'],
                 'post': ['confirm_instance_active_task']},
        help="""
Tasks of the instance failure recovery: by default stop the instance, start
it and confirm it is ACTIVE.

Example: pre:stop_instance_task,main:start_instance_task,"""
        """post:confirm_instance_active_task
""" + _HELP_TAIL),
    cfg.Opt(
        'host_auto_failure_recovery_tasks',
        type=_task_lists,
        default={'pre': ['disable_compute_service_task'],
                 'main': ['prepare_HA_enabled_instances_task'],
                 'post': ['evacuate_instances_task']},
        help="""
Tasks of the host failure recovery when Nova's scheduler picks the target
hosts (recovery method auto, and the auto part of auto_priority and
rh_priority). disable_compute_service_task takes the host out of service as
[host_failure] quick_evacuate_level says (fencing it at level 2);
fence_host_task may be listed before it to fence explicitly at any level.

Example: pre:disable_compute_service_task,"""
        """main:prepare_HA_enabled_instances_task,post:evacuate_instances_task
""" + _HELP_TAIL),
    cfg.Opt(
        'host_rh_failure_recovery_tasks',
        type=_task_lists,
        default={'pre': ['disable_compute_service_task'],
                 'main': ['prepare_HA_enabled_instances_task'],
                 'post': ['evacuate_instances_task']},
        help="""
Tasks of the host failure recovery onto the segment's reserved hosts
(recovery method reserved_host, and the reserved part of auto_priority and
rh_priority). The post stage is retried with the next reserved host until
the instances are evacuated or no reserved host is left.

Example: pre:disable_compute_service_task,"""
        """main:prepare_HA_enabled_instances_task,post:evacuate_instances_task
""" + _HELP_TAIL),
    cfg.Opt(
        'host_started_recovery_tasks',
        type=_task_lists,
        default={'pre': [], 'main': ['unfence_host_task'], 'post': []},
        help="""
Tasks run when a host on maintenance reports STARTED and [host_failure]
unfence_on_start is set: by default lift the forced-down flag of its
nova-compute service once Nova accepts it.
""" + _HELP_TAIL),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(recovery_flow_opts, group=GROUP)


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: recovery_flow_opts}
