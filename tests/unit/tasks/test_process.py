import pytest

from hahealer import exception
from hahealer.tasks import process


def test_disable_compute_node_disables_with_reason(conf, nova, make_task,
                                                   progress):
    task = make_task(process.DisableComputeNodeTask)
    task.execute(process_name='nova-compute', host_name='host1')
    service = nova.get_compute_service('host1')
    assert service.disabled
    assert service.disabled_reason == 'Disabled by hahealer: process failure'
    assert progress.messages() == [
        "Disabling compute service on host: 'host1'",
        "Disabled compute service on host: 'host1'"]


def test_disable_compute_node_uses_configured_reason(conf, nova, make_task):
    conf.override('process_failure', service_disable_reason='libvirt died')
    make_task(process.DisableComputeNodeTask).execute(
        process_name='libvirtd', host_name='host2')
    assert nova.get_compute_service('host2').disabled_reason == (
        'libvirt died')


def test_disable_compute_node_skips_a_disabled_service(conf, nova,
                                                       make_task, progress):
    nova.disable_service('host1', 'by the operator')
    nova.calls.clear()
    make_task(process.DisableComputeNodeTask).execute(
        process_name='nova-compute', host_name='host1')
    assert nova.called('disable_service') == []
    assert nova.get_compute_service('host1').disabled_reason == (
        'by the operator')
    assert progress.messages()[-1] == (
        'Skipping recovery for process nova-compute as it is already '
        'disabled')


def test_confirm_disabled_passes_when_disabled(conf, nova, make_task,
                                               progress):
    nova.disable_service('host1', 'x')
    make_task(process.ConfirmComputeNodeDisabledTask).execute(
        process_name='nova-compute', host_name='host1')
    assert progress.messages()[-1] == (
        "Confirmed compute service is disabled on host: 'host1'")


def test_confirm_disabled_fails_clearly_on_timeout(conf, nova, make_task,
                                                   progress):
    conf.override(wait_period_after_service_update=0.1)
    task = make_task(process.ConfirmComputeNodeDisabledTask)
    with pytest.raises(exception.RecoveryFailed) as caught:
        task.execute(process_name='nova-compute', host_name='host1')
    assert 'Failed to disable service nova-compute on host host1' in (
        caught.value.message)
    assert 'timed out after 0.1 s' in caught.value.message
    assert progress.entries[-1][1].progress == 1.0
