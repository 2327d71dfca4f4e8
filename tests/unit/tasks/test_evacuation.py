"""Each instance's pipeline decides from Nova's records, never twice."""

import dataclasses

from hahealer import exception
from hahealer.compute import nova as nova_api
from hahealer.tasks import evacuation


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
