"""The lease: the guard an engine passes before every action."""

import pytest

from hahealer.engine import lease as lease_mod
from hahealer.tasks import base


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Queue:
    """Answers renewals as the database would: ``ours`` or an error."""

    def __init__(self):
        self.ours = True
        self.error = None
        self.renewals = []

    def renew_lease(self, uuid, owner, generation, seconds):
        self.renewals.append((uuid, owner, generation, seconds))
        if self.error:
            raise self.error
        return self.ours


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def queue():
    return Queue()


@pytest.fixture
def lease(queue, clock):
    return lease_mod.Lease(queue, 'n-1', 'engine-a', 4, 30.0, clock(),
                           clock=clock)


def test_a_fresh_lease_passes_without_asking_the_database(lease, queue,
                                                          clock):
    clock.now += 19
    lease.check()
    assert queue.renewals == []


def test_near_its_end_the_check_renews_first(lease, queue, clock):
    clock.now += 25
    lease.check()
    assert queue.renewals == [('n-1', 'engine-a', 4, 30.0)]
    assert lease.remaining() == 30.0


def test_a_stalled_engine_finds_its_row_taken_and_stops(lease, queue,
                                                        clock):
    clock.now += 300   # SIGSTOP past the lease, then SIGCONT
    queue.ours = False
    with pytest.raises(base.RecoveryInterrupted) as caught:
        lease.check()
    assert 'generation 4 is no longer current' in str(caught.value)
    assert lease.interrupted.is_set()
    with pytest.raises(base.RecoveryInterrupted):
        lease.check()
    assert len(queue.renewals) == 1, 'lost for good'


def test_failed_renewals_interrupt_before_the_lease_runs_out(lease, queue,
                                                             clock):
    queue.error = ConnectionError('database away')
    clock.now += 10
    assert lease.renew() and not lease.interrupted.is_set()
    clock.now += 11
    assert not lease.renew()
    assert lease.interrupted.is_set()
    assert lease.remaining() > 0, 'stopped while nobody else may act'

