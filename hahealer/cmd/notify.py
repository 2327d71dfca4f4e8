"""hahealer-notify: send a failure notification to the engine.

For monitors and scripts. Prints the stored record; exits non-zero with the
reason when the engine rejects the notification or does not answer.

Exit codes: 0 accepted (with --wait: recovery finished or ignored),
1 rejected, 2 usage error, 3 no answer from the engine, 4 (with --wait)
the recovery ended in error or failed, or did not end in time.
"""

import argparse
import json
import sys
import time

import oslo_messaging as messaging

from hahealer import exception
from hahealer import notifications
from hahealer import rpc

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_NO_ANSWER, EXIT_RECOVERY = range(5)
#: statuses after which --wait stops following
SETTLED = ('finished', 'ignored', 'error', 'failed')


def _common_options(parser, default):
    """Options accepted before and after the kind of notification."""
    def given(value):
        return argparse.SUPPRESS if default is argparse.SUPPRESS else value

    parser.add_argument('--config-file', action='append',
                        default=given([]),
                        help='hahealer config file with transport_url and '
                             'engine_topic (may be repeated)')
    parser.add_argument('--timeout', type=float, default=given(30.0),
                        help='seconds to wait for the engine to answer '
                             '(default 30)')
    parser.add_argument('-f', '--format', choices=('table', 'json'),
                        default=given('table'), help='output format')
    parser.add_argument('--wait', action='store_true', default=given(False),
                        help='follow the notification until its recovery '
                             'ends')
    parser.add_argument('--wait-timeout', type=float, default=given(900.0),
                        help='longest --wait, in seconds (default 900)')
    parser.add_argument('--notification-uuid', default=given(None),
                        help='an id of your choosing: sending the same id '
                             'again is answered with the stored record')


def _parser():
    parser = argparse.ArgumentParser(
        prog='hahealer-notify',
        description='Send a failure notification to the hahealer engine '
                    'and print the stored record.')
    _common_options(parser, None)
    after = argparse.ArgumentParser(add_help=False)
    _common_options(after, argparse.SUPPRESS)
    kinds = parser.add_subparsers(dest='kind', required=True)

    host = kinds.add_parser('host', parents=[after],
                            help='a compute host failed or started')
    host.add_argument('hostname')
    host.add_argument('--event', required=True, help='STOPPED or STARTED')
    host.add_argument('--host-status', default='NORMAL',
                      help='NORMAL when the monitor is sure the host is '
                           'down (default), UNKNOWN otherwise')
    host.add_argument('--cluster-status', help='e.g. OFFLINE or ONLINE')

    instance = kinds.add_parser('instance', parents=[after],
                                help='an instance failed')
    instance.add_argument('instance_uuid')
    instance.add_argument('--hostname', required=True,
                          help='the host the instance runs on')
    instance.add_argument('--event', required=True,
                          help='e.g. LIFECYCLE, IO_ERROR, '
                               'QEMU_GUEST_AGENT_ERROR')
    instance.add_argument('--vir-domain-event', required=True,
                          help='e.g. STOPPED_FAILED, IO_ERROR_REPORT')

    process = kinds.add_parser('process', parents=[after],
                               help='a key process failed')
    process.add_argument('hostname')
    process.add_argument('--process-name', required=True,
                         help='e.g. nova-compute')
    process.add_argument('--event', required=True, help='STOPPED or STARTED')
    return parser


def _notification(args):
    if args.kind == 'host':
        payload = {'event': args.event, 'host_status': args.host_status}
        if args.cluster_status:
            payload['cluster_status'] = args.cluster_status
        kind, hostname = notifications.COMPUTE_HOST, args.hostname
    elif args.kind == 'instance':
        payload = {'event': args.event, 'instance_uuid': args.instance_uuid,
                   'vir_domain_event': args.vir_domain_event}
        kind, hostname = notifications.VM, args.hostname
    else:
        payload = {'event': args.event, 'process_name': args.process_name}
        kind, hostname = notifications.PROCESS, args.hostname
    return notifications.build(kind, hostname, payload,
                               notification_uuid=args.notification_uuid)


def print_record(record, output_format):
    if output_format == 'json':
        print(json.dumps(record, indent=2, sort_keys=True))
        return
    width = max(len(key) for key in record)
    for key in sorted(record):
        value = record[key]
        if isinstance(value, dict | list):
            value = json.dumps(value, sort_keys=True)
        print(f'{key.ljust(width)}  {value}')


def _follow(client, record, timeout):
    deadline = time.monotonic() + timeout
    while record['status'] not in SETTLED:
        if time.monotonic() > deadline:
            return record, False
        time.sleep(1.0)
        record = client.get_notification(None, record['notification_uuid'])
    return record, True


def main(argv=None):
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    client = rpc.EngineClient.from_config_files(args.config_file,
                                                timeout=args.timeout)
    try:
        record = client.create_notification(None, _notification(args))
        if args.wait:
            record, settled = _follow(client, record, args.wait_timeout)
    except exception.HahealerException as exc:
        print(f'hahealer-notify: rejected: {exc.message}', file=sys.stderr)
        return EXIT_REJECTED
    except messaging.MessagingTimeout:
        print(f'hahealer-notify: no answer from the engine on topic '
              f'{client.topic} within {args.timeout:g} s: is an engine '
              f'running and the message broker reachable?', file=sys.stderr)
        return EXIT_NO_ANSWER
    finally:
        client.close()
    print_record(record, args.format)
    if args.wait:
        if not settled:
            print(f'hahealer-notify: the recovery did not end within '
                  f'{args.wait_timeout:g} s', file=sys.stderr)
            return EXIT_RECOVERY
        if record['status'] in ('error', 'failed'):
            return EXIT_RECOVERY
    return EXIT_OK


if __name__ == '__main__':
    sys.exit(main())
