"""hahealer-nova-sim: a Nova compute API emulator on loopback."""

import argparse
import dataclasses
import logging
import signal
import sys
import threading

import hahealer
from hahealer.sim import scenario as scenario_mod
from hahealer.sim import server

_EPILOG = """\
compute API: <url>/v2.1, Nova's compute API v2.1 up to --max-microversion,
for unmodified python-novaclient. Token rule: no token or any token is an
admin of project 'admin'; "member:<project>" is a non-admin member of
<project> (seeded servers belong to project 'demo' unless the scenario
says otherwise).

control API (JSON, under <url>/_sim):
  GET  /_sim/hosts                 {"hosts": [{"name", "alive"}]}
  POST /_sim/hosts                 add a host: {"name": ..., "alive": true}
  POST /_sim/hosts/NAME/kill       compute service stops heartbeating
  POST /_sim/hosts/NAME/revive     compute service starts again, cleans up
  POST /_sim/hosts/NAME/vanish     the host's service records disappear
  GET  /_sim/instances             servers: state, lock, evacuations
  POST /_sim/instances             add servers: {"host": ..., "count": ...}
  GET|POST /_sim/faults            show / replace the faults in force:
      error_status, error_fraction, error_method, error_path,
      error_action, error_limit, latency, latency_when, latency_fraction,
      latency_method, latency_path, latency_action, lose_reply_hold,
      lose_reply_fraction, lose_reply_method, lose_reply_path,
      lose_reply_action, lose_reply_limit, hang_evacuations,
      hang_fraction, fail_evacuations, fail_fraction, rebuild_seconds
  GET  /_sim/counters              requests, statuses, evacuations, faults
  POST /_sim/reset-counters
  GET  /_sim/state                 everything, for debugging

Flags override the scenario file's values. See docs/emulator.md.
"""


def _parser():
    defaults = scenario_mod.Scenario()
    parser = argparse.ArgumentParser(
        prog='hahealer-nova-sim',
        description='Serve an emulated Nova compute API for tests, demos '
                    'and benchmarks. Prints one line, "hahealer-nova-sim '
                    'listening on http://HOST:PORT", then serves until '
                    'SIGTERM or SIGINT.',
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    parser.add_argument('--version', action='version',
                        version=hahealer.__version__)
    add('--bind', default='127.0.0.1',
        help='address to listen on (default: %(default)s)')
    add('--port', type=int, default=8774,
        help='port to listen on; 0 picks a free one (default: %(default)s)')
    add('--scenario', metavar='FILE',
        help='JSON or YAML file: hosts, aggregates, instances (with host, '
             'name, count, metadata, vm_state, locked, project, flavor) and '
             'any of the knobs below')
    add('--hosts', type=int, metavar='N',
        help='compute hosts host1..hostN, unless the scenario file names '
             'them (default: %d)' % defaults.hosts)
    add('--instances-per-host', type=int, metavar='M',
        help='running instances with metadata HA_Enabled=True on each host '
             '(default: %d)' % defaults.instances_per_host)
    for action, default in (('evacuate', defaults.evacuate_seconds),
                            ('stop', defaults.stop_seconds),
                            ('start', defaults.start_seconds),
                            ('build', defaults.build_seconds)):
        add('--%s-seconds' % action, type=float, metavar='S',
            help='how long a server %s takes (default: %s)'
                 % ('evacuation' if action == 'evacuate' else action,
                    default))
    add('--jitter', type=float, metavar='F',
        help='each duration varies randomly by up to this fraction either '
             'way (default: %s)' % defaults.jitter)
    add('--max-concurrent-evacuations', type=int, metavar='K',
        help='evacuations in progress at once; the rest wait in FIFO order '
             'with migration status "accepted"; 0 = no limit (default: %d)'
             % defaults.max_concurrent_evacuations)
    add('--service-down-time', type=float, metavar='T',
        help="seconds after its last heartbeat before a compute service "
             "shows 'down', fractions allowed (default: %s)"
             % defaults.service_down_time)
    add('--report-interval', type=float, metavar='T',
        help='seconds between two heartbeats of a compute service, so a '
             "killed host's last one is up to this long before it died; 0: "
             'the moment it died (default: %s; Nova: 10)'
             % defaults.report_interval)
    add('--initial-reporting-delay', type=float, metavar='T',
        help="seconds from a compute service's start (a revive) to its "
             "first heartbeat, until which a service Nova showed down "
             "stays down (default: %s, as in Nova)"
             % defaults.initial_reporting_delay)
    add('--rpc-timeout', type=float, metavar='T',
        help='seconds an enable/disable request blocks when it targets a '
             'dead compute service that still shows up, as Nova waits for '
             'its RPC call (default: %s)' % defaults.rpc_timeout)
    add('--max-microversion', metavar='X.Y',
        help='highest microversion offered, at most %s (default: %s)'
             % (scenario_mod.NEWEST_MICROVERSION, defaults.max_microversion))
    add('--max-limit', type=int, metavar='N',
        help="Nova's [api] max_limit: the most items in one list response "
             "(default: %d)" % defaults.max_limit)
    add('--seed', type=int,
        help='random seed for jitter and fault fractions (default: random)')
    add('--log-requests', action='store_true',
        help='log every request to stderr')
    return parser


def _scenario(args):
    scenario = (scenario_mod.Scenario.from_file(args.scenario)
                if args.scenario else scenario_mod.Scenario())
    # A flag given sets the Scenario field of the same name.
    fields = {f.name for f in dataclasses.fields(scenario)}
    overrides = {name: value for name, value in vars(args).items()
                 if name in fields and value is not None}
    if 'hosts' in overrides and isinstance(scenario.hosts, list):
        logging.getLogger(__name__).warning(
            '--hosts is ignored: the scenario file names the hosts')
        del overrides['hosts']
    return dataclasses.replace(scenario, **overrides)


def main(argv=None):
    args = _parser().parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if args.log_requests else logging.WARNING,
        format='%(asctime)s %(levelname)s %(name)s %(message)s')
    try:
        sim = server.start(_scenario(args), bind=args.bind, port=args.port,
                           log_requests=args.log_requests)
    except (ValueError, OSError) as exc:
        print('hahealer-nova-sim: %s' % exc, file=sys.stderr)
        return 1
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    print('hahealer-nova-sim listening on %s' % sim.url, flush=True)
    stopping.wait()
    sim.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
