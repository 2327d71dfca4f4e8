"""Running and resuming flows with real taskflow persistence (SQLite)."""

import threading

from taskflow.patterns import linear_flow

from hahealer import exception
from hahealer.engine import runner
from hahealer.tasks import base


class Step(base.HealerTask):
    """Counts its runs; misbehaves on demand."""

    runs = None
    behaviour = None

    def execute(self):
        Step.runs.append(self.name)
        action = Step.behaviour.get(self.name)
        if action is not None:
            raise action()
        self.update_details(f'{self.name} done', 1.0)


def _flow(names):
    context = base.RecoveryContext('n-1')
    resources = base.Resources(nova=None)
    flow = linear_flow.Flow('test_flow')
    for name in names:
        flow.add(Step(context, resources, name=name))
    return flow


def _runner(tmp_path):
    flow_runner = runner.FlowRunner(f'sqlite:///{tmp_path}/tf.sqlite')
    flow_runner.upgrade()
    return flow_runner


def setup_function():
    Step.runs = []
    Step.behaviour = {}


def test_interrupted_flow_resumes_where_it_stopped(tmp_path):
    flow_runner = _runner(tmp_path)
    Step.behaviour = {'second': base.RecoveryInterrupted}
    outcome = flow_runner.run('n-1', _flow(['first', 'second', 'third']),
                              {})
    assert outcome.status == runner.INTERRUPTED
    Step.behaviour = {}
    states = []
    outcome = flow_runner.run(
        'n-1', _flow(['first', 'second', 'third']), {},
        on_task_state=lambda name, state: states.append((name, state)))
    assert outcome.status == runner.FINISHED
    assert Step.runs == ['first', 'second', 'second', 'third']
    # Resuming reports only what changes: the interrupted task's success.
    assert [name for name, _ in states].count('first') == 0
    assert ('second', 'SUCCESS') in states


def test_finished_flow_is_not_run_again(tmp_path):
    flow_runner = _runner(tmp_path)
    assert flow_runner.run('n-1', _flow(['a']), {}).status == 'finished'
    assert flow_runner.run('n-1', _flow(['a']), {}).reason == (
        'finished before')
    assert Step.runs == ['a']


def test_failed_flow_runs_afresh_on_retry(tmp_path):
    flow_runner = _runner(tmp_path)
    Step.behaviour = {'b': lambda: exception.RecoveryFailed(reason='no')}
    outcome = flow_runner.run('n-1', _flow(['a', 'b']), {})
    assert (outcome.status, outcome.reason) == (runner.ERROR, 'no')
    Step.behaviour = {}
    assert flow_runner.run('n-1', _flow(['a', 'b']), {}).status == (
        runner.FINISHED)
    assert Step.runs == ['a', 'b', 'a', 'b']


def test_outcomes_of_skip_and_ignore(tmp_path):
    flow_runner = _runner(tmp_path)
    Step.behaviour = {'a': lambda: exception.SkipRecovery(reason='nothing')}
    skipped = flow_runner.run('n-1', _flow(['a']), {})
    assert (skipped.status, skipped.reason) == (runner.SKIPPED, 'nothing')
    Step.behaviour = {'a': lambda: exception.IgnoreRecovery(reason='paused')}
    ignored = flow_runner.run('n-2', _flow(['a']), {})
    assert (ignored.status, ignored.reason) == (runner.IGNORED, 'paused')


def test_unexpected_errors_name_their_class(tmp_path):
    flow_runner = _runner(tmp_path)
    Step.behaviour = {'a': lambda: KeyError('host_name')}
    outcome = flow_runner.run('n-1', _flow(['a']), {})
    assert outcome.status == runner.ERROR
    assert outcome.reason == "KeyError: 'host_name'"


def test_wait_until_is_interrupted_by_the_engine_stopping():
    resources = base.Resources(nova=None)
    task = Step(base.RecoveryContext('n-1'), resources, name='waiter')
    threading.Timer(0.1, resources.stopping.set).start()
    try:
        task.wait_until(lambda: False, 30, 'Godot', interval=5)
    except base.RecoveryInterrupted as interrupted:
        assert str(interrupted) == 'Godot'
    else:
        raise AssertionError('the wait was not interrupted')


def test_taskflow_s_sqlite_logs_ahead_without_a_sync_per_commit(tmp_path):
    flow_runner = _runner(tmp_path)
    try:
        with flow_runner._backend.engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma('PRAGMA journal_mode').scalar() == 'wal'
            assert pragma('PRAGMA synchronous').scalar() == 1  # NORMAL
    finally:
        flow_runner.close()
