"""[fencing] options: powering failed hosts off before evacuation."""

from oslo_config import cfg

GROUP = 'fencing'

fencing_opts = [
    cfg.ListOpt(
        'secret_keys',
        default=[],
        secret=True,
        help="""
Fernet keys that encrypt the hosts' fencing parameters (BMC passwords) in the
database. The first key encrypts, every key listed decrypts. Make a key with
"hahealer-manage fencing generate-key". To rotate, put a new key first, run
"hahealer-manage fencing encrypt", then remove the old key. Empty: parameters
are stored unencrypted. Every hahealer process that reads the database needs
the same keys.

Example: secret_keys = 3q2-7w...=,oLd-k3y...=
"""),
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


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(fencing_opts, group=GROUP)


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: fencing_opts}
