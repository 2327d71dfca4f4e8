"""Fixtures of the database tests."""

import pytest


@pytest.fixture
def notifying(database):
    """The database, with hosts compute-0..9 that may send notifications."""
    database.create_segment('monitored', 'auto')
    for index in range(10):
        database.create_host(f'compute-{index}', 'monitored')
    return database
