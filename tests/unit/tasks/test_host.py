import pytest

from hahealer import exception
from hahealer.compute import nova as nova_api
from hahealer.tasks import evacuation
from hahealer.tasks import host
from hahealer.tasks import instance_locks

HA = {'HA_Enabled': 'True'}


def _ids(count, prefix='vm'):
    return [f'{prefix}-{index}' for index in range(count)]


# --- taking the host out of service ------------------------------------------

def test_level_1_forces_down_and_disables_in_one_request(conf, nova,
                                                         make_task):
    conf.override('host_failure', quick_evacuate_level=1)
    make_task(host.DisableComputeServiceTask).execute(host_name='host1')
    assert [call[0] for call in nova.calls] == ['take_out_of_service']
    service = nova.get_compute_service('host1')
    assert service.forced_down and service.disabled
    assert service.disabled_reason == (
        'Disabled by hahealer: host failure recovery')


def test_level_1_only_disables_a_host_already_forced_down(conf, nova,
                                                          make_task):
    conf.override('host_failure', quick_evacuate_level=1)
    nova.force_down_service('host1')
    nova.calls.clear()
    make_task(host.DisableComputeServiceTask).execute(host_name='host1')
    assert [call[0] for call in nova.calls] == ['disable_service']
    make_task(host.DisableComputeServiceTask).execute(host_name='host1')
    assert len(nova.calls) == 1, 'a host out of service is left as it is'


def test_level_2_without_fencing_driver_fails_closed(conf, nova, database,
                                                     make_task):
    database.add_host('host1')
    task = make_task(host.DisableComputeServiceTask)
    with pytest.raises(exception.FencingFailed) as caught:
        task.execute(host_name='host1')
    assert 'no fencing driver is set' in caught.value.message
    service = nova.get_compute_service('host1')
    assert service.disabled, 'a host that may be alive stays disabled'
    assert not service.forced_down, 'an unfenced host is never forced down'


def test_level_2_fences_with_noop_driver_then_forces_down(conf, nova,
                                                          database,
                                                          make_task,
                                                          progress):
    database.add_host('host1', fencing_driver='noop')
    make_task(host.DisableComputeServiceTask).execute(host_name='host1')
    messages = progress.messages()
    assert "Host 'host1' is powered off" not in messages
    no_power_off = [index for index, message in enumerate(messages)
                    if message.startswith("No power-off took place for host "
                                          "'host1'")]
    assert no_power_off and no_power_off[0] < messages.index(
        "Forced the compute service of host 'host1' down")
    assert nova.get_compute_service('host1').forced_down


def test_level_2_does_not_fence_twice(conf, nova, database, make_task,
                                      progress):
    database.add_host('host1')  # no driver: fencing would fail
    make_task(host.DisableComputeServiceTask).execute(host_name='host1',
                                                      host_fenced=True)
    assert nova.get_compute_service('host1').forced_down


def test_level_3_waits_until_nova_reports_down(conf, nova, make_task):
    conf.override('host_failure', quick_evacuate_level=3)
    nova.services['host1']['state'] = 'down'
    make_task(host.DisableComputeServiceTask).execute(host_name='host1')
    assert nova.called('force_down_service') == []
    assert nova.get_compute_service('host1').disabled


def test_level_3_fails_when_nova_never_notices(conf, nova, make_task):
    conf.override('host_failure', quick_evacuate_level=3)
    conf.override(wait_period_after_service_update=0.1)
    with pytest.raises(exception.RecoveryFailed) as caught:
        make_task(host.DisableComputeServiceTask).execute(host_name='host1')
    assert 'still reports the compute service of host host1 up' in (
        caught.value.message)


def test_run_again_after_restart_is_harmless(conf, nova, make_task):
    conf.override('host_failure', quick_evacuate_level=1)
    task = make_task(host.DisableComputeServiceTask)
    task.execute(host_name='host1')
    nova.calls.clear()
    task.execute(host_name='host1')
    assert nova.calls == []


# --- choosing the instances --------------------------------------------------

def test_prepare_orders_ha_first_then_priority(conf, nova, make_task):
    nova.add_server('plain-low', 'host1')
    nova.add_server('plain-high', 'host1', metadata={'HA_Priority': '7'})
    nova.add_server('ha-low', 'host1', metadata=HA)
    nova.add_server('ha-high', 'host1', metadata={**HA, 'HA_Priority': '9'})
    nova.add_server('ha-bad', 'host1', metadata={**HA, 'HA_Priority': 'x'})
    nova.add_server('elsewhere', 'host2', metadata=HA)
    result = make_task(host.PrepareHAEnabledInstancesTask).execute(
        host_name='host1')
    assert result['instance_list'] == ['ha-high', 'ha-low', 'ha-bad',
                                       'plain-high', 'plain-low']


