"""One engine per test module: the Nova emulator and hahealer-engine on
RabbitMQ, started once, shared by the module's tests."""

import dataclasses

import pytest

from tests import engine_fixture
from tests import nova_sim
from tests.conftest import FAST_NOVA_SIM


@dataclasses.dataclass
class Cloud:
    config: object
    sim: nova_sim.NovaSimProcess
    engine: engine_fixture.EngineProcess


@pytest.fixture(scope='module')
def cloud_factory(tmp_path_factory):
    """cloud_factory(segment_hosts=..., sections=..., **sim_options).

    ``segment_hosts`` go into segment rack1 (recovery method auto);
    ``sections`` are config groups as for engine_fixture.write_config;
    ``sim_options`` are flags of the emulator on top of FAST_NOVA_SIM.
    """
    stops = []

    def start(segment_hosts=(), sections=None, **sim_options):
        sim = nova_sim.NovaSimProcess(
            *nova_sim.flags(**{**FAST_NOVA_SIM, **sim_options})).start()
        stops.append(sim.stop)
        config = engine_fixture.prepare(
            tmp_path_factory.mktemp('cli'), sim.compute_url,
            hosts=segment_hosts,
            **(sections or {}))
        engine = engine_fixture.EngineProcess(config).start()
        stops.append(engine.kill)
        return Cloud(config, sim, engine)

    yield start
    for stop in reversed(stops):
        stop()
