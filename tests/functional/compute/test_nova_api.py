"""The compute API boundary, through python-novaclient over HTTP."""

import pytest
from oslo_config import cfg

from hahealer import exception
from hahealer.compute import nova
from hahealer.conf import nova as nova_conf


def _from_config_file(tmp_path, **nova_options):
    """A NovaAPI from a [nova] section, in a configuration of its own (an
    auth plugin registers its options when it is loaded)."""
    path = tmp_path / 'nova.conf'
    path.write_text('[nova]\n' + ''.join(
        f'{name} = {value}\n' for name, value in nova_options.items()))
    conf = cfg.ConfigOpts()
    nova_conf.register_opts(conf)
    conf(['--config-file', str(path)], project='hahealer',
         default_config_files=[], default_config_dirs=[])
    return nova.NovaAPI.from_conf(conf)


def test_auth_none_with_endpoint_override(tmp_path, nova_sim):
    api = _from_config_file(tmp_path, auth_type='none',
                            endpoint_override=nova_sim.compute_url)
    assert api.api_version.get_string() == '2.96'
    assert api.get_compute_service('host1').status == 'enabled'


def test_admin_token_with_endpoint(tmp_path, nova_sim):
    api = _from_config_file(tmp_path, auth_type='admin_token',
                            endpoint=nova_sim.compute_url, token='s3cret')
    assert [s.host for s in api.list_servers('host2')] == ['host2', 'host2']


def test_microversion_is_negotiated_and_bounded(conf, nova_sim_factory):
    sim = nova_sim_factory(max_microversion='2.60')
    api = nova.NovaAPI.for_endpoint(sim.compute_url)
    assert api.api_version.get_string() == '2.60'
    assert not api.evacuate_keeps_stopped
    server = api.list_servers('host1')[0]
    api.lock_server(server.id, 'ignored below 2.73')
    locked = api.get_server(server.id)
    assert locked.locked and locked.locked_reason is None


def test_too_old_a_nova_is_refused_with_the_versions(nova_sim_factory):
    sim = nova_sim_factory(max_microversion='2.50')
    api = nova.NovaAPI.for_endpoint(sim.compute_url)
    with pytest.raises(exception.ComputeError) as caught:
        api.get_compute_service('host1')
    assert 'Nova supports up to microversion 2.50' in caught.value.message
    assert 'needs at least 2.53' in caught.value.message


def test_errors_name_the_action(nova_sim_factory):
    # A slow stop, so that the start below surely finds it still stopping.
    nova_sim = nova_sim_factory(stop_seconds=30)
    api = nova.NovaAPI.for_endpoint(nova_sim.compute_url)
    missing = '6f2c1b6e-0b7c-4a8e-9a3e-2f1d3c4b5a69'
    with pytest.raises(exception.ComputeNotFound) as caught:
        api.get_server(missing)
    assert caught.value.message.startswith(
        f'Nova found nothing when looking up instance {missing}: ')
    with pytest.raises(exception.ComputeNotFound) as caught:
        api.get_compute_service('nowhere')
    assert 'no nova-compute service is registered for host nowhere' in (
        caught.value.message)
    server = api.list_servers('host1')[0]
    with pytest.raises(exception.ComputeBadRequest) as caught:
        api.evacuate_server(server.id)
    assert 'still in use' in caught.value.message
    api.stop_server(server.id)
    with pytest.raises(exception.ComputeConflict):
        api.start_server(server.id)  # still stopping


def test_transient_errors_are_retried_for_safe_calls(nova_sim):
    api = nova.NovaAPI.for_endpoint(nova_sim.compute_url, retries=3,
                                    retry_max_delay=0.1)
    api.get_compute_service('host1')  # negotiated before the faults
    nova_sim.set_faults(error_status=503, error_limit=2)
    assert api.get_compute_service('host1').host == 'host1'
    nova_sim.set_faults(error_status=500)
    with pytest.raises(exception.ComputeUnavailable) as caught:
        api.get_compute_service('host1')
    assert 'HTTP 500' in caught.value.message


def test_unsafe_calls_are_not_repeated(nova_sim):
    api = nova.NovaAPI.for_endpoint(nova_sim.compute_url, retries=3,
                                    retry_max_delay=0.1)
    server = api.list_servers('host1')[0]
    nova_sim.kill_host('host1')
    api.force_down_service('host1')
    nova_sim.reset_counters()
    nova_sim.set_faults(error_status=503, error_limit=1,
                        error_method='POST')
    with pytest.raises(exception.ComputeUnavailable):
        api.evacuate_server(server.id)
    counted = nova_sim.counters()['requests']
    assert counted['POST /v2.1/servers/{server_id}/action [evacuate]'] == 1


def test_a_request_that_never_answers_times_out(nova_sim):
    api = nova.NovaAPI.for_endpoint(nova_sim.compute_url, timeout=0.5,
                                    retries=0)
    api.get_compute_service('host1')
    nova_sim.set_faults(latency=3)
    with pytest.raises(exception.ComputeUnavailable) as caught:
        api.get_compute_service('host1')
    assert caught.value.message.endswith('no answer within 0.5 s')
    assert caught.value.__cause__ is None, 'nothing unstorable attached'


def test_evacuations_read_nova_s_migration_records(nova_sim):
    api = nova.NovaAPI.for_endpoint(nova_sim.compute_url)
    server, other = api.list_servers('host1')[:2]
    assert api.evacuations('host1') == []
    nova_sim.kill_host('host1')
    api.force_down_service('host1')
    api.evacuate_server(server.id, boot=True)
    api.evacuate_server(other.id, boot=True)
    [record] = api.evacuations('host1', server.id)
    assert record.instance_uuid == server.id
    assert record.source_compute == 'host1' and not record.failed
    assert record.status in ('accepted', 'pre-migrating', 'done')
    assert {r.instance_uuid for r in api.evacuations('host1')} == {
        server.id, other.id}


def test_take_out_of_service_forces_down_and_disables_in_one_request(
        nova_sim):
    api = nova.NovaAPI.for_endpoint(nova_sim.compute_url)
    nova_sim.kill_host('host1')
    service = api.get_compute_service('host1')
    nova_sim.reset_counters()
    api.take_out_of_service(service, 'host failure')
    counted = nova_sim.counters()['requests']
    assert sum(count for request, count in counted.items()
               if request.startswith('PUT')) == 1
    service = api.get_compute_service('host1')
    assert service.forced_down and service.disabled and service.down
    assert service.disabled_reason == 'host failure'
