import pytest

from hahealer import exception
from hahealer.tasks import instance

UUID = '6f2c1b6e-0b7c-4a8e-9a3e-2f1d3c4b5a69'


def test_stop_ignores_instance_without_ha_metadata(conf, nova, make_task):
    nova.add_server(UUID, 'host1')
    with pytest.raises(exception.IgnoreRecovery) as caught:
        make_task(instance.StopInstanceTask).execute(instance_uuid=UUID)
    assert 'not HA-enabled' in caught.value.message
    assert nova.called('stop_server') == []


def test_stop_processes_all_instances_when_configured(conf, nova,
                                                      make_task):
    conf.override('instance_failure', process_all_instances=True)
    nova.add_server(UUID, 'host1')
    make_task(instance.StopInstanceTask).execute(instance_uuid=UUID)
    assert nova.get_server(UUID).vm_state == 'stopped'


def test_stop_honours_a_custom_metadata_key(conf, nova, make_task):
    conf.override('instance_failure', ha_enabled_instance_metadata_key='ha')
    nova.add_server(UUID, 'host1', metadata={'ha': 'yes'})
    make_task(instance.StopInstanceTask).execute(instance_uuid=UUID)
    assert nova.get_server(UUID).vm_state == 'stopped'


@pytest.mark.parametrize('vm_state', ['paused', 'rescued'])
def test_stop_ignores_paused_and_rescued(conf, nova, make_task, vm_state):
    nova.add_server(UUID, 'host1', vm_state=vm_state,
                    metadata={'HA_Enabled': 'True'})
    with pytest.raises(exception.IgnoreRecovery) as caught:
        make_task(instance.StopInstanceTask).execute(instance_uuid=UUID)
    assert f"in '{vm_state}' state" in caught.value.message


def test_stop_resets_resized_instance_to_active_first(conf, nova,
                                                      make_task):
    nova.add_server(UUID, 'host1', vm_state='resized',
                    metadata={'HA_Enabled': 'True'})
    make_task(instance.StopInstanceTask).execute(instance_uuid=UUID)
    names = [call[0] for call in nova.calls]
    assert names == ['reset_server_state', 'stop_server']
    assert nova.called('reset_server_state')[0][2] == 'active'


def test_stop_does_not_stop_a_stopped_instance(conf, nova, make_task,
                                               progress):
    nova.add_server(UUID, 'host1', vm_state='stopped',
                    metadata={'HA_Enabled': 'true'})
    make_task(instance.StopInstanceTask).execute(instance_uuid=UUID)
    assert nova.called('stop_server') == []
    assert progress.messages()[-1] == f"Stopped instance: '{UUID}'"


def test_start_starts_a_stopped_instance(conf, nova, make_task):
    nova.add_server(UUID, 'host1', vm_state='stopped')
    make_task(instance.StartInstanceTask).execute(instance_uuid=UUID)
    assert nova.get_server(UUID).vm_state == 'active'


def test_start_accepts_an_instance_started_before_a_restart(conf, nova,
                                                            make_task):
    nova.add_server(UUID, 'host1', vm_state='active')
    make_task(instance.StartInstanceTask).execute(instance_uuid=UUID)
    assert nova.called('start_server') == []


def test_start_refuses_other_states_naming_them(conf, nova, make_task):
    nova.add_server(UUID, 'host1', vm_state='error')
    with pytest.raises(exception.RecoveryFailed) as caught:
        make_task(instance.StartInstanceTask).execute(instance_uuid=UUID)
    assert "actual state: 'error'" in caught.value.message


def test_confirm_active_times_out_with_reason(conf, nova, make_task):
    conf.override(wait_period_after_power_on=0.1)
    nova.add_server(UUID, 'host1', vm_state='stopped')
    with pytest.raises(exception.RecoveryFailed) as caught:
        make_task(instance.ConfirmInstanceActiveTask).execute(
            instance_uuid=UUID)
    assert f'Failed to start instance {UUID}' in caught.value.message
