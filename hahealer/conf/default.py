"""[DEFAULT] options: where state lives, the RPC topic and engine timing."""

import os
import socket

from oslo_config import cfg

engine_opts = [
    cfg.StrOpt(
        'state_path',
        default=os.path.join(os.path.expanduser('~'), '.local', 'state',
                             'hahealer'),
        sample_default='~/.local/state/hahealer',
        help="""
Directory for the engine's local state: the default SQLite databases and the
default file-based lock backend live here. Created on start-up if missing.

Example: state_path = /var/lib/hahealer
"""),
    cfg.StrOpt(
        'engine_topic',
        default='hahealer-engine',
        help="""
The oslo.messaging topic the engine listens on and monitors send to. Every
engine sharing a topic and a database shares the work.
"""),
    cfg.StrOpt(
        'host',
        default=socket.gethostname(),
        sample_default='<hostname>',
        help="""
Name of this engine. With the process id it forms the owner id recorded on
the notifications this engine is working on.
"""),
    cfg.BoolOpt(
        'rpc_management',
        default=True,
        help="""
Whether the engine's RPC API changes failover segments and hosts and retries
notifications. The RPC transport authenticates nobody: whoever holds its URL
(every compute node running a monitor) can call it. Set it to false once
segments and hosts are managed through hahealer-api, where a Keystone token
and the policy decide; notifications are still accepted over RPC, and
listing and showing still work.
"""),
    cfg.IntOpt(
        'max_concurrent_recoveries',
        default=32,
        min=1,
        help="""
How many notifications one engine processes at the same time. Others wait,
stored, until a worker is free.
"""),
    cfg.FloatOpt(
        'notification_lease_seconds',
        default=60.0,
        min=5.0,
        help="""
How long a claim on a running notification lasts without renewal. The owning
engine renews it every third of this period; when an engine dies, another one
takes the notification over once its lease has expired and resumes the
recovery from its persisted progress.
"""),
    cfg.IntOpt(
        'max_notification_takeovers',
        default=3,
        min=0,
        help="""
How many times a running notification may be taken over from an engine that
vanished (killed, stalled past its lease, cut off) before it is given up as
'failed' with the reason. A recovery that keeps bringing its engine down (out
of memory on a very large host, say) is then not resumed forever. Hand-overs
by an engine that stops gracefully do not count.
"""),
    cfg.FloatOpt(
        'shutdown_grace_period',
        default=30.0,
        min=0.0,
        help="""
How long a stopping engine (SIGTERM) lets its running recoveries go on.
Past it, their waits are interrupted and they are left to be resumed by the
next engine to start, from where they stopped. Keep it below oslo.service's
graceful_shutdown_timeout, after which the process is killed.
"""),
    cfg.FloatOpt(
        'duplicate_notification_detection_interval',
        default=180.0,
        min=0.0,
        help="""
Seconds within which a notification with the same type, host and payload as
an earlier one is treated as a duplicate and answered with the earlier record
instead of being processed again.
"""),
    cfg.FloatOpt(
        'process_unfinished_notifications_interval',
        default=120.0,
        min=1.0,
        help="""
Interval in seconds of the periodic task that resumes notifications whose
lease expired, retries notifications in error once (more while Nova may still
be evacuating for them) and picks up new ones that nobody started.
"""),
    cfg.FloatOpt(
        'retry_notification_new_status_interval',
        default=60.0,
        min=0.0,
        help="""
Age in seconds after which a notification still in status 'new' is picked up
by the periodic task (normally the engine that stored it starts it at once).
"""),
    cfg.FloatOpt(
        'notifications_expired_interval',
        default=86400.0,
        min=1.0,
        help="""
Age in seconds after which a notification that is still new or in error is
given up: it ends 'failed' and is no longer retried.
"""),
]

recovery_timing_opts = [
    cfg.FloatOpt(
        'verify_interval',
        default=1.0,
        min=0.01,
        help="""
Seconds between two checks while waiting for Nova to reach a state (service
disabled, instance stopped, instance moved, power off). Fractions allowed.
"""),
    cfg.FloatOpt(
        'wait_period_after_service_update',
        default=180.0,
        min=0.0,
        help="""
Longest wait, in seconds, for Nova to show a compute service disabled or
down after hahealer asked for it. It is an upper bound, never a sleep: the
wait ends as soon as Nova reports the state.
"""),
    cfg.FloatOpt(
        'wait_period_after_evacuation',
        default=90.0,
        min=0.0,
        help="""
Longest time, in seconds, that an evacuation in flight may show no progress
(its migration record, the instance's task or power state unchanged) before
the recovery stops waiting for it. A slow rebuild that keeps moving is
followed to its end. An instance whose evacuation stood still is reported by
id in the notification's error; the evacuation goes on, and the automatic
retry follows it.
"""),
    cfg.FloatOpt(
        'wait_period_after_power_off',
        default=180.0,
        min=0.0,
        help="""
Longest wait, in seconds, for an instance to be reported stopped after a stop
request.
"""),
    cfg.FloatOpt(
        'wait_period_after_power_on',
        default=60.0,
        min=0.0,
        help="""
Longest wait, in seconds, for an instance to be reported ACTIVE after a start
request.
"""),
    cfg.IntOpt(
        'host_failure_recovery_threads',
        default=64,
        min=1,
        help="""
How many instances of one failed host are evacuated at the same time. Raise
it towards Nova's capacity for concurrent evacuations to shorten recovery of
large hosts; [host_failure] max_concurrent_evacuations caps the total over
all recoveries of an engine.
"""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(engine_opts)
    conf.register_opts(recovery_timing_opts)


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {'DEFAULT': engine_opts + recovery_timing_opts}
