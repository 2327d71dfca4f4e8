"""The dispatcher: nothing vanishes, outcomes are written while ours."""

import threading

from hahealer.engine import dispatcher as dispatcher_mod
from hahealer.engine import recovery


class Queue:
    def __init__(self, finish_errors=0):
        self.finish_errors = finish_errors
        self.finished = []

    def claim_notification(self, uuid, owner, lease_seconds):
        return 1

    def get_notification(self, uuid):
        return {'notification_uuid': uuid, 'type': 'PROCESS',
                'hostname': 'host1'}

    def finish_notification(self, uuid, owner, generation, status,
                            reason=None, held=False, counted=True):
        if self.finish_errors:
            self.finish_errors -= 1
            raise ConnectionError('database away')
        self.finished.append((uuid, generation, status, reason))
        return True


class Recovery:
    def __init__(self, result=None, error=None):
        self.result, self.error = result, error

    def run(self, notification, lease):
        if self.error:
            raise self.error
        return self.result


def _dispatcher(queue, recovery_):
    return dispatcher_mod.Dispatcher(queue, recovery_, 'engine-a', 1, 30.0,
                                     threading.Event())


def test_writing_the_outcome_is_retried(monkeypatch):
    monkeypatch.setattr(dispatcher_mod.tenacity, 'wait_exponential',
                        lambda **kwargs: lambda retry_state: 0)
    queue = Queue(finish_errors=2)
    dispatcher = _dispatcher(queue,
                             Recovery(recovery.Result('finished')))
    dispatcher._work('n-1', resume=False)
    assert queue.finished == [('n-1', 1, 'finished', None)]


def test_an_exception_outside_the_recovery_is_logged_not_lost(caplog):
    class Broken(Queue):
        def get_notification(self, uuid):
            raise ConnectionError('database away')

    dispatcher = _dispatcher(Broken(), Recovery())
    dispatcher._work('n-1', resume=False)
    assert 'Work on notification n-1 failed outside its recovery' in (
        caplog.text)
    assert 'ConnectionError: database away' in caplog.text


def test_a_recovery_that_raises_ends_in_error_with_its_reason():
    queue = Queue()
    dispatcher = _dispatcher(queue, Recovery(error=ValueError('bad')))
    dispatcher._work('n-1', resume=False)
    assert queue.finished == [('n-1', 1, 'error', 'ValueError: bad')]
