"""[api] options: hahealer-api, the REST API that speaks Masakari's v1."""

from oslo_config import cfg

GROUP = 'api'

api_opts = [
    cfg.StrOpt(
        'auth_strategy',
        default='keystone',
        choices=[('keystone', 'tokens validated by keystonemiddleware '
                              '(options in [keystone_authtoken])'),
                 ('noauth', 'no authentication: every request is an admin '
                            'of the project its X-Project-Id names; for '
                            'labs and tests only')],
        help="""
How requests to hahealer-api are authenticated.

Example: auth_strategy = keystone
"""),
    cfg.HostAddressOpt(
        'bind_host',
        default='0.0.0.0',
        help="Address hahealer-api listens on."),
    cfg.PortOpt(
        'bind_port',
        default=15868,
        help="""
Port hahealer-api listens on. 15868 is Masakari's, so a catalog endpoint
that pointed at Masakari can point here unchanged. 0 picks a free port.
"""),
    cfg.IntOpt(
        'threads',
        default=16,
        min=1,
        help="""
How many requests hahealer-api serves at the same time (threads of its WSGI
server). Further requests wait in the listen queue.
"""),
    cfg.IntOpt(
        'max_limit',
        default=1000,
        min=1,
        help="""
The largest page a list request gets, whatever its limit asks; a request
without a limit gets this many.
"""),
    cfg.BoolOpt(
        'notify_engine',
        default=True,
        help="""
After storing a notification, tell an engine over RPC so it starts the
recovery at once. Without it, or when no engine hears the message, the
engines' periodic sweep picks the notification up after
retry_notification_new_status_interval seconds.
"""),
]


def register_opts(conf):
    conf.register_opts(api_opts, group=GROUP)


def list_opts():
    return {GROUP: api_opts}
