"""``hahealer-manage import-masakari``: segments and hosts copied from a
database with Masakari's schema (its tables as Masakari creates them, with
soft-deleted rows)."""

import subprocess
import sys

import sqlalchemy as sa

from tests import engine_fixture

MASAKARI_SCHEMA = [
    '''CREATE TABLE failover_segments (
        created_at DATETIME, updated_at DATETIME, deleted_at DATETIME,
        deleted INTEGER, id INTEGER PRIMARY KEY, uuid VARCHAR(36) NOT NULL,
        name VARCHAR(255) NOT NULL, service_type VARCHAR(255) NOT NULL,
        enabled BOOLEAN, description TEXT,
        recovery_method VARCHAR(255) NOT NULL)''',
    '''CREATE TABLE hosts (
        created_at DATETIME, updated_at DATETIME, deleted_at DATETIME,
        deleted INTEGER, id INTEGER PRIMARY KEY, uuid VARCHAR(36) NOT NULL,
        name VARCHAR(255) NOT NULL, reserved BOOLEAN,
        type VARCHAR(255) NOT NULL, control_attributes TEXT NOT NULL,
        on_maintenance BOOLEAN, failover_segment_id VARCHAR(36) NOT NULL)''',
    '''INSERT INTO failover_segments (deleted, id, uuid, name, service_type,
        enabled, description, recovery_method) VALUES
        (0, 1, '9e800031-6946-4b43-bf09-8b3d1cab792b', 'segment1',
         'COMPUTE', 1, 'rack one', 'reserved_host'),
        (2, 2, '5fd9f925-0379-40db-a7f8-786a0b655b2a', 'gone', 'COMPUTE',
         1, NULL, 'auto')''',
    '''INSERT INTO hosts (deleted, id, uuid, name, reserved, type,
        control_attributes, on_maintenance, failover_segment_id) VALUES
        (0, 1, '083a8474-22c0-407f-b89b-c569134c3bfd', 'compute-1', 0,
         'COMPUTE', 'SSH', 0, '9e800031-6946-4b43-bf09-8b3d1cab792b'),
        (0, 2, '1c2f1795-ce78-4d4c-afd0-ce141fdb3952', 'spare-1', 1,
         'COMPUTE', 'SSH', 1, '9e800031-6946-4b43-bf09-8b3d1cab792b')''',
]


def _import(config, url):
    return subprocess.run(
        [sys.executable, '-m', 'hahealer.cmd.manage', '--config-file',
         str(config), 'import-masakari', url], capture_output=True,
        text=True, cwd=engine_fixture.REPO_ROOT, timeout=120)


def _masakari_database(tmp_path, *extra_statements):
    """A Masakari SQLite database with MASAKARI_SCHEMA's rows and these."""
    masakari_url = f'sqlite:///{tmp_path}/masakari.sqlite'
    masakari = sa.create_engine(masakari_url)
    with masakari.begin() as connection:
        for statement in (*MASAKARI_SCHEMA, *extra_statements):
            connection.execute(sa.text(statement))
    masakari.dispose()
    return masakari_url


def test_import_copies_segments_and_hosts_once(tmp_path):
    masakari_url = _masakari_database(tmp_path)
    config = engine_fixture.prepare(tmp_path / 'hahealer',
                                    'http://127.0.0.1:9/')
    done = _import(config, masakari_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ['segment segment1: copied',
                                            'host compute-1: copied, no '
                                            'fencing driver yet (hahealer '
                                            'host update compute-1 '
                                            '--fencing-driver ...)']
    database = engine_fixture.open_database(config)
    try:
        [segment] = database.list_segments()
        assert (segment['uuid'], segment['recovery_method'],
                segment['description']) == (
            '9e800031-6946-4b43-bf09-8b3d1cab792b', 'reserved_host',
            'rack one')
        spare = database.show_host('spare-1')
        assert (spare['uuid'], spare['reserved'], spare['on_maintenance'],
                spare['segment']) == (
            '1c2f1795-ce78-4d4c-afd0-ce141fdb3952', True, True, 'segment1')
    finally:
        database.dispose()
    again = _import(config, masakari_url)
    assert again.returncode == 0, again.stderr
    assert 'segment segment1: exists, left as it is' in again.stdout
    assert 'host spare-1: exists, left as it is' in again.stdout


def test_a_url_that_is_not_masakari_is_refused_cleanly(tmp_path):
    config = engine_fixture.prepare(tmp_path, 'http://127.0.0.1:9/')
    done = _import(config, 'mysql+pymysql://masakari:Secret-77@')
    assert done.returncode == 1
    assert 'Secret-77' not in done.stderr + done.stdout
    assert 'Traceback' not in done.stderr
    done = _import(config, f'sqlite:///{tmp_path}/empty.sqlite')
    assert done.returncode == 1
    assert 'cannot read a Masakari database there' in done.stderr


def test_one_bad_record_imports_nothing(tmp_path):
    masakari_url = _masakari_database(
        tmp_path,
        "INSERT INTO failover_segments (deleted, id, uuid, name, "
        "service_type, enabled, recovery_method) VALUES (0, 3, "
        "'0b6d6c43-1c5e-4cc4-9d8e-3f1c0e2f5a11', 'rack9', 'COMPUTE', "
        "1, 'by_hand')")
    config = engine_fixture.prepare(tmp_path / 'hahealer',
                                    'http://127.0.0.1:9/')
    done = _import(config, masakari_url)
    assert done.returncode == 1
    assert "segment rack9: recovery method 'by_hand' is not one of" in \
        done.stderr
    database = engine_fixture.open_database(config)
    try:
        assert (database.list_segments(), database.list_hosts()) == ([], [])
    finally:
        database.dispose()
