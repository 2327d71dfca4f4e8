"""[metrics] options: the optional Prometheus endpoint."""

from oslo_config import cfg

GROUP = 'metrics'

metrics_opts = [
    cfg.BoolOpt(
        'enabled',
        default=False,
        help="Serve Prometheus metrics over HTTP from the engine."),
    cfg.HostAddressOpt(
        'bind',
        default='127.0.0.1',
        help="Address the metrics endpoint listens on."),
    cfg.PortOpt(
        'port',
        default=9797,
        help="Port the metrics endpoint listens on (0 picks a free one)."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(metrics_opts, group=GROUP)


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: metrics_opts}
