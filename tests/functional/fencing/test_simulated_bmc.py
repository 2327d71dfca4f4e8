"""The simulated BMC itself, driven by ipmitool through the ipmi driver."""

import pytest

from hahealer import exception
from hahealer.fencing import base
from hahealer.fencing import ipmi
from hahealer.sim import bmc as sim_bmc

pytestmark = pytest.mark.usefixtures('ipmitool_installed')


def driver_for(simulated, host_name='compute-1', timeout=3.0):
    return ipmi.IPMIDriver(host_name, simulated.fencing_params(), timeout)


def test_port_is_only_known_once_started():
    simulated = sim_bmc.SimulatedBMC('admin', 'pw')
    with pytest.raises(RuntimeError, match='not started'):
        simulated.fencing_params()


def test_starts_powered_off_when_asked():
    with sim_bmc.SimulatedBMC('admin', 'pw', powered_on=False) as simulated:
        assert driver_for(simulated).get_power_state() == base.POWER_OFF


def test_a_stopped_bmc_answers_nothing_and_a_new_one_answers():
    first = sim_bmc.SimulatedBMC('admin', 'pw').start()
    driver = driver_for(first, timeout=1.0)
    assert driver.get_power_state() == base.POWER_ON
    first.stop()
    with pytest.raises(exception.FencingFailed):
        driver.get_power_state()
    with sim_bmc.SimulatedBMC('admin', 'pw') as second:
        assert driver_for(second).get_power_state() == base.POWER_ON


def test_farm_keeps_each_hosts_power_apart():
    hosts = ['compute-1', 'compute-2', 'compute-3']
    with sim_bmc.BMCFarm(hosts, 'admin', 'pw') as farm:
        ports = {farm[host].port for host in hosts}
        assert len(ports) == len(hosts)
        driver_for(farm['compute-2'], 'compute-2').power_off()
        states = {host: driver_for(farm[host], host).get_power_state()
                  for host in hosts}
    assert states == {'compute-1': 'on', 'compute-2': 'off',
                      'compute-3': 'on'}


def test_farm_passes_knobs_to_every_bmc():
    with sim_bmc.BMCFarm(['a', 'b'], 'admin', 'pw', stuck_on=True) as farm:
        driver = driver_for(farm['b'], 'b')
        driver.power_off()
        assert driver.get_power_state() == base.POWER_ON
        assert farm['a'].stuck_on
