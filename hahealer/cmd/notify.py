"""hahealer-notify: send a failure notification to the engine.

For monitors and scripts. Prints the stored record; exits non-zero with the
reason when the engine rejects the notification or does not answer.

Exit codes: 0 accepted (with --wait: recovery finished or ignored),
1 rejected (do not send it again as it is), 2 usage error, 3 not delivered
or not answered: the broker is unreachable, refused the login, or no
engine answered in time (send it again), 4 (with --wait) the recovery
ended in error or failed, or did not end in time.
"""

import argparse
import json
import logging
import socket
import sys
import threading
import time
from concurrent import futures

import oslo_messaging as messaging
from oslo_config import cfg

import hahealer
from hahealer import exception
from hahealer import notifications
from hahealer import rpc
from hahealer.cli import render

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_RETRY, EXIT_RECOVERY = range(5)
PROG = 'hahealer-notify'
#: of --timeout, what closing the broker connections may take at the end
_CLOSE_SECONDS = 0.5
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
                             'ends (on a terminal, its progress task by '
                             'task on stderr)')
    parser.add_argument('--wait-timeout', type=float, default=given(900.0),
                        help='longest --wait, in seconds (default 900)')
    parser.add_argument('--notification-uuid', default=given(None),
                        help='an id of your choosing: sending the same id '
                             'again is answered with the stored record')
    parser.add_argument('--debug', action='store_true', default=given(False),
                        help="show the messaging library's own log on "
                             "stderr")


def _parser():
    parser = argparse.ArgumentParser(
        prog='hahealer-notify',
        description='Send a failure notification to the hahealer engine '
                    'and print the stored record.')
    _common_options(parser, None)
    parser.add_argument('--version', action='version',
                        version=hahealer.__version__)
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


def _follow(client, record, timeout, view=None):
    """Poll until the recovery ends; with a ``view`` (a terminal), draw
    its progress task by task."""
    deadline = time.monotonic() + timeout
    uuid = record['notification_uuid']
    while record['status'] not in SETTLED:
        if time.monotonic() > deadline:
            return record, False
        time.sleep(1.0)
        if view is None:
            record = client.get_notification(None, uuid)
            continue
        record = client.get_notification_recovery_workflow_details(None,
                                                                    uuid)
        if record['status'] in SETTLED:
            view.finish(record)
        else:
            view.update(record)
        record = {key: value for key, value in record.items()
                  if key != 'recovery_workflow_details'}
    return record, True


def _brokers(conf):
    """(host, port) of each broker, and the user; never the password."""
    url = messaging.TransportURL.parse(conf, conf.transport_url)
    hosts = [(host.hostname or 'localhost', host.port or 5672)
             for host in url.hosts] or [('localhost', 5672)]
    user = next((host.username for host in url.hosts if host.username),
                'guest')
    return hosts, user


def _broker(conf):
    hosts, user = _brokers(conf)
    names = ', '.join(f'{host}:{port}' for host, port in hosts)
    return f'the message broker {names} (user {user})'


def _unreachable(conf):
    """Why no broker accepts a connection, or None if one does."""
    problems = []
    for host, port in _brokers(conf)[0]:
        try:
            socket.create_connection((host, port), timeout=1.0).close()
            return None
        except OSError as exc:
            problems.append(f'{host}:{port}: {exc.strerror or exc}')
    return f"the broker does not accept connections ({'; '.join(problems)})"


def _failure(exc):
    """Why a message was not delivered, in one line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ''
    if 'ACCESS_REFUSED' in text:
        return ('it refused the login: check the user and password in '
                'transport_url')
    return f'{type(exc).__name__}: {text}' if text else type(exc).__name__


def _config_files(given):
    files = given or cfg.find_config_files(project='hahealer')
    if not files:
        print(f'{PROG}: no configuration file found (give --config-file, '
              f'or put one in /etc/hahealer/hahealer.conf); using the '
              f'default broker and topic', file=sys.stderr)
    return files


def _send(args, conf, client):
    """The record, or an exit code after saying why on stderr."""
    try:
        record = client.create_notification(None, _notification(args))
        settled = True
        if args.wait:
            # Progress on a terminal only: stdout stays the record alone.
            view = (render.LiveView(sys.stderr, True)
                    if render.is_terminal(sys.stderr) else None)
            record, settled = _follow(client, record, args.wait_timeout,
                                      view)
        return record, settled
    except exception.HahealerException as exc:
        print(f'{PROG}: rejected: {exc.message}', file=sys.stderr)
        return EXIT_REJECTED, None
    except messaging.MessagingTimeout:
        _no_answer(args, conf, client)
    except Exception as exc:  # noqa: BLE001 - any failure to deliver
        print(f'{PROG}: not delivered to {_where(conf, client)}: '
              f'{_failure(exc)}. Send again.', file=sys.stderr)
    return EXIT_RETRY, None


def _where(conf, client):
    return (f'{_broker(conf)}, engine topic {client.topic}, config '
            f'{", ".join(conf.config_file) or "none"}')


def _no_answer(args, conf, client):
    why = _unreachable(conf) or ('no engine answered on this topic (is '
                                 'one running?)')
    print(f'{PROG}: no answer within {args.timeout:g} s '
          f'({_where(conf, client)}): {why}. Send again.', file=sys.stderr)


def _bounded(args, conf, client):
    """_send, given up after --timeout (and --wait-timeout with --wait):
    a broker that cannot be reached is retried by the library without
    end."""
    outcome = futures.Future()

    def send():
        try:
            outcome.set_result(_send(args, conf, client))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            outcome.set_exception(exc)

    threading.Thread(target=send, name='notify', daemon=True).start()
    limit = args.timeout + (args.wait_timeout if args.wait else 0)
    try:
        # Closing the connections takes the rest of the time allowed.
        return outcome.result(max(0.1, limit - _CLOSE_SECONDS))
    except futures.TimeoutError:
        _no_answer(args, conf, client)
        return EXIT_RETRY, None


def main(argv=None):
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    # The messaging library logs each reconnection attempt; the one line
    # this command prints says what happened.
    logging.basicConfig(level=logging.DEBUG if args.debug
                        else logging.CRITICAL + 1)
    files = _config_files(args.config_file)
    try:
        conf = rpc.client_conf(files)
    except cfg.Error as exc:
        print(f'{PROG}: {exc}', file=sys.stderr)
        return EXIT_USAGE
    client = rpc.EngineClient(rpc.get_transport(conf), conf.engine_topic,
                              timeout=args.timeout)
    try:
        record, settled = _bounded(args, conf, client)
    finally:
        client.close(timeout=_CLOSE_SECONDS)
    if settled is None:
        return record
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
