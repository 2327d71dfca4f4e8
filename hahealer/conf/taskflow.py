"""[taskflow] options: where recovery progress is persisted for resume."""

from oslo_config import cfg

GROUP = 'taskflow'

taskflow_opts = [
    cfg.StrOpt(
        'connection',
        default='sqlite:///$state_path/taskflow.sqlite',
        secret=True,
        help="""
taskflow persistence URL. Every notification gets a logbook here recording
which tasks of its recovery finished, so an engine that dies mid-recovery is
resumed by another one without repeating finished tasks. Any taskflow
persistence backend URL (SQLAlchemy URLs for a shared database).

Example: connection = postgresql+psycopg2://hahealer:PASSWORD@db/taskflow
"""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(taskflow_opts, group=GROUP)


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: taskflow_opts}
