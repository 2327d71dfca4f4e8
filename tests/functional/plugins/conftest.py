"""The example task package, installed by pip, and what its tests need."""

import importlib

import pytest
import stevedore
from stevedore import _cache as stevedore_cache

from hahealer.engine import flows
from tests.functional.plugins import helpers


@pytest.fixture(scope='session')
def example_package():
    """(Re)install the example package; what pip printed.

    Never relies on an earlier run: pip builds the package from its source
    and replaces any installed copy.
    """
    done = helpers.run(helpers.INSTALL)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def installed_tasks(example_package, monkeypatch):
    """The tasks this process finds after the install, as flows sees them.

    An engine reads the installed entry points when it starts. stevedore
    keeps what it read for the life of the process and hahealer keeps the
    task classes it loaded, so a process that read them before the install
    (an earlier test) forgets both here, as a restarted engine would.
    """
    importlib.invalidate_caches()
    monkeypatch.setattr(stevedore.ExtensionManager, 'ENTRY_POINT_CACHE', {})
    monkeypatch.setattr(stevedore_cache, 'get_group_all',
                        stevedore_cache.Cache().get_group_all)
    flows.available_tasks.cache_clear()
    yield flows.available_tasks()
    flows.available_tasks.cache_clear()


@pytest.fixture
def summary_task(installed_tasks):
    """The example task's class, loaded through its entry point.

    Loading it imports its module, which registers [example_webhook].
    """
    classes, errors = installed_tasks
    assert helpers.TASK_NAME not in errors, errors[helpers.TASK_NAME]
    return classes[helpers.TASK_NAME]


@pytest.fixture
def webhook():
    receiver = helpers.Webhook().start()
    yield receiver
    receiver.stop()
