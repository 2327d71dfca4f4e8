"""Schema management: create or upgrade the database with alembic.

hahealer records its revision in its own table, VERSION_TABLE, so that
its schema and taskflow's (which uses alembic's default table) can live
in one database.
"""

import os

import sqlalchemy as sa
from alembic import command
from alembic import config as alembic_config
from alembic import migration
from alembic import script

from hahealer import exception

_SCRIPTS = os.path.join(os.path.dirname(__file__), 'migrations')
VERSION_TABLE = 'hahealer_alembic_version'
# Where hahealer recorded its revision before it had its own table.
_SHARED_TABLE = 'alembic_version'


def _config(connection):
    config = alembic_config.Config()
    config.set_main_option('script_location', _SCRIPTS)
    config.attributes['connection'] = connection
    return config


def _scripts():
    return script.ScriptDirectory.from_config(_config(None))


def current_revision(connection):
    return migration.MigrationContext.configure(
        connection, opts={'version_table': VERSION_TABLE}
    ).get_current_revision()


def head_revision():
    return _scripts().get_current_head()


def _known_revisions():
    return {rev.revision for rev in _scripts().walk_revisions()}


def _adopt_shared_stamp(connection):
    """Move hahealer's revision out of alembic's default table."""
    inspector = sa.inspect(connection)
    if (inspector.has_table(VERSION_TABLE)
            or not inspector.has_table(_SHARED_TABLE)):
        return
    shared = sa.table(_SHARED_TABLE, sa.column('version_num'))
    ours = _known_revisions()
    stamped = [version for version in connection.execute(
        sa.select(shared.c.version_num)).scalars() if version in ours]
    if not stamped:
        return
    command.stamp(_config(connection), stamped[0])
    connection.execute(shared.delete().where(
        shared.c.version_num.in_(stamped)))
    if connection.execute(sa.select(sa.func.count()).select_from(
            shared)).scalar() == 0:
        # Left empty, it would tell taskflow its schema exists.
        sa.Table(_SHARED_TABLE, sa.MetaData()).drop(connection)


def check_upgradable(engine):
    """Refuse, before any change, a schema this code cannot upgrade."""
    with engine.connect() as connection:
        current = current_revision(connection)
    if current is not None and current not in _known_revisions():
        raise exception.ConfigurationError(
            reason=f'the database schema is at revision {current}, which '
                   f'this hahealer does not know (a newer release made '
                   f'it?); nothing was changed')


def upgrade(engine, revision='head'):
    """Bring the schema of ``engine``'s database to ``revision``."""
    with engine.begin() as connection:
        _adopt_shared_stamp(connection)
        command.upgrade(_config(connection), revision)


def check_current(engine):
    """Refuse to run against a schema older or newer than this code."""
    with engine.connect() as connection:
        current = current_revision(connection)
    head = head_revision()
    if current != head:
        raise exception.ConfigurationError(
            reason=f'the database schema is at revision {current or "none"}'
                   f' but this hahealer needs {head}; run '
                   f'"hahealer-manage db sync" first')
