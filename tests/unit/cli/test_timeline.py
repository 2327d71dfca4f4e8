"""The timeline picture, drawn from a recorded recovery."""

from hahealer.cli import timeline

UUID_A = 'aaaaaaaa-0000-4000-8000-000000000001'
UUID_B = 'bbbbbbbb-0000-4000-8000-000000000002'


def at(second):
    return f'2026-11-21T03:00:{second:02d}.000000Z'


def task(name, *entries):
    return {'flow': 'main', 'name': name, 'state': 'SUCCESS',
            'progress_details': [{'timestamp': at(second), 'progress': 0.5,
                                  'message': message}
                                 for second, message in entries]}


def vmove(uuid, name, start, end, phase='unlocked'):
    return {'instance_uuid': uuid, 'instance_name': name,
            'start_time': at(start), 'end_time': at(end) if end else None,
            'phase': phase}


def record(*tasks, finished=40):
    return {'notification_uuid': 'n-1', 'type': 'COMPUTE_HOST',
            'hostname': 'host1', 'status': 'finished',
            'finished_at': at(finished), 'updated_at': at(finished),
            'recovery_workflow_details': list(tasks)}


RECOVERY = record(
    task('fence_host_task', (0, "Fencing host 'host1' through its ipmi BMC"),
         (10, "Fenced host 'host1'")),
    task('disable_compute_service_task',
         (10, "Disabling compute service on host: 'host1'"),
         (11, "Forced the compute service of host 'host1' down"),
         (12, "Disabled compute service on host: 'host1'")),
    task('evacuate_instances_task',
         (21, f"Evacuation of instance started: '{UUID_B}'"),
         (22, f"Evacuation of instance started: '{UUID_A}'"),
         (30, f"Instance '{UUID_B}' is on host 'host2' in state 'active'"),
         (36, f"Instance '{UUID_A}' is on host 'host3' in state "
              f"'stopped'")))
# B was locked first: it comes first.
VMOVES = [vmove(UUID_A, 'web', 20, 40), vmove(UUID_B, 'db', 20 - 1, 32)]


def bar(line):
    return line.split('│', 1)[1]


def test_host_steps_come_above_the_instances_in_the_order_they_began():
    lines = timeline.draw(RECOVERY, VMOVES, 100)
    assert lines[0] == 'Notification n-1: COMPUTE_HOST on host host1, finished'
    labels = [line.split('│')[0].strip() for line in lines[1:6]]
    assert labels == ['fence', 'disable', 'force down',
                      'db (bbbbbbbb)', 'web (aaaaaaaa)']


def test_bars_sit_on_one_axis_as_wide_as_the_terminal():
    lines = timeline.draw(RECOVERY, VMOVES, 100)
    assert all(len(line) <= 100 for line in lines)
    # 0 s to 40 s over the axis: a column is about half a second.
    fence, disable, forced, db, web = (bar(line) for line in lines[1:6])
    assert fence.startswith('█') and set(fence.rstrip()) == {'█'}
    assert forced.strip() == '▼'
    # Fencing ended as disabling began; force down came in between.
    assert disable.index('█') == len(fence.rstrip()) - 1
    assert disable.index('█') < forced.index('▼') < len(disable.rstrip())
    # Each instance: locked, then evacuating, then active, then unlocked.
    for line in (db, web):
        phases = line.strip()
        assert phases[0] == '░' and phases[-1] == '|'
        order = [phases.index(c) for c in '░▒▓|']
        assert order == sorted(order), phases
    # web was unlocked last, at the end of the axis; db before it.
    assert web.endswith('|')
    assert len(db.rstrip()) < len(web.rstrip())
    assert lines[-2].endswith('+40.0 s') and '03:00:00' in lines[-2]
    assert '░ locked' in lines[-1] and '| unlocked' in lines[-1]


def test_a_narrower_terminal_gives_a_narrower_picture():
    wide = timeline.draw(RECOVERY, VMOVES, 160)
    narrow = timeline.draw(RECOVERY, VMOVES, 60)
    assert len(bar(wide[4])) > len(bar(narrow[4]))
    assert all(len(line) <= 60 for line in narrow[:-1])


def test_an_instance_still_moving_runs_to_the_last_update():
    moving = [vmove(UUID_A, None, 20, None, phase='evacuating')]
    lines = timeline.draw(record(task(
        'evacuate_instances_task',
        (22, f"Evacuation of instance started: '{UUID_A}'")),
        finished=30), moving, 80)
    row = lines[1]
    assert row.startswith(UUID_A[:timeline.LABEL_WIDTH - 1] + '…')
    assert bar(row).rstrip().endswith('▒') and '|' not in bar(row)


def test_a_recovery_without_steps_says_so():
    lines = timeline.draw(record(task('disable_compute_node_task')), [], 80)
    assert lines[1].startswith('(nothing to draw')
