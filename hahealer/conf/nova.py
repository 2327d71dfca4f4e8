"""[nova] options: how the engine reaches the compute API.

Authentication and the HTTP session are keystoneauth's own options, so any
keystoneauth plugin works: 'password' (or 'v3password', 'application
credentials', ...) against a real cloud; 'admin_token' with endpoint and token,
or 'none' with endpoint_override, in a lab or against the emulator.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = 'nova'

nova_opts = [
    cfg.StrOpt(
        'region_name',
        help="Region of the compute endpoint in the service catalog."),
    cfg.StrOpt(
        'interface',
        default='internal',
        choices=['public', 'internal', 'admin'],
        help="Which catalog interface of the compute service to use."),
    cfg.URIOpt(
        'endpoint_override',
        help="""
Compute endpoint to use instead of the service catalog's, for example
http://127.0.0.1:8774/v2.1 with auth_type = none.
"""),
    cfg.StrOpt(
        'min_api_microversion',
        default='2.53',
        help="""
Lowest compute API microversion hahealer accepts from Nova. 2.53 (Pike) is
needed for service ids as UUIDs and forcing services down by id.
"""),
    cfg.StrOpt(
        'max_api_microversion',
        default='2.96',
        help="""
Highest compute API microversion hahealer asks for; the version used is the
highest one both this and the server support. Features of later versions
(lock reasons 2.73, evacuated instances handed back stopped 2.95)
are used when negotiated.
"""),
    cfg.IntOpt(
        'api_retries',
        default=3,
        min=0,
        help="""
How often a compute API call that is safe to repeat (reads, and updates that
set a state) is retried after Nova was unreachable or answered 5xx.
Evacuations are never repeated blindly.
"""),
    cfg.BoolOpt(
        'check_hosts',
        default=True,
        help="""
Check that a host added to a failover segment, or renamed, is a compute host
Nova knows (it has a nova-compute service of that name), as Masakari does. A
name Nova does not know is refused; Nova unreachable refuses the change too.
"""),
    cfg.FloatOpt(
        'api_retry_max_delay',
        default=5.0,
        min=0.0,
        help="Longest pause, in seconds, between two of those retries."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(nova_opts, group=GROUP)
    ks_loading.register_session_conf_options(conf, GROUP)
    ks_loading.register_auth_conf_options(conf, GROUP)
    # A compute request that never answers must not stall a recovery.
    conf.set_default('timeout', 30, group=GROUP)


def list_opts() -> dict[str, list[cfg.Opt]]:
    # The sample lists the options of the password plugin, the one a
    # production cloud uses; other plugins read their own options.
    return {
        GROUP: (nova_opts
                + ks_loading.get_session_conf_options()
                + ks_loading.get_auth_common_conf_options()
                + ks_loading.get_auth_plugin_conf_options('password')),
    }
