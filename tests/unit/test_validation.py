"""Every RPC argument is checked at the boundary; bad ones get a reason."""

import pytest
from oslo_messaging.rpc import dispatcher

from hahealer import exception
from hahealer import notifications
from hahealer import validation
from hahealer.engine import manager

UUID = '6f2c1b6e-0b7c-4a8e-9a3e-2f1d3c4b5a69'
WHEN = '2026-11-21T03:00:00Z'


def _process(hostname='compute-1', process_name='nova-compute', **extra):
    return {'type': 'PROCESS', 'hostname': hostname,
            'generated_time': WHEN,
            'payload': {'event': 'STOPPED', 'process_name': process_name},
            **extra}


def _vm(instance_uuid):
    return {'type': 'VM', 'hostname': 'compute-1', 'generated_time': WHEN,
            'payload': {'event': 'LIFECYCLE', 'instance_uuid': instance_uuid,
                        'vir_domain_event': 'STOPPED_FAILED'}}


def _rejected(document):
    with pytest.raises(exception.InvalidNotification) as caught:
        notifications.validate(document)
    return caught.value.message


@pytest.mark.parametrize('document, reason', [
    (_process(hostname='compute\x00-1'),
     'hostname: ' + repr('compute\x00-1') + ' contains a NUL character'),
    (_process(process_name='nova\x00'), 'process_name: ' + repr('nova\x00')
     + ' contains a NUL character'),
    (_process(hostname='compute-\ud800'), 'contains an unpaired surrogate'),
    (_process(generated_time='0001-01-01T00:00:00+14:00'),
     "generated_time: '0001-01-01T00:00:00+14:00' is not between "
     "1970-01-01 and 9999-12-30"),
    (_process(generated_time='9999-12-31T23:59:59-14:00'),
     'is not between'),
    ({**_process(), 'payload': {'event': 'STOPPED',
                                'process_name': 'nova-compute',
                                'load': float('nan')}},
     'notification.payload.load: nan is not a finite number'),
    ({**_process(), 'payload': {'event': 'STOPPED',
                                'process_name': 'nova-compute',
                                'load': float('inf')}},
     'inf is not a finite number'),
    (_process(hostname=['compute-1']), 'hostname: '),
    (_process(notification_uuid='not-a-uuid'),
     "notification_uuid: 'not-a-uuid' is not a UUID"),
])
def test_bad_values_are_refused_naming_the_field(document, reason):
    assert reason in _rejected(document)


def test_deep_nesting_is_refused():
    deep = nested = {}
    for _ in range(validation.MAX_DEPTH + 5):
        nested['more'] = {}
        nested = nested['more']
    message = _rejected({**_process(), 'payload': {
        'event': 'STOPPED', 'process_name': 'nova-compute', 'extra': deep}})
    assert f'is nested deeper than {validation.MAX_DEPTH} levels' in message


@pytest.mark.parametrize('form', [
    f'urn:uuid:{UUID}', '{' + UUID + '}', UUID.upper(), UUID.replace('-', '')])
def test_uuid_forms_are_stored_canonical(form):
    assert notifications.validate(_vm(form))['payload'][
        'instance_uuid'] == UUID
    assert notifications.validate(_process(notification_uuid=form))[
        'notification_uuid'] == UUID


def test_quoted_values_are_cut_short():
    huge = 'x' * 1_000_000
    message = _rejected(_process(hostname=huge))
    assert len(message) < 400
    assert '(1000002 characters)' in message
    message = _rejected({**_process(), 'payload': {
        'event': huge, 'process_name': 'nova-compute'}})
    assert len(message) < 600


@pytest.fixture
def endpoint():
    # Validation answers before the database or the dispatcher is used.
    return manager.EngineManager(database=None, dispatcher=None)


def _answer(method, **kwargs):
    """The error the caller gets (oslo.messaging wraps expected ones)."""
    with pytest.raises(dispatcher.ExpectedException) as caught:
        method(None, **kwargs)
    error = caught.value.exc_info[1]
    assert isinstance(error, exception.Invalid)
    return error.message


@pytest.mark.parametrize('method, kwargs, reason', [
    ('list_notifications', {'limit': -1},
     'limit: -1 is not between 1 and 1000'),
    ('list_notifications', {'limit': 'ten'},
     'limit: must be an integer, not a string'),
    ('list_notifications', {'marker': 'nope'},
     "marker: 'nope' is not a UUID"),
    ('list_notifications', {'filters': {'colour': 'red'}},
     "filters: unknown field 'colour'"),
    ('list_notifications', {'filters': {'status': 'lost'}},
     "filters.status: 'lost' is not one of new, running"),
    ('list_notifications', {'filters': {'since': '0001-01-01T00:00:00+14:00'}},
     'filters.since: '),
    ('get_notification', {'notification_uuid': [UUID]},
     'notification_uuid: must be a string, not a list'),
    ('retry_notification', {'notification_uuid': UUID, 'force': 'yes'},
     "force: must be true or false, not 'yes'"),
    ('create_segment', {'name': None, 'recovery_method': 'auto'},
     'name: must be a string, not null'),
    ('create_segment', {'name': 'rack1', 'recovery_method': 'pray'},
     "recovery_method: 'pray' is not one of auto"),
    ('create_segment', {'name': 'rack\x001', 'recovery_method': 'auto'},
     'contains a NUL character'),
    ('update_segment', {'segment': 'rack1', 'values': {'enabled': 1}},
     'values.enabled: must be true or false, not 1'),
    ('update_segment', {'segment': 'rack1', 'values': {'uuid': UUID}},
     "values: unknown field 'uuid'"),
    ('create_host', {'name': 'c1', 'segment': 'rack1', 'reserved': None},
     'reserved: must be true or false, not None'),
    ('get_host', {'host': ''}, 'host: must not be empty'),
    ('get_host', {'host': 'c1', 'verbose': True},
     "get_host: got an unexpected keyword argument 'verbose'"),
    ('create_segment', {'name': 'rack1'},
     "create_segment: missing a required argument: 'recovery_method'"),
    ('update_host', {'host': 'c1', 'values': ['name']},
     'values: must be an object, not a list'),
])
def test_rpc_methods_refuse_wrong_types(endpoint, method, kwargs, reason):
    assert reason in _answer(getattr(endpoint, method), **kwargs)


def test_fencing_parameters_are_never_quoted(endpoint):
    message = _answer(endpoint.create_host, name='c1', segment='rack1',
                      fencing_driver='ipmi',
                      fencing_params={'password': 'S3CRET\x00'})
    assert 'fencing_params.password: must be a string' in message
    assert 'S3CRET' not in message
