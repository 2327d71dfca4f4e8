"""The engine starts without Nova, and says it is unhealthy until Nova
answers: in its log and on /health beside the metrics."""

import requests

from hahealer import notifications
from tests import engine_fixture
from tests import keystone_fixture
from tests import scenario
from tests.functional.engine.test_metrics import _free_port
from tests.functional.engine.test_metrics import _samples

NO_NOVA = 'http://127.0.0.1:9/v2.1'
WRONG_PASSWORD = 'not-the-admin-pw'


def _health(port):
    answer = requests.get(f'http://127.0.0.1:{port}/health', timeout=5)
    return answer.status_code, answer.json()


def _unhealthy_log(engine):
    """The engine's log once it says it is unhealthy."""
    def unhealthy():
        text = engine.new_log()
        return text if 'Unhealthy' in text else None

    return scenario.wait_for(unhealthy, 60,
                             what='the engine to say it is unhealthy')


def test_an_engine_without_nova_starts_and_says_it_is_unhealthy(
        tmp_path, engine_factory):
    port = _free_port()
    config = engine_fixture.prepare(
        tmp_path, NO_NOVA, hosts=('host1',),
        metrics={'enabled': 'true', 'port': port},
        nova={'api_retries': 0})
    log = _unhealthy_log(engine_factory(config))
    assert ('Unhealthy: Nova cannot be used (Nova is unavailable for '
            'version negotiation: ConnectFailure)') in log
    status, document = _health(port)
    assert status == 503
    assert document == {
        'status': 'unhealthy',
        'nova': 'Nova is unavailable for version negotiation: '
                'ConnectFailure'}
    assert 'Traceback' not in log
    # The metrics are still served beside it.
    assert 'hahealer_notifications_total' in requests.get(
        f'http://127.0.0.1:{port}/metrics', timeout=5).text


def test_an_engine_with_nova_is_healthy_and_gauges_its_queue(
        tmp_path, nova_sim, engine_factory, engine_client):
    port = _free_port()
    config = engine_fixture.prepare(
        tmp_path, nova_sim.compute_url, hosts=('host1',),
        metrics={'enabled': 'true', 'port': port})
    engine = engine_factory(config)
    scenario.wait_for(lambda: 'Healthy: Nova answers' in engine.new_log(),
                      30, what='the engine to find Nova')
    assert _health(port) == (200, {'status': 'ok', 'nova': 'ok'})
    engine_client(config).create_notification(None, notifications.build(
        'COMPUTE_HOST', 'host1', {'event': 'STARTED',
                                  'host_status': 'NORMAL'}))
    samples = _samples(f'http://127.0.0.1:{port}/metrics')
    assert samples[('hahealer_queue_notifications',
                    (('status', 'ignored'),))] == 1
    assert samples[('hahealer_queue_notifications',
                    (('status', 'new'),))] == 0
    assert samples[('hahealer_queue_held_notifications', ())] == 0
    assert samples[('hahealer_queue_oldest_running_age_seconds', ())] == 0


def test_an_engine_whose_credentials_keystone_refuses_says_it_is_unhealthy(
        tmp_path, nova_sim, engine_factory):
    (tmp_path / 'keystone').mkdir()
    keystone = keystone_fixture.start(tmp_path / 'keystone',
                                      'http://127.0.0.1:9/v1')
    try:
        port = _free_port()
        config = engine_fixture.prepare(
            tmp_path / 'hahealer', nova_sim.compute_url, hosts=('host1',),
            metrics={'enabled': 'true', 'port': port},
            nova={'api_retries': 0, 'auth_type': 'password',
                  **keystone.auth('admin', 'admin', WRONG_PASSWORD)})
        log = _unhealthy_log(engine_factory(config))
        status, document = _health(port)
    finally:
        keystone.stop()
    assert ('Unhealthy: Nova cannot be used (Nova is unavailable for '
            'version negotiation: Unauthorized: the [nova] credentials were '
            'refused)') in log
    assert (status, document) == (503, {
        'status': 'unhealthy',
        'nova': 'Nova is unavailable for version negotiation: '
                'Unauthorized: the [nova] credentials were refused'})
    assert 'Traceback' not in log
    assert WRONG_PASSWORD not in log + str(document)
