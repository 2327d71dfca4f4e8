"""``hahealer-manage db sync`` as operators run it, on each backend."""

import contextlib
import datetime
import subprocess
import sys

import pytest
import sqlalchemy as sa
from taskflow import exceptions as tf_exc
from taskflow.persistence import models as tf_models

from hahealer.db import api as db_api
from hahealer.db import migration
from hahealer.db import models
from hahealer.engine import runner
from tests.database_fixture import BACKENDS
from tests.engine_fixture import REPO_ROOT


def _manage(tmp_path, database, taskflow, *args):
    config = tmp_path / 'hahealer.conf'
    config.write_text(
        f'[DEFAULT]\nstate_path = {tmp_path}\n'
        f'log_file = {tmp_path}/manage.log\n'
        f'[database]\nconnection = {database}\n'
        f'[taskflow]\nconnection = {taskflow}\n')
    return subprocess.run(
        [sys.executable, '-m', 'hahealer.cmd.manage', '--config-file',
         str(config), 'db', 'sync', *args],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)


def _tables(url):
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _version_table(name):
    return sa.Table(name, sa.MetaData(),
                    sa.Column('version_num', sa.String(32), primary_key=True))


def _versions(url, table):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return set(connection.execute(sa.select(
                _version_table(table).c.version_num)).scalars())
    finally:
        engine.dispose()


@pytest.mark.parametrize('backend', BACKENDS)
def test_one_database_holds_both_schemas(backend, tmp_path,
                                         database_url_factory):
    url = database_url_factory(backend)
    for _ in range(2):  # a second sync changes nothing
        done = _manage(tmp_path, url, url)
        assert done.returncode == 0, done.stderr
        assert 'up to date' in done.stdout
    tables = _tables(url)
    assert {'notifications', 'hosts', 'logbooks', 'flowdetails',
            'atomdetails'} <= tables
    assert _versions(url, migration.VERSION_TABLE) == {
        migration.head_revision()}
    if backend != 'sqlite':  # taskflow creates SQLite without alembic
        assert migration.head_revision() not in _versions(
            url, 'alembic_version')


@pytest.mark.parametrize('backend', BACKENDS)
def test_a_stamp_in_alembics_default_table_is_adopted(
        backend, tmp_path, database_url_factory):
    url = database_url_factory(backend)
    engine = sa.create_engine(url)
    migration.upgrade(engine)
    # How a database synced before hahealer had its own table looks.
    with engine.begin() as connection:
        shared = _version_table('alembic_version')
        shared.create(connection)
        connection.execute(shared.insert().values(
            version_num=migration.head_revision()))
        _version_table(migration.VERSION_TABLE).drop(connection)
    engine.dispose()
    done = _manage(tmp_path, url, url)
    assert done.returncode == 0, done.stderr
    assert _versions(url, migration.VERSION_TABLE) == {
        migration.head_revision()}
    assert 'logbooks' in _tables(url)


def test_an_unreachable_database_changes_nothing_and_says_why(
        tmp_path, database_url_factory):
    url = database_url_factory('sqlite')
    done = _manage(tmp_path, url,
                   'postgresql+psycopg2://nobody:SECRET@127.0.0.1:9/x')
    assert done.returncode == 1
    assert done.stderr.startswith('hahealer-manage: ')
    assert '127.0.0.1' in done.stderr and 'Traceback' not in done.stderr
    assert 'SECRET' not in done.stderr
    assert _tables(url) == set()


def test_a_schema_from_a_newer_release_is_left_alone(
        tmp_path, database_url_factory):
    url = database_url_factory('postgresql')
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        ours = _version_table(migration.VERSION_TABLE)
        ours.create(connection)
        connection.execute(ours.insert().values(version_num='9999'))
    engine.dispose()
    done = _manage(tmp_path, url, url)
    assert done.returncode == 1
    assert 'revision 9999' in done.stderr
    assert _tables(url) == {migration.VERSION_TABLE}


def _purge(tmp_path, url, before):
    config = tmp_path / 'hahealer.conf'
    config.write_text(f'[DEFAULT]\nstate_path = {tmp_path}\n'
                      f'[database]\nconnection = {url}\n'
                      f'[taskflow]\nconnection = {url}\n')
    return subprocess.run(
        [sys.executable, '-m', 'hahealer.cmd.manage', '--config-file',
         str(config), 'db', 'purge', '--before', before],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)


@pytest.mark.parametrize('backend', ['sqlite', 'mysql'])
def test_purge_deletes_ended_notifications_and_their_logbooks(
        backend, tmp_path, database_url_factory):
    url = database_url_factory(backend)
    assert _manage(tmp_path, url, url).returncode == 0
    database = db_api.Database(url)
    database.create_segment('rack1', 'auto')
    database.create_host('compute-1', 'rack1')
    records = []
    for event in ('STOPPED', 'STARTED'):
        record, _ = database.create_notification({
            'type': 'PROCESS', 'hostname': 'compute-1',
            'generated_time': datetime.datetime(2026, 11, 21, 3),
            'payload': {'event': event, 'process_name': 'nova-compute'},
            **({'status': 'ignored', 'reason': 'started'}
               if event == 'STARTED' else {})}, 60)
        records.append(record)
    old, kept_new = records[1], records[0]
    database.record_task_state(old['notification_uuid'], 'flow', 'task',
                               'SUCCESS')
    flow_runner = runner.FlowRunner(url)
    with contextlib.closing(flow_runner._backend.get_connection()) as conn:
        conn.save_logbook(tf_models.LogBook(old['notification_uuid'],
                                            uuid=old['notification_uuid']))
    with database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(
            models.WorkflowTask)) == 1
    done = _purge(tmp_path, url, '2999-01-01')
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('Purged 1 notification(s) that ended '
                                  'before 2999-01-01T00:00:00Z')
    assert [n['notification_uuid'] for n in database.list_notifications()
            ] == [kept_new['notification_uuid']]
    with database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(
            models.WorkflowTask)) == 0
    with contextlib.closing(flow_runner._backend.get_connection()) as conn:
        with pytest.raises(tf_exc.NotFound):
            conn.get_logbook(old['notification_uuid'])
    flow_runner.close()
    database.dispose()


def test_purge_refuses_a_date_it_cannot_read(tmp_path,
                                             database_url_factory):
    url = database_url_factory('sqlite')
    done = _purge(tmp_path, url, 'last tuesday')
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "hahealer-manage: Invalid input: --before: 'last tuesday' is not an "
        "ISO 8601 date and time (e.g. 2026-11-21T03:00:00Z)")
