import pytest

from hahealer import exception
from hahealer.engine import flows
from hahealer.tasks import base

GROUP = 'taskflow_driver_recovery_flows'


def _names(flow):
    return [atom.name for atom in flows._atoms_in_order(flow)]


def _build(kind):
    return flows.build(kind, base.RecoveryContext('n-1'),
                       base.Resources(nova=None))


def test_defaults_are_masakaris(conf):
    options = conf  # noqa: F841 (CONF parsed)
    assert flows.stage_task_names(flows.PROCESS) == {
        'pre': ['disable_compute_node_task'],
        'main': ['confirm_compute_node_disabled_task'], 'post': []}
    assert flows.stage_task_names(flows.INSTANCE) == {
        'pre': ['stop_instance_task'], 'main': ['start_instance_task'],
        'post': ['confirm_instance_active_task']}
    for kind in (flows.HOST_AUTO, flows.HOST_RH):
        assert flows.stage_task_names(kind) == {
            'pre': ['disable_compute_service_task'],
            'main': ['prepare_HA_enabled_instances_task'],
            'post': ['evacuate_instances_task']}


def test_every_default_flow_is_valid(conf):
    flows.validate_all()


def test_flow_follows_configured_order(conf):
    conf.override(GROUP, instance_failure_recovery_tasks={
        'pre': ['no_op', 'stop_instance_task'],
        'main': ['start_instance_task'],
        'post': ['confirm_instance_active_task']})
    assert _names(_build(flows.INSTANCE)) == [
        'no_op', 'stop_instance_task', 'start_instance_task',
        'confirm_instance_active_task']


def test_reserved_host_flow_retries_its_post_stage(conf):
    flow = _build(flows.HOST_RH)
    post = [item for item, _ in flow.iter_nodes()][-1]
    assert post.retry is not None
    assert post.retry.provides == {'reserved_host'}
    assert set(post.retry.requires) == {'reserved_host_list'}
    auto_post = [item for item, _ in _build(flows.HOST_AUTO).iter_nodes()]
    assert auto_post[-1].retry is None


def test_unknown_task_names_option_task_and_choices(conf):
    conf.override(GROUP, process_failure_recovery_tasks={
        'pre': ['disable_compute_node_task', 'reboot_the_world']})
    with pytest.raises(exception.ConfigurationError) as caught:
        flows.validate_all()
    message = caught.value.message
    assert 'process_failure_recovery_tasks' in message
    assert "unknown task 'reboot_the_world' in stage 'pre'" in message
    assert 'available tasks: ' in message
    assert 'confirm_compute_node_disabled_task' in message


def test_unknown_stage_is_refused(conf):
    conf.override(GROUP, process_failure_recovery_tasks={
        'pre': ['disable_compute_node_task'], 'later': ['no_op']})
    with pytest.raises(exception.ConfigurationError) as caught:
        flows.validate(flows.PROCESS)
    assert 'unknown stage later' in caught.value.message


def test_task_listed_twice_is_refused(conf):
    conf.override(GROUP, process_failure_recovery_tasks={
        'pre': ['no_op'], 'post': ['no_op']})
    with pytest.raises(exception.ConfigurationError) as caught:
        flows.validate(flows.PROCESS)
    assert "task 'no_op' is listed twice" in caught.value.message


def test_missing_input_names_the_task_and_the_input(conf):
    conf.override(GROUP, host_auto_failure_recovery_tasks={
        'pre': ['disable_compute_service_task'],
        'main': ['evacuate_instances_task'],
        'post': ['prepare_HA_enabled_instances_task']})
    with pytest.raises(exception.ConfigurationError) as caught:
        flows.validate(flows.HOST_AUTO)
    assert ("task 'evacuate_instances_task' requires instance_list" in
            caught.value.message)


def test_instance_tasks_cannot_serve_a_host_flow(conf):
    conf.override(GROUP, host_auto_failure_recovery_tasks={
        'pre': ['stop_instance_task']})
    with pytest.raises(exception.ConfigurationError) as caught:
        flows.validate(flows.HOST_AUTO)
    assert 'requires instance_uuid' in caught.value.message


def test_all_problems_are_reported_together(conf):
    conf.override(GROUP, process_failure_recovery_tasks={'pre': ['nope']},
                  instance_failure_recovery_tasks={'pre': ['nada']})
    with pytest.raises(exception.ConfigurationError) as caught:
        flows.validate_all()
    assert "'nope'" in caught.value.message
    assert "'nada'" in caught.value.message


def test_recovery_methods_map_to_flows():
    assert flows.HOST_FLOWS_BY_METHOD == {
        'auto': (flows.HOST_AUTO,), 'reserved_host': (flows.HOST_RH,),
        'auto_priority': (flows.HOST_AUTO, flows.HOST_RH),
        'rh_priority': (flows.HOST_RH, flows.HOST_AUTO)}


def test_a_task_that_cannot_be_built_names_option_and_task(conf,
                                                           monkeypatch):
    classes, errors = flows.available_tasks()

    class Broken(base.HealerTask):
        def __init__(self, *args, **kwargs):
            raise RuntimeError('needs [broken] url')

        def execute(self):
            """Never runs."""

    monkeypatch.setitem(classes, 'broken_task', Broken)
    conf.override(GROUP, process_failure_recovery_tasks={
        'pre': ['broken_task']})
    with pytest.raises(exception.ConfigurationError) as caught:
        flows.validate(flows.PROCESS)
    assert ("process_failure_recovery_tasks: task 'broken_task' could not "
            "be built: RuntimeError: needs [broken] url") in (
        caught.value.message)


def test_a_name_registered_twice_is_refused(conf, monkeypatch):
    classes, errors = flows.available_tasks()
    monkeypatch.setitem(errors, 'no_op', 'the name is registered more than '
                                         'once: a:A, b:B')
    conf.override(GROUP, process_failure_recovery_tasks={'pre': ['no_op']})
    with pytest.raises(exception.ConfigurationError) as caught:
        flows.validate(flows.PROCESS)
    assert "task 'no_op' could not be loaded: the name is registered more " \
           "than once: a:A, b:B" in caught.value.message
