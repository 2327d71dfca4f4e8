"""Locks shared between engines, on the file and redis backends."""

import threading
import uuid

import pytest

from hahealer import exception
from hahealer.engine import coordination

BACKENDS = ['file', 'redis']


def _url(backend, tmp_path):
    if backend == 'file':
        return f'file://{tmp_path}/locks'
    return 'redis://127.0.0.1:6379'


@pytest.fixture(params=BACKENDS)
def two_engines(request, tmp_path):
    url = _url(request.param, tmp_path)
    engines = [coordination.Coordinator(url, f'engine-{n}', 5)
               for n in range(2)]
    for engine in engines:
        engine.start()
    yield engines
    for engine in engines:
        engine.stop()


def test_a_lock_held_by_one_engine_waits_for_the_other(two_engines):
    first, second = two_engines
    name = f'hahealer-host-{uuid.uuid4().hex}'
    with first.lock(name):
        with pytest.raises(exception.RecoveryFailed) as caught:
            with second.lock(name, timeout=0.2):
                pass
        assert f'could not get the shared lock {name} within 0.2 s' in (
            caught.value.message)
    with second.lock(name, timeout=1):
        pass


def test_the_lock_is_handed_over_when_released(two_engines):
    first, second = two_engines
    name = f'hahealer-host-{uuid.uuid4().hex}'
    order = []
    held = threading.Event()

    def hold():
        with first.lock(name):
            held.set()
            order.append('first in')
            threading.Event().wait(0.3)
            order.append('first out')

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    with second.lock(name, timeout=5):
        order.append('second in')
    thread.join()
    assert order == ['first in', 'first out', 'second in']


def test_backend_url_password_is_not_logged(caplog):
    assert coordination.redacted('redis://:hunter2@db:6379') == (
        'redis://:***@db:6379')
    assert coordination.redacted('file:///var/lib/hahealer/locks') == (
        'file:///var/lib/hahealer/locks')