def test_prepare_only_ha_enabled_when_configured(conf, nova, make_task):
    conf.override('host_failure', evacuate_all_instances=False)
    nova.add_server('plain', 'host1')
    nova.add_server('ha', 'host1', metadata=HA)
    result = make_task(host.PrepareHAEnabledInstancesTask).execute(
        host_name='host1')
    assert result['instance_list'] == ['ha']


def test_prepare_ignores_error_instances_when_configured(conf, nova,
                                                         make_task,
                                                         progress):
    conf.override('host_failure', ignore_instances_in_error_state=True)
    nova.add_server('broken', 'host1', vm_state='error', metadata=HA)
    nova.add_server('fine', 'host1', metadata=HA)
    result = make_task(host.PrepareHAEnabledInstancesTask).execute(
        host_name='host1')
    assert result['instance_list'] == ['fine']
    assert any("'broken' as it is in 'error' state" in message
               for message in progress.messages())


def test_prepare_records_target_states(conf, nova, make_task):
    nova.add_server('running', 'host1')
    nova.add_server('off', 'host1', vm_state='stopped')
    nova.add_server('broken', 'host1', vm_state='error')
    nova.add_server('resizing', 'host1', vm_state='resized', power_state=1)
    nova.add_server('paused', 'host1', vm_state='paused')
    result = make_task(host.PrepareHAEnabledInstancesTask).execute(
        host_name='host1')
    assert result['target_states'] == {
        'running': 'active', 'off': 'stopped', 'broken': 'error',
        'resizing': 'active', 'paused': 'stopped'}


def test_prepare_skips_recovery_when_nothing_to_evacuate(conf, nova,
                                                         make_task):
    with pytest.raises(exception.SkipRecovery) as caught:
        make_task(host.PrepareHAEnabledInstancesTask).execute(
            host_name='host1')
    assert "Skipped host 'host1' recovery" in caught.value.message


# --- evacuating --------------------------------------------------------------

def _evacuate(make_task, instances, targets=None, reserved_host=None):
    return make_task(evacuation.EvacuateInstancesTask).execute(
        host_name='host1', instance_list=instances, target_states=targets,
        reserved_host=reserved_host)


def test_evacuation_keeps_each_state_and_unlocks(conf, nova, make_task):
    nova.force_down_service('host1')
    nova.add_server('running', 'host1')
    nova.add_server('off', 'host1', vm_state='stopped')
    nova.add_server('broken', 'host1', vm_state='error')
    _evacuate(make_task, ['running', 'off', 'broken'],
              {'running': 'active', 'off': 'stopped', 'broken': 'error'})
    states = {sid: (s['host'], s['vm_state'], s['locked'])
              for sid, s in nova.servers.items()}
    assert states == {'running': ('host2', 'active', False),
                      'off': ('host2', 'stopped', False),
                      'broken': ('host2', 'error', False)}
    boots = {call[1]: call[3] for call in nova.called('evacuate_server')}
    assert boots == {'running': True, 'off': False, 'broken': False}


def test_stopped_instance_is_stopped_after_when_nova_boots_it(conf, make_task,
                                                              nova):
    nova.evacuate_keeps_stopped = False
    nova.add_server('off', 'host1', vm_state='stopped')
    _evacuate(make_task, ['off'], {'off': 'stopped'})
    assert nova.called('evacuate_server')[0][3] is True
    assert nova.called('stop_server') == [('stop_server', 'off')]
    assert nova.servers['off']['vm_state'] == 'stopped'


def test_user_lock_is_left_alone(conf, nova, make_task):
    nova.add_server('mine', 'host1', locked=True, locked_reason='user')
    _evacuate(make_task, ['mine'])
    assert nova.called('lock_server') == []
    assert nova.called('unlock_server') == []
    assert nova.servers['mine']['locked']
    assert nova.servers['mine']['host'] == 'host2'


def test_our_lock_from_a_previous_run_is_released(conf, nova, make_task):
    reason = instance_locks.lock_reason('n-1')
    nova.add_server('vm', 'host1', locked=True, locked_reason=reason)
    _evacuate(make_task, ['vm'])
    assert not nova.servers['vm']['locked']


def test_an_instance_already_moved_is_not_evacuated_again(conf, nova,
                                                          make_task):
    nova.add_server('moved', 'host3')
    _evacuate(make_task, ['moved'], {'moved': 'active'})
    assert nova.called('evacuate_server') == []
    assert nova.called('unlock_server') == [('unlock_server', 'moved')]


def test_unstable_states_are_reset_before_evacuation(conf, nova, make_task):
    nova.add_server('busy', 'host1', task_state='rebooting')
    _evacuate(make_task, ['busy'], {'busy': 'active'})
    assert nova.called('reset_server_state')[0][1:] == ('busy', 'error')
    assert nova.servers['busy']['vm_state'] == 'active'


