"""The engine's Prometheus endpoint, scraped over HTTP."""

import socket

import requests
from prometheus_client import parser

from hahealer import notifications
from hahealer import rpc
from tests import engine_fixture
from tests import scenario


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def _samples(url):
    text = requests.get(url, timeout=5).text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in parser.text_string_to_metric_families(text)
            for sample in family.samples}


def test_a_recovery_shows_in_the_metrics(tmp_path, nova_sim_factory,
                                         engine_factory):
    sim = nova_sim_factory(instances_per_host=2)
    port = _free_port()
    config = engine_fixture.prepare(
        tmp_path, sim.compute_url, hosts=('host1', 'host2', 'host3'),
        metrics={'enabled': 'true', 'port': port},
        host_failure={'quick_evacuate_level': 2})
    database = engine_fixture.open_database(config)
    database.update_host('host1', fencing_driver='noop')
    database.dispose()
    engine_factory(config)
    client = rpc.EngineClient.from_config_files([str(config)], timeout=20)
    sim.kill_host('host1')
    uuid = client.create_notification(None, notifications.build(
        'COMPUTE_HOST', 'host1', {'event': 'STOPPED',
                                  'host_status': 'NORMAL'}))[
        'notification_uuid']
    client.create_notification(None, notifications.build(
        'COMPUTE_HOST', 'host2', {'event': 'STARTED',
                                  'host_status': 'NORMAL'}))
    scenario.wait_for(
        lambda: client.get_notification(None, uuid)['status'] == 'finished',
        60, what='the host recovery to finish')
    client.close()
    url = f'http://127.0.0.1:{port}/metrics'
    finished = ('hahealer_notifications_total',
                (('status', 'finished'), ('type', 'COMPUTE_HOST')))

    def counted():
        samples = _samples(url)
        return samples if samples.get(finished) == 1 else None

    samples = scenario.wait_for(counted, 10,
                                what='the finished notification counted')
    assert samples[('hahealer_notifications_total', (
        ('status', 'ignored'), ('type', 'COMPUTE_HOST')))] == 1
    assert samples[('hahealer_evacuations_total',
                    (('result', 'succeeded'),))] == 2
    assert samples[('hahealer_fencing_attempts_total',
                    (('driver', 'noop'), ('result', 'succeeded')))] == 1
    assert samples[('hahealer_recovery_duration_seconds_count', (
        ('flow', 'host_auto_failure'), ('outcome', 'finished')))] == 1
    assert samples[('hahealer_nova_requests_total', (
        ('call', 'ServerManager.evacuate'), ('outcome', 'ok')))] == 2
    assert samples[('hahealer_nova_request_duration_seconds_count', (
        ('call', 'ServerManager.evacuate'),))] == 2
