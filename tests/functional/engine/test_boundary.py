"""Bad input through RabbitMQ: each call answered with a reason, the engine
logs no traceback and goes on answering."""

import pytest

from hahealer import exception
from hahealer import notifications
from hahealer import validation
from tests import engine_fixture

UUID = '6f2c1b6e-0b7c-4a8e-9a3e-2f1d3c4b5a69'
HOST_DOWN = {'event': 'STOPPED', 'host_status': 'NORMAL'}


@pytest.fixture
def running(tmp_path, nova_sim, engine_factory, engine_client):
    config = engine_fixture.prepare(tmp_path, nova_sim.compute_url,
                                    hosts=('host1', 'host2'))
    engine = engine_factory(config)
    return engine, engine_client(config)


def _deep(levels):
    document = nested = {}
    for _ in range(levels):
        nested['more'] = {}
        nested = nested['more']
    return document


def test_fuzzed_values_are_answered_with_a_reason(running):
    engine, client = running
    good = notifications.build('PROCESS', 'host1', {
        'event': 'STOPPED', 'process_name': 'nova-compute'})
    cases = [
        ({**good, 'hostname': 'host\x001'}, 'contains a NUL character'),
        ({**good, 'payload': {**good['payload'],
                              'process_name': 'nova\x00'}},
         'contains a NUL character'),
        ({**good, 'generated_time': '0001-01-01T00:00:00+14:00'},
         'generated_time: '),
        ({**good, 'hostname': 'host-\ud800'},
         'contains an unpaired surrogate'),
        ({**good, 'payload': {**good['payload'], 'load': float('nan')}},
         'is not a finite number'),
        ({**good, 'payload': {**good['payload'], 'extra': _deep(50)}},
         f'nested deeper than {validation.MAX_DEPTH} levels'),
        ({**good, 'hostname': 'x' * 100_000}, '(100002 characters)'),
    ]
    for document, reason in cases:
        with pytest.raises(exception.Invalid) as caught:
            client.create_notification(None, document)
        assert reason in caught.value.message
    for call, kwargs, reason in [
        (client.list_notifications, {'limit': -1}, 'limit: -1 is not'),
        (client.get_notification, {'notification_uuid': [UUID]},
         'must be a string, not a list'),
        (client.create_segment, {'name': None, 'recovery_method': 'auto'},
         'name: must be a string, not null'),
    ]:
        with pytest.raises(exception.Invalid) as caught:
            call(None, **kwargs)
        assert reason in caught.value.message
    # A urn:uuid: id is stored and found in its canonical form.
    stored = client.create_notification(
        None, {**good, 'notification_uuid': f'urn:uuid:{UUID.upper()}'})
    assert stored['notification_uuid'] == UUID
    assert client.get_notification(None, '{' + UUID + '}')[
        'notification_uuid'] == UUID
    # Too deep for the engine's JSON decoder: refused before it is sent.
    with pytest.raises(exception.Invalid) as caught:
        client.create_notification(None, {**good, 'payload': {
            **good['payload'], 'extra': _deep(5000)}})
    assert 'nested deeper than 64 levels' in caught.value.message
    log = engine.new_log()
    assert 'Traceback' not in log
    assert max(len(line) for line in log.splitlines()) < 2000
