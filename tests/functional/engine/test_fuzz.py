"""Arbitrary JSON through RabbitMQ at the engine's RPC API (hypothesis).

Each call is either answered with a reason (an error naming what is
wrong) or stored and then processed; the engine logs no traceback and
still answers afterwards.
"""

import datetime

import oslo_messaging as messaging
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from hahealer import exception
from tests import database_fixture
from tests import engine_fixture
from tests import scenario
from tests.nova_sim import NovaSimProcess

NOW = datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')

# Any character, lone surrogates and NUL included.
TEXT = st.text(alphabet=st.characters(exclude_categories=[]), max_size=20)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda children: (st.lists(children, max_size=3)
                      | st.dictionaries(TEXT, children, max_size=3)),
    max_leaves=8)


def _either(*likely):
    """Mostly a plausible value, sometimes anything."""
    return st.sampled_from(likely) | JSON


PAYLOAD = st.fixed_dictionaries({}, optional={
    'event': _either('STOPPED', 'STARTED', 'LIFECYCLE', 'stopped'),
    'host_status': _either('NORMAL', 'UNKNOWN'),
    'process_name': _either('nova-compute'),
    'instance_uuid': _either('6f2c1b6e-0b7c-4a8e-9a3e-2f1d3c4b5a69',
                             'urn:uuid:6F2C1B6E-0B7C-4A8E-9A3E-2F1D3C4B5A69'),
    'vir_domain_event': _either('STOPPED_FAILED'),
    'extra': JSON,
})
NOTIFICATION = st.fixed_dictionaries({
    'type': _either('COMPUTE_HOST', 'PROCESS', 'VM'),
    'hostname': _either('host1'),
    'generated_time': _either(NOW, '0001-01-01T00:00:00+14:00'),
    'payload': PAYLOAD | JSON,
}, optional={'notification_uuid': st.uuids().map(str) | JSON,
             'surprise': JSON}) | JSON

# Valid but for what the free-form parts carry.
PLAUSIBLE = st.fixed_dictionaries({
    'type': st.just('PROCESS'),
    'hostname': st.sampled_from(['host1', 'host2']),
    'generated_time': st.just(NOW),
    'payload': st.fixed_dictionaries({
        'event': st.sampled_from(['STOPPED', 'STARTED', 'started']),
        'process_name': TEXT.filter(str.strip) | st.just('nova-compute'),
    }, optional={'extra': JSON}),
}, optional={'notification_uuid': st.uuids().map(str)})

CALLS = st.one_of(
    st.tuples(st.just('create_notification'),
              st.fixed_dictionaries({'notification': PLAUSIBLE})),
    st.tuples(st.just('create_notification'),
              st.fixed_dictionaries({'notification': NOTIFICATION})),
    st.tuples(st.just('list_notifications'), st.fixed_dictionaries({
        'filters': _either(None, {'status': 'new'}), 'limit': _either(10),
        'marker': _either(None)})),
    st.tuples(st.just('get_notification'),
              st.fixed_dictionaries({'notification_uuid': JSON})),
    st.tuples(st.just('create_segment'), st.fixed_dictionaries({
        'name': JSON, 'recovery_method': _either('auto'),
        'description': JSON, 'enabled': _either(True)})),
    st.tuples(st.just('update_host'), st.fixed_dictionaries({
        'host': _either('host1'), 'values': JSON})),
    st.tuples(st.just('get_host'), st.fixed_dictionaries({'host': JSON})),
)


@pytest.fixture(scope='module')
def engine(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('fuzz')
    # PostgreSQL: the strictest about what a string may hold.
    url, drop = database_fixture.create_database_url('postgresql', tmp_path)
    with NovaSimProcess() as sim:
        config = engine_fixture.prepare(tmp_path, sim.compute_url, url,
                                        hosts=('host1', 'host2'))
        database = engine_fixture.open_database(config)
        # A disabled segment: stored host failures end at once, ignored.
        database.update_segment('rack1', enabled=False)
        database.dispose()
        process = engine_fixture.EngineProcess(config).start()
        try:
            yield process
        finally:
            process.kill()
            drop()


def test_arbitrary_json_is_answered_or_stored_and_processed(
        engine, engine_client):
    client = engine_client(engine.config_path, timeout=30)
    stored = []

    @settings(max_examples=120, deadline=None, derandomize=True,
              database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(CALLS)
    def call(method_and_arguments):
        method, arguments = method_and_arguments
        try:
            answer = getattr(client, method)(None, **arguments)
        except exception.HahealerException as exc:
            assert exc.message.strip()
            return
        except messaging.MessagingTimeout:  # pragma: no cover - the bug
            pytest.fail(f'{method} was not answered')
        if method == 'create_notification':
            stored.append(answer['notification_uuid'])

    call()
    assert stored, 'no notification was stored: the test proves too little'

    def processed():
        left = [uuid for uuid in stored
                if client.get_notification(None, uuid)['status'] == 'new']
        return not left
    scenario.wait_for(processed, 120, what='every stored notification to '
                                            'be processed')
    assert client.list_segments(None)
    log = engine.new_log()
    assert 'Traceback' not in log, log[log.index('Traceback') - 500:][:3000]
