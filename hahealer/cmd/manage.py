"""hahealer-manage: database administration (``db sync``, ``db purge``),
the keys of the fencing parameters (``fencing ...``) and the import of a
Masakari database or API (``import-masakari``)."""

import argparse
import functools
import sys

from oslo_config import cfg

from hahealer import exception
from hahealer import masakari_api
from hahealer import masakari_import
from hahealer import openstack_options
from hahealer import validation
from hahealer.conf import bootstrap
from hahealer.db import api as db_api
from hahealer.db import migration
from hahealer.db import secrets
from hahealer.engine import runner

PROG = 'hahealer-manage'

# keystoneauth's own default is 600 s; an import does a few small GETs.
API_TIMEOUT = 60.0


def _db_sync(conf):
    database = db_api.Database(conf.database.connection)
    flow_runner = runner.FlowRunner(conf.taskflow.connection)
    try:
        # Both databases answer and both schemas can be upgraded before
        # either changes, so a refusal leaves no half-made schema.
        migration.check_upgradable(database.engine)
        flow_runner.check_reachable()
        migration.upgrade(database.engine, conf.command.revision)
        flow_runner.upgrade()
    finally:
        database.dispose()
        flow_runner.close()
    print('Database schema is up to date.')


def _db_purge(conf):
    before = validation.time(conf.command.before, '--before')
    database = db_api.Database(conf.database.connection)
    flow_runner = runner.FlowRunner(conf.taskflow.connection)
    try:
        migration.check_current(database.engine)
        purged = database.purge_notifications(before)
        flow_runner.destroy_logbooks(purged)
    finally:
        database.dispose()
        flow_runner.close()
    print(f'Purged {len(purged)} notification(s) that ended before '
          f'{before.isoformat()}Z, with their workflow logs and taskflow '
          f'logbooks.')


def _generate_key(conf):
    print(secrets.generate_key())


def _encrypt(conf):
    if not conf.fencing.secret_keys:
        print('hahealer-manage: set [fencing] secret_keys first (make a key '
              'with "hahealer-manage fencing generate-key")',
              file=sys.stderr)
        return 1
    database = db_api.Database(conf.database.connection)
    try:
        hosts = database.encrypt_fencing_params()
    finally:
        database.dispose()
    print(f'Fencing parameters of {len(hosts)} host(s) encrypted with the '
          f'first key of [fencing] secret_keys.')
    return 0


def _import_masakari(conf):
    command = conf.command
    api_options = argparse.Namespace(**{
        name: getattr(command, name) for name in command.openstack_options})
    from_api = openstack_options.wanted(api_options)
    if from_api == bool(command.masakari_database):
        raise exception.Invalid(reason=(
            'name one source: a Masakari database URL, or its API with '
            '--os-cloud (or OS_CLOUD, OS_AUTH_URL...), or --os-auth-type '
            'none --os-instance-ha-endpoint-override URL'
            + (', not both (unset the OS_* variables to import from a '
               'database)' if from_api else '')))
    if from_api:
        segments, hosts = masakari_api.read(api_options)
    else:
        segments, hosts = masakari_import.read(command.masakari_database)
    database = db_api.Database(conf.database.connection)
    try:
        for line in masakari_import.copy(database, segments, hosts,
                                         dry_run=command.dry_run):
            print(line)
    finally:
        database.dispose()
    return 0


def _add_commands(argv, subparsers):
    db = subparsers.add_parser('db', help='database schema')
    db_commands = db.add_subparsers(dest='db_command', required=True)
    sync = db_commands.add_parser(
        'sync', help='create or upgrade the schemas of [database] '
                     'connection and [taskflow] connection (they may be '
                     'one database)')
    sync.add_argument('revision', nargs='?', default='head',
                      help='alembic revision to reach (default: head)')
    sync.set_defaults(func=_db_sync)
    purge = db_commands.add_parser(
        'purge', help='delete the notifications that ended (finished, '
                      'ignored or failed) before a date, with their '
                      'workflow logs and taskflow logbooks')
    purge.add_argument('--before', required=True, metavar='DATE',
                       help='ISO 8601 date or date and time (UTC unless '
                            'given), e.g. 2026-10-01')
    purge.set_defaults(func=_db_purge)
    importer = subparsers.add_parser(
        'import-masakari', help="copy failover segments and hosts from a "
                                "Masakari database, or from a Masakari "
                                "API with OpenStack's --os-* options")
    importer.add_argument('masakari_database', nargs='?',
                          help='its SQLAlchemy URL, e.g. mysql+pymysql://'
                               'masakari:...@db/masakari')
    importer.add_argument('--dry-run', action='store_true',
                          help='report what would be copied, write nothing')
    names = []
    # Adding them reads clouds.yaml and OS_CLOUD, and fails on a cloud it
    # does not know: only for the command that uses them.
    if 'import-masakari' in argv:
        openstack_options.register_options(importer, argv)
        names = openstack_options.option_names(argv)
    importer.set_defaults(func=_import_masakari, timeout=API_TIMEOUT,
                          openstack_options=names)
    fencing = subparsers.add_parser(
        'fencing', help='the keys that encrypt fencing parameters')
    fencing_commands = fencing.add_subparsers(dest='fencing_command',
                                              required=True)
    fencing_commands.add_parser(
        'generate-key', help='print a new Fernet key for [fencing] '
                             'secret_keys').set_defaults(func=_generate_key)
    fencing_commands.add_parser(
        'encrypt', help='encrypt every host\'s fencing parameters with the '
                        'first key of [fencing] secret_keys: after setting '
                        'the first key, or a new one to rotate '
                        'to').set_defaults(func=_encrypt)


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    conf = bootstrap.init(
        args,
        cli_opts=[cfg.SubCommandOpt(
            'command', handler=functools.partial(_add_commands, args))],
        prog=PROG)
    with bootstrap.failures_reported(PROG):
        return conf.command.func(conf) or 0


if __name__ == '__main__':
    sys.exit(main())
