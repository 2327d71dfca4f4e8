"""Fresh databases for tests: a SQLite file, or a new database on the
PostgreSQL or MariaDB server running on this machine."""

import uuid

import pytest
import sqlalchemy as sa

from hahealer.db import api as db_api
from hahealer.db import migration

SERVERS = {
    'postgresql': 'postgresql+psycopg2://postgres@127.0.0.1:5432/test',
    'mysql': 'mysql+pymysql://root@127.0.0.1:3306/test',
}
BACKENDS = ('sqlite', 'postgresql', 'mysql')


def _admin(url):
    return sa.create_engine(url, isolation_level='AUTOCOMMIT')


def create_database_url(backend, tmp_path):
    """A URL to a new, empty database; returns (url, drop callable)."""
    if backend == 'sqlite':
        return f'sqlite:///{tmp_path}/hahealer-{uuid.uuid4().hex}.sqlite', (
            lambda: None)
    name = f'hh_{uuid.uuid4().hex[:12]}'
    admin = _admin(SERVERS[backend])
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE {name}'))
    url = SERVERS[backend].rsplit('/', 1)[0] + f'/{name}'

    def drop():
        with admin.connect() as connection:
            if backend == 'postgresql':
                connection.execute(sa.text(
                    'SELECT pg_terminate_backend(pid) FROM '
                    'pg_stat_activity WHERE datname = :name'),
                    {'name': name})
            connection.execute(sa.text(f'DROP DATABASE {name}'))
        admin.dispose()

    return url, drop


@pytest.fixture
def database_url_factory(tmp_path):
    drops = []

    def make(backend='sqlite'):
        url, drop = create_database_url(backend, tmp_path)
        drops.append(drop)
        return url

    yield make
    for drop in drops:
        drop()


@pytest.fixture(params=BACKENDS)
def database(request, database_url_factory):
    """hahealer's schema on each backend in turn."""
    db = db_api.Database(database_url_factory(request.param))
    migration.upgrade(db.engine)
    yield db
    db.dispose()
