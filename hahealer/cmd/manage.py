"""hahealer-manage: database administration (``hahealer-manage db sync``)."""

import sys

from oslo_config import cfg

from hahealer.cmd import common
from hahealer.db import api as db_api
from hahealer.db import migration
from hahealer.engine import runner


def _db_sync(conf):
    database = db_api.Database(conf.database.connection)
    try:
        migration.upgrade(database.engine, conf.command.revision)
    finally:
        database.dispose()
    flow_runner = runner.FlowRunner(conf.taskflow.connection)
    try:
        flow_runner.upgrade()
    finally:
        flow_runner.close()
    print('Database schema is up to date.')


def _add_commands(subparsers):
    db = subparsers.add_parser('db', help='database schema')
    db_commands = db.add_subparsers(dest='db_command', required=True)
    sync = db_commands.add_parser(
        'sync', help='create or upgrade the schemas of [database] '
                     'connection and [taskflow] connection')
    sync.add_argument('revision', nargs='?', default='head',
                      help='alembic revision to reach (default: head)')
    sync.set_defaults(func=_db_sync)


def main(argv=None):
    conf = common.init(
        sys.argv[1:] if argv is None else argv,
        cli_opts=[cfg.SubCommandOpt('command', handler=_add_commands)])
    conf.command.func(conf)
    return 0


if __name__ == '__main__':
    sys.exit(main())
