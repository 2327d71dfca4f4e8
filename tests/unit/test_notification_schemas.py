"""The compiled schemas pass exactly what jsonschema passes."""

import itertools

import jsonschema
import pytest

from hahealer import notifications

VALUES = [None, True, 0, 1.5, '', 'x', 'x' * 256, 'STARTED', 'STOPPED',
          'started', [], ['STOPPED'], {}, {'event': 'STOPPED'}]


def _variants(valid):
    """``valid``, each field replaced by every value, removed, and one
    field added."""
    yield valid
    yield {**valid, 'unexpected': 'x'}
    for field, value in itertools.product(valid, VALUES):
        yield {**valid, field: value}
        yield {name: v for name, v in valid.items() if name != field}


ENVELOPE = notifications.build('PROCESS', 'compute-1', {
    'event': 'STOPPED', 'process_name': 'nova-compute'})
PAYLOADS = {
    notifications.COMPUTE_HOST: {'event': 'STOPPED', 'host_status': 'NORMAL',
                                 'cluster_status': 'OFFLINE'},
    notifications.PROCESS: {'event': 'STOPPED', 'process_name': 'sshd'},
    notifications.VM: {'event': 'LIFECYCLE',
                       'instance_uuid': '8e0b6d5a-5f7c-4c61-9a0e-3f8f7c7e2b10',
                       'vir_domain_event': 'STOPPED_FAILED'},
}
CASES = ([(notifications.ENVELOPE_SCHEMA, notifications._ENVELOPE_CHECKS,
           document) for document in _variants(ENVELOPE)]
         + [(notifications.PAYLOAD_SCHEMAS[kind],
             notifications._PAYLOAD_CHECKS[kind], document)
            for kind, payload in PAYLOADS.items()
            for document in _variants(payload)])


@pytest.mark.parametrize('schema,checks,document', CASES)
def test_compiled_check_agrees_with_jsonschema(schema, checks, document):
    compiled, _ = checks
    try:
        compiled(document)
        passed = True
    except Exception:
        passed = False
    assert passed == jsonschema.Draft7Validator(schema).is_valid(document)
