import datetime

import pytest

from hahealer import exception
from hahealer import notifications

UUID = '6f2c1b6e-0b7c-4a8e-9a3e-2f1d3c4b5a69'
WHEN = '2026-11-21T03:00:00Z'


def host(event='STOPPED', host_status='NORMAL', **extra):
    payload = {'event': event, 'host_status': host_status,
               'cluster_status': 'OFFLINE', **extra}
    return {'type': 'COMPUTE_HOST', 'hostname': 'compute-1',
            'generated_time': WHEN, 'payload': payload}


def vm(event='LIFECYCLE', domain_event='STOPPED_FAILED', instance=UUID):
    return {'type': 'VM', 'hostname': 'compute-1', 'generated_time': WHEN,
            'payload': {'event': event, 'instance_uuid': instance,
                        'vir_domain_event': domain_event}}


def process(event='STOPPED'):
    return {'type': 'PROCESS', 'hostname': 'compute-1',
            'generated_time': WHEN,
            'payload': {'event': event, 'process_name': 'nova-compute'}}


def test_valid_notifications_are_normalised():
    values = notifications.validate(host(event='stopped',
                                         host_status='normal'))
    assert values['payload']['event'] == 'STOPPED'
    assert values['payload']['host_status'] == 'NORMAL'
    assert values['generated_time'] == datetime.datetime(2026, 11, 21, 3)
    assert notifications.validate(vm())['type'] == 'VM'
    assert notifications.validate(process())['type'] == 'PROCESS'


@pytest.mark.parametrize('document, reason', [
    ('not a dict', 'a notification is a JSON object, not str'),
    ({}, 'type: is required'),
    ({**host(), 'type': 'DISK'},
     "type: 'DISK' is not one of ['COMPUTE_HOST', 'VM', 'PROCESS']"),
    ({**host(), 'hostname': ''}, 'hostname: '),
    ({**host(), 'generated_time': 'yesterday'},
     "generated_time: 'yesterday' is not an ISO 8601 date and time"),
    ({**host(), 'payload': []}, "payload: [] is not of type 'object'"),
    ({**host(), 'colour': 'red'}, "('colour' was unexpected)"),
    (host(event='EXPLODED'),
     "payload.event: 'EXPLODED' is not one of ['STARTED', 'STOPPED']"),
    ({**host(), 'payload': {'event': 'STOPPED'}},
     'payload.host_status: is required'),
    (vm(instance='not-a-uuid'),
     "payload.instance_uuid: 'not-a-uuid' is not a UUID"),
    ({**process(), 'payload': {'event': 'STOPPED'}},
     'payload.process_name: is required'),
    ({**process(), 'notification_uuid': '42'},
     "notification_uuid: '42' is not a UUID"),
])
def test_invalid_notifications_name_field_and_reason(document, reason):
    with pytest.raises(exception.InvalidNotification) as caught:
        notifications.validate(document)
    assert reason in caught.value.message


@pytest.mark.parametrize('document, ignored', [
    (host(), False),
    (host(event='STARTED'), True),
    (host(host_status='UNKNOWN'), True),
    (process(), False),
    (process(event='STARTED'), True),
    (vm(), False),
    (vm('IO_ERROR', 'IO_ERROR_REPORT'), False),
    (vm('QEMU_GUEST_AGENT_ERROR', 'STOPPED_FAILED'), False),
    (vm('LIFECYCLE', 'STARTED_BOOTED'), True),
    (vm('REBOOT', 'REBOOTED'), True),
])
def test_only_real_failures_call_for_recovery(document, ignored):
    reason = notifications.ignore_reason(notifications.validate(document))
    assert (reason is not None) == ignored


def test_unknown_host_status_is_ignored_as_unsafe():
    reason = notifications.ignore_reason(
        notifications.validate(host(host_status='UNKNOWN')))
    assert 'may still be running' in reason


def test_build_makes_a_valid_envelope():
    envelope = notifications.build('PROCESS', 'compute-2',
                                   {'event': 'STOPPED',
                                    'process_name': 'libvirtd'},
                                   notification_uuid=UUID)
    assert notifications.validate(envelope)['notification_uuid'] == UUID
