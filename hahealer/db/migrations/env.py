"""Alembic environment: runs on the connection hahealer hands over."""

from alembic import context

from hahealer.db import migration
from hahealer.db import models


def run_migrations_online():
    connection = context.config.attributes['connection']
    context.configure(connection=connection,
                      target_metadata=models.Base.metadata,
                      render_as_batch=True,
                      version_table=migration.VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
