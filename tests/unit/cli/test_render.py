"""Drawing recoveries: progress bars, plain and terminal live views."""

import io

import pytest

from hahealer.cli import render

UUID = '0d4c5a43-55a1-4b61-8c1e-3d2a3f7f9b70'


def entry(second, progress, message):
    return {'timestamp': f'2026-11-21T03:00:{second:02d}.250000Z',
            'progress': progress, 'message': message}


def snapshot(status, *tasks, reason=None):
    return {'notification_uuid': UUID, 'type': 'COMPUTE_HOST',
            'hostname': 'compute-1', 'status': status, 'reason': reason,
            'created_at': '2026-11-21T02:59:59.000000Z',
            'started_at': '2026-11-21T03:00:00.000000Z',
            'updated_at': '2026-11-21T03:00:09.000000Z',
            'finished_at': ('2026-11-21T03:00:12.500000Z'
                            if status in render.ENDED else None),
            'recovery_workflow_details': list(tasks)}


def task(name, state, *entries):
    return {'name': name, 'state': state, 'progress_details': list(entries)}


DISABLING = entry(1, 0.0, "Disabling compute service on host: 'compute-1'")
DISABLED = entry(2, 1.0, "Disabled compute service on host: 'compute-1'")
PREPARING = entry(3, 0.0, 'Preparing instances for evacuation')
COUNTED = entry(4, 0.3, "Total instances running on failed host "
                        "'compute-1' is 2")
RUNNING = [
    snapshot('new'),
    snapshot('running', task('disable_compute_service_task', 'RUNNING',
                             DISABLING)),
    snapshot('running',
             task('disable_compute_service_task', 'SUCCESS', DISABLING,
                  DISABLED),
             task('prepare_HA_enabled_instances_task', 'RUNNING',
                  PREPARING, COUNTED)),
]
FINISHED = snapshot(
    'finished',
    task('disable_compute_service_task', 'SUCCESS', DISABLING, DISABLED),
    task('prepare_HA_enabled_instances_task', 'SUCCESS', PREPARING,
         COUNTED))


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize('fraction, bar', [
    (0.0, '[--------------------]   0%'),
    (0.45, '[#########-----------]  45%'),
    (1.0, '[####################] 100%'),
    (1.7, '[####################] 100%'),
    (-0.2, '[--------------------]   0%'),
])
def test_progress_bar_fills_in_proportion_and_clamps(fraction, bar):
    assert render.progress_bar(fraction) == bar


def test_task_progress_is_the_last_value_or_done_on_success():
    assert render.task_progress(task('t', 'PENDING')) == 0.0
    assert render.task_progress(task('t', 'RUNNING', DISABLING,
                                     COUNTED)) == 0.3
    assert render.task_progress(task('t', 'SUCCESS', DISABLING)) == 1.0


def test_workflow_lines_list_each_task_then_its_timed_messages():
    assert render.workflow_lines(FINISHED['recovery_workflow_details']) == [
        'disable_compute_service_task  SUCCESS  '
        '[####################] 100%',
        "  03:00:01.250    0%  Disabling compute service on host: "
        "'compute-1'",
        "  03:00:02.250  100%  Disabled compute service on host: "
        "'compute-1'",
        'prepare_HA_enabled_instances_task  SUCCESS  '
        '[####################] 100%',
        '  03:00:03.250    0%  Preparing instances for evacuation',
        "  03:00:04.250   30%  Total instances running on failed host "
        "'compute-1' is 2",
    ]
    assert render.workflow_lines([]) == ['(no task has run yet)']


def test_outcome_line_gives_status_duration_and_reason():
    assert render.outcome_line(FINISHED) == (
        f'Notification {UUID} ended finished after 12.5 s')
    failed = snapshot('error', reason='Fencing of host compute-1 failed')
    assert render.outcome_line(failed) == (
        f'Notification {UUID} ended error after 12.5 s: Fencing of host '
        f'compute-1 failed')


def test_table_aligns_columns_under_a_header():
    assert render.table(('host', 'instances'),
                        [('compute-1', 4), ('compute-10', 12)]) == (
        'host        instances\n'
        '----------  ---------\n'
        'compute-1   4\n'
        'compute-10  12')


def test_plain_view_writes_each_message_once_and_no_control_codes():
    out = io.StringIO()
    view = render.LiveView(out, terminal=False)
    for record in RUNNING + [RUNNING[-1]]:
        view.update(record)
    view.finish(FINISHED)
    text = out.getvalue()
    assert '\x1b' not in text
    assert text.splitlines() == [
        f'Notification {UUID}: COMPUTE_HOST on host compute-1',
        '  status: new',
        "  03:00:01.250  disable_compute_service_task  Disabling compute "
        "service on host: 'compute-1'",
        '  status: running',
        "  03:00:02.250  disable_compute_service_task       Disabled "
        "compute service on host: 'compute-1'",
        '  03:00:03.250  prepare_HA_enabled_instances_task  Preparing '
        'instances for evacuation',
        "  03:00:04.250  prepare_HA_enabled_instances_task  Total instances "
        "running on failed host 'compute-1' is 2",
        '  disable_compute_service_task       [####################] 100%'
        '  SUCCESS',
        '  prepare_HA_enabled_instances_task  [####################] 100%'
        '  SUCCESS',
        f'Notification {UUID} ended finished after 12.5 s',
    ]


def test_only_a_capable_terminal_gets_control_codes(monkeypatch):
    monkeypatch.setenv('TERM', 'xterm')
    assert render.is_terminal(FakeTerminal())
    assert not render.is_terminal(io.StringIO())
    monkeypatch.setenv('TERM', 'dumb')
    assert not render.is_terminal(FakeTerminal())


def test_terminal_view_redraws_the_bars_in_place():
    out = FakeTerminal()
    view = render.LiveView(out, terminal=True)
    view.update(RUNNING[0])
    assert out.getvalue().endswith('  waiting for the first task to start\n')
    view.update(RUNNING[2])
    # The one-line block is erased, the new messages scroll, then a bar
    # per task is drawn.
    drawn = out.getvalue().split('\x1b[1F\x1b[J')[1]
    assert drawn.splitlines()[-2:] == [
        '  disable_compute_service_task       [####################] 100%'
        '  SUCCESS',
        '  prepare_HA_enabled_instances_task  [######--------------]  30%'
        '  RUNNING',
    ]
    assert 'Disabled compute service' in drawn
    view.finish(FINISHED)
    last = out.getvalue().split('\x1b[2F\x1b[J')[1]
    assert '\x1b' not in last
    assert last.splitlines()[-1] == (
        f'Notification {UUID} ended finished after 12.5 s')


def test_messages_of_several_tasks_are_written_in_time_order():
    # The engine writes a whole second without its fraction.
    late = entry(5, 0.5, 'Evacuating')
    early = dict(entry(4, 0.5, 'Enabling reserved host'),
                 timestamp='2026-11-21T03:00:04Z')
    out = io.StringIO()
    render.LiveView(out, terminal=False).update(snapshot(
        'running', task('evacuate_instances_task', 'RUNNING', late),
        task('reserved_host_retry', 'RUNNING', early)))
    assert [line.split('  ')[1] for line in out.getvalue().splitlines()
            if line.startswith('  03:')] == ['03:00:04.000', '03:00:05.250']


def test_follow_polls_until_the_notification_ends():
    snapshots = iter(RUNNING + [FINISHED, pytest.fail])
    out = io.StringIO()
    final = render.follow(lambda: next(snapshots),
                          render.LiveView(out, terminal=False), 0)
    assert final is FINISHED
    assert out.getvalue().count('Preparing instances for evacuation') == 1
