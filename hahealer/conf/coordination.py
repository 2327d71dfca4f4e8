"""[coordination] options: locks shared by all engines."""

from oslo_config import cfg

GROUP = 'coordination'

coordination_opts = [
    cfg.StrOpt(
        'backend_url',
        default='file://$state_path/locks',
        secret=True,
        help="""
tooz coordination backend for the locks engines share: one lock per failed
host (its notifications are handled one at a time) and one around the choice
of a reserved host (two recoveries never take the same spare). The default
file backend only serves engines on one machine; engines on several machines
need a networked backend.

Examples: redis://127.0.0.1:6379, etcd3+http://10.0.0.5:2379
"""),
    cfg.FloatOpt(
        'lock_timeout',
        default=300.0,
        min=0.0,
        help="""
Longest wait, in seconds, for a shared lock before the work is given up for
now (a notification stays retryable)."""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(coordination_opts, group=GROUP)


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: coordination_opts}
