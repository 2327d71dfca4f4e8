"""hahealer-demo: watch hahealer recover an emulated cloud, in one process.

Needs no message broker, database server or cloud: the Nova emulator, the
engine and its SQLite databases run in this process, in a temporary
directory. Exit code 0 when every recovery ended as expected, 1 otherwise.
"""

import argparse
import sys

import hahealer
from hahealer.demo import story


def _parser():
    defaults = story.Settings()
    parser = argparse.ArgumentParser(
        prog='hahealer-demo',
        description='Start an emulated cloud and the hahealer engine in '
                    'this process, then kill a host, an instance and a '
                    'process and show each recovery as it happens.')
    parser.add_argument('--version', action='version',
                        version=hahealer.__version__)
    parser.add_argument('--hosts', type=int, default=defaults.hosts,
                        help='compute hosts, the last one reserved '
                             '(default %(default)s, at least 3)')
    parser.add_argument('--instances', type=int, default=defaults.instances,
                        help='instances spread over the hosts but the '
                             'reserved one (default %(default)s, at least '
                             'as many as --hosts)')
    parser.add_argument('--evacuate-seconds', type=float,
                        default=defaults.evacuate_seconds,
                        help='how long one evacuation takes in the '
                             'emulated Nova (default %(default)s)')
    parser.add_argument('--quick-evacuate-level', type=int,
                        choices=(1, 2, 3),
                        default=defaults.quick_evacuate_level,
                        help='[host_failure] quick_evacuate_level: 1 force '
                             'down, 2 fence then force down (through '
                             'simulated IPMI BMCs when ipmitool is '
                             'installed), 3 wait for Nova (default '
                             '%(default)s)')
    parser.add_argument('--keep', action='store_true',
                        help='keep the state directory (databases, engine '
                             'log) afterwards; it is always kept when a '
                             'recovery did not end as expected')
    return parser


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.hosts < 3:
        parser.error('--hosts must be at least 3: one fails, one is '
                     'reserved, one keeps running')
    if args.instances < args.hosts:
        parser.error('--instances must be at least --hosts, so that the '
                     'failing host has a running and a stopped instance')
    if args.evacuate_seconds < 0:
        parser.error('--evacuate-seconds must be 0 or more')
    return story.run(story.Settings(**vars(args)), sys.stdout)


if __name__ == '__main__':
    sys.exit(main())