def test_refusals_end_named_with_nova_s_words(conf, nova, make_task):
    conf.override(wait_period_after_service_update=0.1)
    for server_id in ('good', 'bad'):
        nova.add_server(server_id, 'host1')
    nova.refuse_evacuation.add('bad')
    with pytest.raises(exception.RecoveryFailed) as caught:
        _evacuate(make_task, ['good', 'bad'])
    assert "Failed to evacuate instances 'bad' from host 'host1'" in (
        caught.value.message)
    assert nova.servers['good']['host'] == 'host2'
    assert 'still in use' in caught.value.message
    assert not nova.servers['bad']['locked'], 'unlocked even on failure'
    assert nova.servers['bad']['host'] == 'host1'



def test_a_retried_instance_is_locked_again_before_it_moves(conf, nova,
                                                           make_task):
    conf.override(wait_period_after_service_update=0.1)
    nova.add_server('vm', 'host1')
    nova.refuse_evacuation.add('vm')
    with pytest.raises(exception.RecoveryFailed):
        _evacuate(make_task, ['vm'])
    nova.refuse_evacuation.discard('vm')
    _evacuate(make_task, ['vm'])
    assert [call[0] for call in nova.calls
            if call[0] in ('lock_server', 'evacuate_server',
                           'unlock_server')][-3:] == [
        'lock_server', 'evacuate_server', 'unlock_server']
    assert nova.servers['vm']['host'] == 'host2'
    assert not nova.servers['vm']['locked']


def test_refused_evacuation_is_waited_for_until_nova_accepts(conf, nova,
                                                             make_task):
    nova.add_server('vm', 'host1')
    nova.refuse_evacuation.add('vm')
    original = nova.evacuate_server
    attempts = []

    def evacuate(server_id, target_host=None, boot=True):
        attempts.append(server_id)
        if len(attempts) == 3:
            nova.refuse_evacuation.discard(server_id)
        return original(server_id, target_host, boot)

    nova.evacuate_server = evacuate
    _evacuate(make_task, ['vm'])
    assert len(attempts) == 3
    assert nova.servers['vm']['host'] == 'host2'


def test_parallelism_is_bounded(conf, nova, make_task):
    conf.override(host_failure_recovery_threads=2)
    for server_id in _ids(6):
        nova.add_server(server_id, 'host1')
    _evacuate(make_task, _ids(6))
    assert {s['host'] for s in nova.servers.values()} == {'host2'}


# --- reserved hosts ----------------------------------------------------------

def test_reserved_host_is_claimed_enabled_and_used(conf, nova, database,
                                                   make_task):
    database.add_host('host3', reserved=True)
    nova.disable_service('host3', 'reserved')
    nova.add_server('vm', 'host1')
    _evacuate(make_task, ['vm'], reserved_host='host3')
    assert database.hosts['host3'].reserved is False
    assert database.hosts['host3'].claimed_by == 'n-1'
    assert not nova.get_compute_service('host3').disabled
    assert nova.servers['vm']['host'] == 'host3'


def test_reserved_host_taken_by_another_recovery_is_refused(conf, nova,
                                                            database,
                                                            make_task):
    database.add_host('host3', reserved=False)
    database.hosts['host3'].claimed_by = 'someone-else'
    nova.add_server('vm', 'host1')
    with pytest.raises(exception.RecoveryFailed) as caught:
        _evacuate(make_task, ['vm'], reserved_host='host3')
    assert "Reserved host 'host3' is no longer available" in (
        caught.value.message)
    assert nova.called('evacuate_server') == []


def test_reserved_host_joins_the_failed_host_aggregate(conf, nova, database,
                                                       make_task):
    conf.override('host_failure', add_reserved_host_to_aggregate=True)
    database.add_host('host3', reserved=True)
    nova.aggregates = [nova_api.Aggregate(1, 'other', ('host2',)),
                       nova_api.Aggregate(2, 'gold', ('host1',))]
    nova.add_server('vm', 'host1')
    _evacuate(make_task, ['vm'], reserved_host='host3')
    assert nova.called('add_host_to_aggregate') == [
        ('add_host_to_aggregate', 'gold', 'host3')]


def test_a_driver_error_quoting_its_password_is_masked(conf, nova, database,
                                                       make_task,
                                                       monkeypatch):
    from hahealer.fencing import ipmi
    database.add_host('host1', fencing_driver='ipmi', fencing_params={
        'address': '192.0.2.7', 'username': 'admin', 'password': 'hunter2'})

    def leaky(self):
        raise RuntimeError('login admin:hunter2@192.0.2.7 refused')

    monkeypatch.setattr(ipmi.IPMIDriver, 'get_power_state', leaky)
    with pytest.raises(exception.FencingFailed) as caught:
        make_task(host.DisableComputeServiceTask).execute(host_name='host1')
    assert 'hunter2' not in caught.value.message
    assert caught.value.message == (
        'Fencing of host host1 failed: ipmi driver: RuntimeError: login '
        'admin:***@192.0.2.7 refused')
