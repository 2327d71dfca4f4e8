"""Fencing parameters encrypted at rest: Fernet keys from the
configuration, rotated with MultiFernet, on every database backend, and
``hahealer-manage fencing encrypt|generate-key``."""

import subprocess
import sys

import pytest
import sqlalchemy as sa

from hahealer import exception
from hahealer.db import secrets
from tests import engine_fixture

PASSWORD = 'Bmc-Pa55word-4410'
PARAMS = {'address': '10.0.0.7', 'username': 'root', 'password': PASSWORD}


@pytest.fixture
def keys():
    first, second = secrets.generate_key(), secrets.generate_key()
    yield first, second
    secrets.use_keys([])


def _raw(database, name):
    with database.engine.connect() as connection:
        return connection.execute(sa.text(
            'SELECT fencing_params FROM hosts WHERE name = :name'),
            {'name': name}).scalar()


def test_stored_encrypted_read_in_clear_and_rotated(database, keys):
    first, second = keys
    secrets.use_keys([first])
    database.create_segment('rack1', 'auto')
    database.create_host('compute-1', 'rack1', fencing_driver='ipmi',
                         fencing_params=PARAMS)
    raw = str(_raw(database, 'compute-1'))
    assert PASSWORD not in raw and '10.0.0.7' not in raw
    assert 'fernet' in raw
    assert database.get_host('compute-1').fencing_params == PARAMS
    assert database.show_host('compute-1')['fencing_params'][
        'password'] == '***'

    # Rotation: the new key first, every row written again, old key gone.
    secrets.use_keys([second, first])
    assert database.encrypt_fencing_params() == ['compute-1']
    secrets.use_keys([second])
    assert database.get_host('compute-1').fencing_params == PARAMS

    secrets.use_keys([first])
    with pytest.raises(exception.ConfigurationError,
                       match='a key that .fencing. secret_keys does not '
                             'list'):
        database.get_host('compute-1')
    secrets.use_keys([])
    with pytest.raises(exception.ConfigurationError,
                       match='set .fencing. secret_keys'):
        database.get_host('compute-1')


def test_rows_stored_before_keys_are_read_and_encrypted(database, keys):
    database.create_segment('rack1', 'auto')
    database.create_host('compute-1', 'rack1', fencing_driver='ipmi',
                         fencing_params=PARAMS)
    database.create_host('compute-2', 'rack1')
    assert PASSWORD in str(_raw(database, 'compute-1'))
    secrets.use_keys([keys[0]])
    assert database.get_host('compute-1').fencing_params == PARAMS
    assert database.encrypt_fencing_params() == ['compute-1']
    assert PASSWORD not in str(_raw(database, 'compute-1'))
    assert database.get_host('compute-1').fencing_params == PARAMS


def test_a_key_that_is_not_fernet_is_refused_without_quoting_it():
    with pytest.raises(exception.ConfigurationError) as caught:
        secrets.use_keys(['not-a-key-Secret'])
    assert 'key 1 is not a Fernet key' in caught.value.message
    assert 'Secret' not in caught.value.message


def _manage(config, *args):
    return subprocess.run(
        [sys.executable, '-m', 'hahealer.cmd.manage', '--config-file',
         str(config), *args], capture_output=True, text=True,
        cwd=engine_fixture.REPO_ROOT, timeout=120)


def test_manage_encrypts_the_rows_stored_before(tmp_path, keys):
    config = engine_fixture.prepare(tmp_path, 'http://127.0.0.1:9/')
    database = engine_fixture.open_database(config)
    try:
        database.create_segment('rack1', 'auto')
        database.create_host('compute-1', 'rack1', fencing_driver='ipmi',
                             fencing_params=PARAMS)
        done = _manage(config, 'fencing', 'encrypt')
        assert done.returncode == 1
        assert 'set [fencing] secret_keys first' in done.stderr
        key = _manage(config, 'fencing', 'generate-key').stdout.strip()
        with open(config, 'a') as stream:
            stream.write(f'\n[fencing]\nsecret_keys = {key}\n')
        done = _manage(config, 'fencing', 'encrypt')
        assert done.returncode == 0, done.stderr
        assert 'of 1 host(s) encrypted' in done.stdout
        assert PASSWORD not in str(_raw(database, 'compute-1'))
        secrets.use_keys([key])
        assert database.get_host('compute-1').fencing_params == PARAMS
    finally:
        database.dispose()
