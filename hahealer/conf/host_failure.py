"""[host_failure] options: how a failed compute host is recovered."""

from oslo_config import cfg

GROUP = 'host_failure'

host_failure_opts = [
    cfg.BoolOpt(
        'evacuate_all_instances',
        default=True,
        help="""
Evacuate every instance of a failed host, HA-enabled ones first. When false,
only instances whose metadata has the key named by
ha_enabled_instance_metadata_key set to true are evacuated.
"""),
    cfg.BoolOpt(
        'ignore_instances_in_error_state',
        default=False,
        help="""
Leave instances in vm_state 'error' on the failed host. When false they are
evacuated and end in 'error' again on their new host.
"""),
    cfg.BoolOpt(
        'add_reserved_host_to_aggregate',
        default=False,
        help="""
Before evacuating to a reserved host, add it to the host aggregate of the
failed host, so instances whose flavors need that aggregate can land there.
"""),
    cfg.StrOpt(
        'ha_enabled_instance_metadata_key',
        default='HA_Enabled',
        help="""
Instance metadata key that marks an instance as HA-enabled when its value is
true (true, yes, 1, on; case-insensitive).
"""),
    cfg.StrOpt(
        'priority_metadata_key',
        default='HA_Priority',
        help="""
Instance metadata key holding a restart priority (an integer, higher first).
Instances are evacuated HA-enabled first, then by this priority, then the
rest. Missing or malformed values count as 0.
"""),
    cfg.StrOpt(
        'service_disable_reason',
        default='Disabled by hahealer: host failure recovery',
        help="Reason recorded on the nova-compute service of a failed host."),
    cfg.IntOpt(
        'quick_evacuate_level',
        default=2,
        min=1,
        max=3,
        help="""
How a failed host is taken out of service before evacuation:

1: force the nova-compute service down at once, without fencing. Fastest,
   but if the host is in fact still running, an instance may run twice and
   two copies may write to the same disk.
2: fence the host (power it off through its BMC and confirm it is off), then
   force the service down. If fencing fails or cannot be confirmed, nothing
   is evacuated and the notification ends in error.
3: disable the service and wait until Nova itself reports it down from lost
   heartbeats, bounded by wait_period_after_service_update.

In every level the service ends disabled with service_disable_reason and
evacuation starts as soon as Nova accepts it.
"""),
    cfg.IntOpt(
        'max_concurrent_evacuations',
        default=64,
        min=1,
        help="""
Evacuations in flight at once over all host recoveries of one engine. Keep
it at or above what Nova can run in parallel so Nova is never idle while
instances wait; lower it to protect a small control plane.
"""),
    cfg.FloatOpt(
        'storm_window',
        default=600.0,
        min=0.0,
        help="""
Seconds over which host failures are counted for storm protection. 0 turns
storm protection off.
"""),
    cfg.IntOpt(
        'storm_max_failed_percent',
        default=50,
        min=1,
        max=100,
        help="""
Storm protection: when more than this percentage of a segment's hosts has
failed within storm_window, their evacuations are held: the notifications
end in error with the reason 'storm protection' until an operator releases
them with 'hahealer notification retry --force UUID'. Losing many hosts at
once more often means a network partition or a monitoring fault than dead
hardware, and evacuating would then run instances twice.
"""),
    cfg.IntOpt(
        'storm_max_failed_hosts',
        default=10,
        min=1,
        help="""
Storm protection: hold evacuations when more than this many hosts, over all
segments, have failed within storm_window.
"""),
    cfg.BoolOpt(
        'unfence_on_start',
        default=False,
        help="""
When a recovered host reports STARTED, lift the forced-down flag of its
nova-compute service (retrying until Nova accepts it, which happens once the
host's compute service has cleaned up the evacuated instances). The service
stays disabled for the operator unless enable_on_start is also set.
"""),
    cfg.BoolOpt(
        'enable_on_start',
        default=False,
        help="""
With unfence_on_start, also enable the host's nova-compute service and take
the host off maintenance once the forced-down flag is lifted.
"""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(host_failure_opts, group=GROUP)


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: host_failure_opts}
