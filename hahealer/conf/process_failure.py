"""[process_failure] options: how a failed key process is handled."""

from oslo_config import cfg

GROUP = 'process_failure'

process_failure_opts = [
    cfg.StrOpt(
        'service_disable_reason',
        default='Disabled by hahealer: process failure',
        help="""
Reason recorded on the nova-compute service of a host where a key process
failed."""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(process_failure_opts, group=GROUP)


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: process_failure_opts}
