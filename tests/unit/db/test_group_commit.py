"""Group commit: who writes which batch, and who hears what."""

import threading

import pytest

from hahealer.db import group_commit


class GatedWriter:
    """Records each batch; the first one waits at a gate until opened."""

    def __init__(self, fail=()):
        self.batches = []
        self.written = set()
        self.in_first = threading.Event()
        self.gate = threading.Event()
        self._fail = set(fail)

    def __call__(self, items):
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.in_first.set()
            self.gate.wait(30)
        if 'boom' in items:
            raise RuntimeError('the transaction failed')
        self.written.update(items)
        return [ValueError(f'{item} is bad') if item in self._fail
                else f'stored {item}' for item in items]


def _queue_behind_leader(group, writer, items):
    """Submit ``items`` while the first one's batch is being written;
    returns {item: answer or exception} once all are answered."""
    answers = {}

    def submit(item):
        try:
            answer = group.submit(item)
        except Exception as exc:
            answer = exc
        # The answer comes only once the batch holding it is written.
        assert item in writer.written or isinstance(answer, Exception)
        answers[item] = answer

    threads = [threading.Thread(target=submit, args=(items[0],))]
    threads[0].start()
    assert writer.in_first.wait(30)
    threads += [threading.Thread(target=submit, args=(item,))
                for item in items[1:]]
    for thread in threads[1:]:
        thread.start()
    # Whitebox: open the gate once every later caller is queued.
    while len(group._waiting) < len(items) - 1:
        threading.Event().wait(0.01)
    writer.gate.set()
    for thread in threads:
        thread.join(30)
    return answers


def test_a_lone_caller_writes_at_once():
    writer = GatedWriter()
    writer.gate.set()
    group = group_commit.GroupCommit(writer)
    assert group.submit('a') == 'stored a'
    assert group.submit('b') == 'stored b'
    assert writer.batches == [['a'], ['b']]


def test_callers_that_arrive_during_a_write_share_the_next_one():
    writer = GatedWriter()
    group = group_commit.GroupCommit(writer)
    answers = _queue_behind_leader(group, writer, ['a', 'b', 'c', 'd'])
    assert answers == {item: f'stored {item}' for item in 'abcd'}
    assert writer.batches[0] == ['a']
    assert sorted(writer.batches[1]) == ['b', 'c', 'd']


def test_one_caller_s_error_is_its_own():
    writer = GatedWriter(fail={'c'})
    group = group_commit.GroupCommit(writer)
    answers = _queue_behind_leader(group, writer, ['a', 'b', 'c', 'd'])
    assert str(answers.pop('c')) == 'c is bad'
    assert answers == {item: f'stored {item}' for item in 'abd'}


def test_a_failed_transaction_fails_its_batch_only():
    writer = GatedWriter()
    group = group_commit.GroupCommit(writer)
    answers = _queue_behind_leader(group, writer, ['a', 'b', 'boom'])
    assert answers['a'] == 'stored a'
    assert [str(answers[item]) for item in ('b', 'boom')] == [
        'the transaction failed'] * 2
    # The group goes on after a failed transaction.
    assert group.submit('e') == 'stored e'


def test_batches_are_bounded():
    writer = GatedWriter()
    group = group_commit.GroupCommit(writer, max_batch=2)
    answers = _queue_behind_leader(group, writer, list('abcde'))
    assert len(answers) == 5
    assert [len(batch) for batch in writer.batches] == [1, 2, 2]


@pytest.mark.parametrize('error', [KeyboardInterrupt, SystemExit])
def test_even_an_interrupting_error_hands_the_lead_on(error):
    def write(items):
        if 'x' in items:
            raise error()
        return items
    group = group_commit.GroupCommit(write)
    with pytest.raises(error):
        group.submit('x')
    assert group.submit('y') == 'y'


def test_a_writer_that_answers_too_few_fails_its_callers():
    group = group_commit.GroupCommit(lambda items: [])
    with pytest.raises(RuntimeError, match='0 answers to 1 requests'):
        group.submit('a')
