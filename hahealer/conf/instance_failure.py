"""[instance_failure] options: how a failed instance is recovered."""

from oslo_config import cfg

GROUP = 'instance_failure'

instance_failure_opts = [
    cfg.BoolOpt(
        'process_all_instances',
        default=False,
        help="""
Recover every failed instance. When false, only instances whose metadata has
the key named by ha_enabled_instance_metadata_key set to true are recovered;
the others are recorded and left alone.
"""),
    cfg.StrOpt(
        'ha_enabled_instance_metadata_key',
        default='HA_Enabled',
        help="""
Instance metadata key that marks an instance as HA-enabled when its value is
true (true, yes, 1, on; case-insensitive).
"""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(instance_failure_opts, group=GROUP)


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: instance_failure_opts}
