"""Fixtures shared by every test suite."""

import pytest

from tests import nova_sim as nova_sim_helper

pytest_plugins = ['tests.config_fixture', 'tests.database_fixture',
                  'tests.engine_fixture', 'tests.recovery_harness']

# --- the Nova emulator ----------------------------------------------------

# Fast defaults so a test waits fractions of a second, not minutes.
FAST_NOVA_SIM = dict(hosts=3, instances_per_host=2, evacuate_seconds=0.1,
                     stop_seconds=0.05, start_seconds=0.05,
                     build_seconds=0.05, service_down_time=0.5,
                     rpc_timeout=0.5)


@pytest.fixture
def nova_sim_factory():
    """Start emulators: ``nova_sim_factory(hosts=5, evacuate_seconds=1)``.

    Keyword arguments are flags of hahealer-nova-sim (underscores for
    dashes) on top of FAST_NOVA_SIM; each emulator stops after the test.
    """
    started = []

    def start(*args, **options):
        sim = nova_sim_helper.NovaSimProcess(
            *args, *nova_sim_helper.flags(**{**FAST_NOVA_SIM, **options}))
        started.append(sim.start())
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def nova_sim(nova_sim_factory):
    """An emulator with FAST_NOVA_SIM: 3 hosts, 2 HA instances on each."""
    return nova_sim_factory()
