"""[fencing] options: powering failed hosts off before evacuation."""

from oslo_config import cfg

GROUP = 'fencing'

fencing_opts = [
    cfg.FloatOpt(
        'request_timeout',
        default=10.0,
        min=0.1,
        help="""
Longest time, in seconds, one exchange with a host's BMC may take. A BMC
that does not answer fails the fencing instead of stalling the recovery.
"""),
    cfg.FloatOpt(
        'power_off_timeout',
        default=60.0,
        min=0.0,
        help="""
Longest wait, in seconds, for a host's BMC to report power off after the
power-off request. Past it, fencing has failed and nothing is evacuated.
"""),
]


def register_opts(conf):
    conf.register_opts(fencing_opts, group=GROUP)


def list_opts():
    return {GROUP: fencing_opts}
