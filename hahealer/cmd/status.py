"""hahealer-status: preflight checks, as nova-status does for Nova.

``hahealer-status upgrade check``: the configuration is one this release
reads, and both database schemas are at head. ``hahealer-status check``:
that, plus every service contacted: Nova, the broker, the lock backend,
each host in Nova and each host's BMC (a power-state read only).

Each check prints OK, WARN or FAIL with what to do. Exit code: 0 all OK,
1 a warning at worst, 2 a failure.
"""

import logging
import sys

from oslo_config import cfg

from hahealer import preflight
from hahealer.conf import bootstrap

PROG = 'hahealer-status'
EXIT_CODES = {preflight.OK: 0, preflight.WARN: 1, preflight.FAIL: 2}


def _add_commands(subparsers):
    upgrade = subparsers.add_parser(
        'upgrade', help='checks before or after an upgrade')
    upgrade_commands = upgrade.add_subparsers(dest='upgrade_command',
                                              required=True)
    upgrade_commands.add_parser(
        'check', help='configuration and database schemas').set_defaults(
        checks=preflight.upgrade_checks)
    subparsers.add_parser(
        'check', help='configuration, databases, and every service the '
                      'engine uses, contacted').set_defaults(
        checks=preflight.all_checks)


def report(results, out=sys.stdout):
    """Print ``results``; the exit code of the worst."""
    width = max(len(result.check) for result in results)
    for result in results:
        out.write(f'{result.status:<4}  {result.check:<{width}}  '
                  f'{result.details}\n')
    worst = max(EXIT_CODES[result.status] for result in results)
    counts = {status: sum(result.status == status for result in results)
              for status in EXIT_CODES}
    out.write(f'{counts["OK"]} OK, {counts["WARN"]} WARN, '
              f'{counts["FAIL"]} FAIL\n')
    return worst


def main(argv=None):
    conf = bootstrap.init(
        sys.argv[1:] if argv is None else argv,
        cli_opts=[cfg.SubCommandOpt('command', handler=_add_commands)],
        prog=PROG, log=False)
    # The results say what happened; library log lines would repeat it.
    logging.basicConfig(level=logging.CRITICAL + 1)
    # A check reports one answer; the engine's retries would only delay it.
    conf.set_override('api_retries', 0, group='nova')
    with bootstrap.failures_reported(PROG):
        return report(conf.command.checks(conf))


if __name__ == '__main__':
    sys.exit(main())
