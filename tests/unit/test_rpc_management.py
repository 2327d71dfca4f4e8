"""rpc_management = false: the RPC API changes no segment, host or
notification; it still takes notifications and answers reads."""

import oslo_messaging as messaging
import pytest

from hahealer import exception
from hahealer.engine import manager


class Inventory:
    def list_segments(self, **query):
        return ['rack1']


@pytest.fixture
def endpoint(conf):
    conf.override(rpc_management=False)
    engine = manager.EngineManager(None, None)
    engine._manage = Inventory()
    return engine


@pytest.mark.parametrize('call', [
    lambda e: e.create_segment(None, 'rack9', 'auto'),
    lambda e: e.update_segment(None, 'rack1', {'description': 'x'}),
    lambda e: e.delete_segment(None, 'rack1'),
    lambda e: e.create_host(None, 'compute-1', 'rack1'),
    lambda e: e.update_host(None, 'compute-1', {'reserved': True}),
    lambda e: e.delete_host(None, 'compute-1'),
    lambda e: e.retry_notification(None, 'f' * 32, force=True),
])
def test_changes_are_refused_naming_the_option(endpoint, call):
    # oslo.messaging's wrapper that marks the error as one to send back
    with pytest.raises(messaging.ExpectedException) as caught:
        call(endpoint)
    error = caught.value.exc_info[1]
    assert isinstance(error, exception.Forbidden)
    assert 'rpc_management = false' in error.message
    assert 'hahealer-api' in error.message


def test_reads_still_answer(endpoint):
    assert endpoint.list_segments(None) == ['rack1']
