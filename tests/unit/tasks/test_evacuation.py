"""Each instance's pipeline decides from Nova's records, never twice."""

import dataclasses
import time

import pytest

from hahealer import exception
from hahealer.compute import nova as nova_api
from hahealer.tasks import evacuation
from hahealer.tasks import instance_move


def _evacuate(make_task, instances):
    return make_task(evacuation.EvacuateInstancesTask).execute(
        host_name='host1', instance_list=instances,
        target_states=dict.fromkeys(instances, 'active'))


def _answers_lost(nova, name):
    """Nova acts on ``name`` calls, then their answers are lost."""
    act = getattr(nova, name)

    def acted_then_lost(*args, **kwargs):
        act(*args, **kwargs)
        raise exception.ComputeUnavailable(action=name,
                                           reason='no answer within 2 s')

    setattr(nova, name, acted_then_lost)


def test_an_evacuation_in_flight_is_followed_not_reset(conf, nova,
                                                       make_task):
    conf.override(verify_interval=0.01)
    nova.add_server('vm', 'host1', task_state='rebuilding')
    nova.migrations.append(nova_api.Migration(
        id=1, instance_uuid='vm', status='pre-migrating',
        source_compute='host1', dest_compute='host2',
        created_at='2999-01-01T00:00:00.000000', updated_at=None))
    polls = []
    read = nova.evacuations

    def rebuild_ends(source_host, instance_uuid=None):
        polls.append(source_host)
        if len(polls) == 5:
            nova.servers['vm'].update(host='host2', task_state=None)
            nova.migrations[0] = dataclasses.replace(nova.migrations[0],
                                                     status='done')
        return read(source_host, instance_uuid)

    nova.evacuations = rebuild_ends
    _evacuate(make_task, ['vm'])
    assert nova.called('evacuate_server') == []
    assert nova.called('reset_server_state') == []
    assert nova.servers['vm']['host'] == 'host2'


def test_a_lost_evacuate_answer_is_read_not_repeated(conf, nova,
                                                     make_task):
    conf.override(verify_interval=0.01)
    conf.override('nova', timeout=0.05)
    nova.add_server('vm', 'host1')
    _answers_lost(nova, 'evacuate_server')
    _evacuate(make_task, ['vm'])
    assert len(nova.called('evacuate_server')) == 1
    assert nova.servers['vm']['host'] == 'host2'


def test_a_lost_reset_answer_is_waited_for_not_sent_again(conf, nova,
                                                          make_task):
    conf.override(verify_interval=0.01)
    conf.override('nova', timeout=0.05)
    nova.add_server('vm', 'host1', task_state='powering-off')
    _answers_lost(nova, 'reset_server_state')
    _evacuate(make_task, ['vm'])
    assert len(nova.called('reset_server_state')) == 1
    assert len(nova.called('evacuate_server')) == 1
    assert nova.servers['vm']['host'] == 'host2'


def _in_flight(nova):
    nova.add_server('vm', 'host1', task_state='rebuilding')
    nova.migrations.append(nova_api.Migration(
        id=1, instance_uuid='vm', status='accepted',
        source_compute='host1', dest_compute=None,
        created_at='2999-01-01T00:00:00.000000', updated_at=None))


def test_a_rebuild_that_moves_on_is_followed_past_the_wait(conf, nova,
                                                           make_task):
    conf.override(verify_interval=0.01, wait_period_after_evacuation=0.2)
    _in_flight(nova)
    # Nova takes 0.15 s a step, 0.75 s in all: longer than the wait, but
    # never standing still for as long.
    steps = [dict(status='pre-migrating', dest_compute='host2'),
             dict(task_state='rebuild_block_device_mapping'),
             dict(task_state='rebuild_spawning'),
             dict(task_state=None, host='host2'),
             dict(status='done')]
    started = time.monotonic()
    read = nova.evacuations

    def rebuild_moves_on(source_host, instance_uuid=None):
        while steps and time.monotonic() - started > 0.15 * (6 - len(steps)):
            step = steps.pop(0)
            migration = {k: step.pop(k) for k in ('status', 'dest_compute')
                         if k in step}
            if migration:
                nova.migrations[0] = dataclasses.replace(nova.migrations[0],
                                                         **migration)
            nova.servers['vm'].update(step)
        return read(source_host, instance_uuid)

    nova.evacuations = rebuild_moves_on
    _evacuate(make_task, ['vm'])
    assert nova.called('evacuate_server') == []
    assert nova.servers['vm']['host'] == 'host2'


def test_a_rebuild_that_stands_still_fails_naming_its_record(conf, nova,
                                                             make_task):
    conf.override(verify_interval=0.01, wait_period_after_evacuation=0.1)
    _in_flight(nova)
    with pytest.raises(exception.RecoveryFailed) as caught:
        _evacuate(make_task, ['vm'])
    assert ("(its record: accepted, unchanged for 0.1 s); the evacuation "
            "goes on") in caught.value.message
    assert nova.called('evacuate_server') == []
    assert nova.called('reset_server_state') == []


def test_reads_that_fail_while_following_are_waited_through(conf, nova,
                                                            make_task):
    conf.override(verify_interval=0.01, wait_period_after_evacuation=0.5)
    _in_flight(nova)
    read = nova.evacuations
    started = time.monotonic()

    def unavailable_a_while(source_host, instance_uuid=None):
        elapsed = time.monotonic() - started
        if elapsed > 0.2 and nova.migrations[0].status != 'done':
            nova.servers['vm'].update(task_state=None, host='host2')
            nova.migrations[0] = dataclasses.replace(nova.migrations[0],
                                                     status='done')
        if 0.05 < elapsed < 0.4:
            raise exception.ComputeUnavailable(
                action='listing evacuations', reason='HTTP 503')
        return read(source_host, instance_uuid)

    nova.evacuations = unavailable_a_while
    _evacuate(make_task, ['vm'])
    assert nova.called('evacuate_server') == []
    assert nova.servers['vm']['host'] == 'host2'


def test_a_record_first_seen_is_no_progress_by_itself():
    """The host's shared list, read before the evacuate, may not have its
    record yet: finding one later is not Nova moving on; the instance,
    or a change of a record already seen, is."""
    rebuilding = ('host1', 'rebuilding', 1)
    accepted = ('accepted', None, None)
    moved_on = instance_move._moved_on
    assert not moved_on((None, rebuilding), (accepted, rebuilding))
    assert moved_on((None, rebuilding), (accepted, ('host1', 'rebuilding', 0)))
    assert moved_on((accepted, rebuilding),
                    (('pre-migrating', 'now', 'host2'), rebuilding))
    assert not moved_on((accepted, rebuilding), (accepted, rebuilding))
