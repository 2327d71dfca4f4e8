"""The hahealer-nova-sim program and the in-process API."""

import signal
import subprocess
import sys

import pytest
import requests
import yaml
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from novaclient import client as nova_client

from hahealer.sim import scenario as scenario_mod
from hahealer.sim import server
from tests import nova_sim as nova_sim_helper
from tests import scenario

FLAGS = ['--bind', '--port', '--hosts', '--instances-per-host',
         '--evacuate-seconds', '--stop-seconds', '--start-seconds',
         '--build-seconds', '--jitter', '--max-concurrent-evacuations',
         '--service-down-time', '--report-interval',
         '--initial-reporting-delay', '--rpc-timeout', '--max-microversion',
         '--max-limit', '--scenario', '--seed', '--log-requests']


def run_program(*args):
    return subprocess.run(
        [sys.executable, '-m', 'hahealer.cmd.nova_sim', *args],
        capture_output=True, text=True, timeout=30,
        cwd=nova_sim_helper.REPO_ROOT)


def test_help_documents_every_flag_and_the_control_api():
    done = run_program('--help')
    assert done.returncode == 0
    for flag in FLAGS:
        assert flag in done.stdout
    for route in ('/_sim/hosts/NAME/kill', '/_sim/hosts/NAME/revive',
                  '/_sim/faults', '/_sim/counters', 'member:<project>'):
        assert route in done.stdout


@pytest.mark.parametrize('args, complaint', [
    (['--max-microversion', '2.97'], 'max_microversion must be from 2.1'),
    (['--jitter', '1.5'], 'jitter'),
    (['--service-down-time', '0'], 'service_down_time must be > 0'),
    (['--report-interval', '-1'], 'report_interval must be >= 0'),
    (['--initial-reporting-delay', '-1'],
     'initial_reporting_delay must be >= 0'),
    (['--scenario', '/nonexistent.yaml'], 'No such file'),
])
def test_bad_settings_fail_fast_with_a_reason(args, complaint):
    done = run_program('--port', '0', *args)
    assert done.returncode == 1
    assert done.stdout == ''
    assert complaint in done.stderr


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_signals_after_one_line(signum):
    sim = nova_sim_helper.NovaSimProcess('--hosts', '1').start()
    assert sim.url.startswith('http://127.0.0.1:')
    assert sim.stop(signum) == 0
    assert sim.trailing_stdout == ''  # the listening line was all


def test_startup_failure_reports_stderr(tmp_path):
    bad = tmp_path / 'bad.yaml'
    bad.write_text('hosts: [a]\nwhatever: 1\n')
    with pytest.raises(RuntimeError, match='unknown field'):
        nova_sim_helper.NovaSimProcess('--scenario', str(bad)).start()


def test_scenario_file_seeds_hosts_instances_and_states(nova_sim_factory,
                                                        tmp_path):
    scenario = tmp_path / 'cloud.yaml'
    scenario.write_text(yaml.safe_dump({
        'hosts': ['c1', {'name': 'c2', 'alive': False}],
        'instances': [
            {'host': 'c1', 'name': 'web', 'count': 2,
             'metadata': {'HA_Enabled': 'True'}},
            {'host': 'c2', 'name': 'db', 'vm_state': 'stopped',
             'locked': True, 'project': 'billing'},
        ]}))
    sim = nova_sim_factory(scenario=scenario, hosts=7, instances_per_host=0)
    assert sim.hosts() == [{'name': 'c1', 'alive': True},
                           {'name': 'c2', 'alive': False}]
    nova = sim.admin_client()
    servers = {s.name: s for s in nova.servers.list(
        search_opts={'all_tenants': True})}
    assert sorted(servers) == ['db', 'web-1', 'web-2']
    assert servers['web-1'].metadata == {'HA_Enabled': 'True'}
    db = servers['db']
    assert (db.status, db.locked, db.tenant_id) == ('SHUTOFF', True,
                                                    'billing')
    assert '--hosts is ignored' in sim.stderr()


def test_in_process_server_serves_novaclient():
    sim = server.start(scenario_mod.Scenario(
        hosts=2, instances_per_host=1, evacuate_seconds=0, stop_seconds=0,
        service_down_time=0.2))
    try:
        assert sim.compute_url == sim.url + '/v2.1'
        session = ks_session.Session(auth=noauth.NoAuth())
        nova = nova_client.Client('2.96', session=session,
                                  endpoint_override=sim.compute_url)
        [victim] = nova.servers.list(search_opts={'all_tenants': True,
                                                  'host': 'host1'})
        sim.cloud.kill_host('host1')
        scenario.wait_for(
            lambda: nova.services.list(host='host1')[0].state == 'down')
        # Evacuated at 2.96, it arrives stopped: done at once all the same.
        nova.servers.evacuate(victim)
        moved = nova.servers.get(victim.id)
        assert getattr(moved, 'OS-EXT-SRV-ATTR:host') == 'host2'
        assert sim.counters.snapshot()['evacuations']['finished'] == 1
    finally:
        sim.stop()


def test_log_requests_writes_one_line_per_request(nova_sim_factory):
    sim = nova_sim_factory(log_requests=True)
    sim.admin_client().flavors.get('1')
    scenario.wait_for(
        lambda: 'GET /v2.1/flavors/1 -> 200' in sim.stderr(),
        what='the request in the log')


def test_nothing_answers_after_an_in_process_stop():
    sim = server.start(scenario_mod.Scenario(hosts=1))
    http = requests.Session()  # keeps its connection alive
    assert http.get(sim.url + '/_sim/hosts').json() == {
        'hosts': [{'name': 'host1', 'alive': True}]}
    sim.stop()
    with pytest.raises(requests.ConnectionError):
        http.get(sim.url + '/_sim/hosts', timeout=5)
