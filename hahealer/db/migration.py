"""Schema management: create or upgrade the database with alembic."""

import os

from alembic import command
from alembic import config as alembic_config
from alembic import migration
from alembic import script

from hahealer import exception

_SCRIPTS = os.path.join(os.path.dirname(__file__), 'migrations')


def _config(connection):
    config = alembic_config.Config()
    config.set_main_option('script_location', _SCRIPTS)
    config.attributes['connection'] = connection
    return config


def upgrade(engine, revision='head'):
    """Bring the schema of ``engine``'s database to ``revision``."""
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def check_current(engine):
    """Refuse to run against a schema older or newer than this code."""
    with engine.connect() as connection:
        current = migration.MigrationContext.configure(
            connection).get_current_revision()
        head = script.ScriptDirectory.from_config(
            _config(connection)).get_current_head()
    if current != head:
        raise exception.ConfigurationError(
            reason=f'the database schema is at revision {current or "none"}'
                   f' but this hahealer needs {head}; run '
                   f'"hahealer-manage db sync" first')
