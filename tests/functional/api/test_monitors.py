"""masakari-monitors from PyPI, unmodified, report through hahealer-api,
each driven by its own configuration file and sending through
masakarimonitors.ha.masakari.SendNotification (openstacksdk, a Keystone
token of the monitor user); hahealer stores each notification and recovers
it against the Nova emulator.

- process monitor: the real console script finds nova-compute gone;
- instance monitor: the real console script hears from libvirtd, over
  libvirt's remote protocol, that a QEMU guest crashed (its QEMU process
  killed) or was destroyed;
- host monitor: the real console script reads the cluster's state with
  pacemaker's own crm_mon from a CIB file and finds the compute node, a
  pacemaker-remote node, offline.
"""

import os
import socket
import uuid

import libvirt
import pytest
import yaml

from tests import engine_fixture
from tests import libvirtd_fixture
from tests import pacemaker_cib
from tests import scenario
from tests.functional.api import openstack_stack

DONE = ('finished', 'ignored', 'error', 'failed')


@pytest.fixture(scope='module')
def libvirtd():
    daemon = libvirtd_fixture.start()
    yield daemon
    daemon.stop()


@pytest.fixture
def admin(stack):
    return stack.connect('admin', 'admin').instance_ha


@pytest.fixture
def viewer(stack):
    return stack.connect('viewer', 'admin')


def _in_a_segment(admin, hostname, *others):
    """(segment, host): ``hostname`` (and ``others``) in a new auto
    segment."""
    segment = admin.create_segment(name=f'rack-{uuid.uuid4().hex[:8]}',
                                   recovery_method='auto',
                                   service_type='COMPUTE')
    host = admin.create_host(segment.uuid, name=hostname, type='COMPUTE',
                             control_attributes='SSH')
    for other in others:
        admin.create_host(segment.uuid, name=other, type='COMPUTE',
                          control_attributes='SSH')
    return segment, host


def _delete(admin, segment):
    for host in admin.hosts(segment.uuid):
        admin.delete_host(host.uuid, segment.uuid)
    admin.delete_segment(segment.uuid)


def _reason(stack, record):
    """Why the engine ended ``record`` as it did (the API shows no reason
    to a reader)."""
    database = engine_fixture.open_database(stack.config)
    try:
        return database.get_notification(record.notification_uuid)['reason']
    finally:
        database.dispose()


def _servers_on(stack, hostname):
    return stack.sim.admin_client().servers.list(
        search_opts={'host': hostname, 'all_tenants': 1})


def _processmonitor_config(stack, directory, process_name):
    """process_list.yaml as a deployer writes it, one process whose
    restart fails at once, and the monitor's configuration."""
    process_list = directory / 'process_list.yaml'
    process_list.write_text(yaml.safe_dump([{
        'process_name': process_name, 'start_command': 'true',
        'pre_start_command': '', 'post_start_command': '',
        'restart_command': 'false', 'pre_restart_command': '',
        'post_restart_command': '', 'run_as_root': False}]))
    return openstack_stack.monitor_config(stack, directory, process={
        'process_list_path': process_list, 'check_interval': 1,
        'restart_retries': 0, 'restart_interval': 1,
        'api_retry_max': 0, 'api_retry_interval': 1})


def test_masakari_processmonitor_reports_a_dead_process(
        stack, admin, viewer, tmp_path):
    """The process monitor finds nova-compute gone and fails to restart
    it; hahealer disables the host's compute service."""
    hostname = socket.gethostname()
    stack.sim.add_host(hostname)
    segment, host = _in_a_segment(admin, hostname)
    # A path no process runs from, so that ps never shows it.
    absent = tmp_path / uuid.uuid4().hex / 'nova-compute'
    config = _processmonitor_config(stack, tmp_path, str(absent))
    log = tmp_path / 'processmonitor.log'
    with openstack_stack.monitor('masakari-processmonitor', config,
                                 log) as monitor:
        sent = openstack_stack.first_notification(viewer, host, monitor,
                                                  log)
    assert (sent.type, sent.source_host_uuid) == ('PROCESS', host.uuid)
    assert sent.payload == {'event': 'STOPPED',
                            'process_name': 'nova-compute'}
    record = openstack_stack.wait_for_status(
        viewer, sent.notification_uuid, DONE)
    assert record.status == 'finished', _reason(stack, record)
    [service] = stack.sim.admin_client().services.list(
        host=hostname, binary='nova-compute')
    assert service.status == 'disabled'
    _delete(admin, segment)


def _instancemonitor_config(stack, directory, libvirtd, hostname):
    return openstack_stack.monitor_config(
        stack, directory, DEFAULT={'hostname': hostname},
        libvirt={'connection_uri': libvirtd.uri},
        callback={'retry_max': 0, 'retry_interval': 1})


def _ha_enabled_server(stack, hostname, index):
    """Instance ``index`` on ``hostname``, its metadata asking for
    recovery."""
    nova = stack.sim.admin_client()
    server = _servers_on(stack, hostname)[index]
    nova.servers.set_meta(server, {'HA_Enabled': 'True'})
    return server


def _instance_failure(stack, viewer, libvirtd, tmp_path, host, server,
                      fail):
    """The notification the instance monitor sends when ``fail(domain)``
    happens to the domain of ``server``, a QEMU guest libvirt runs."""
    connection = libvirt.open(libvirtd.uri)
    try:
        domain = connection.createXML(libvirtd.domain_xml(
            f'instance-{server.id[:8]}', server.id), 0)
        config = _instancemonitor_config(stack, tmp_path, libvirtd,
                                         host.name)
        log = tmp_path / 'instancemonitor.log'
        listeners = libvirtd.lifecycle_listeners()
        with openstack_stack.monitor('masakari-instancemonitor', config,
                                     log) as monitor:
            libvirtd.wait_for_lifecycle_listeners(listeners + 1)
            fail(domain)
            return openstack_stack.first_notification(
                viewer, host, monitor, log,
                match=lambda n: n.payload['instance_uuid'] == server.id)
    finally:
        connection.close()


def test_masakari_instancemonitor_reports_a_crashed_instance(
        stack, admin, viewer, libvirtd, tmp_path):
    """The QEMU process of an instance dies: libvirt reports the domain
    STOPPED_FAILED to the monitor, which sends a VM notification; hahealer
    restarts the instance: stop, start, ACTIVE."""
    segment, host = _in_a_segment(admin, 'host4')
    server = _ha_enabled_server(stack, 'host4', 0)
    sent = _instance_failure(stack, viewer, libvirtd, tmp_path, host,
                             server,
                             lambda domain: libvirtd.crash(domain.name()))
    assert (sent.type, sent.source_host_uuid) == ('VM', host.uuid)
    assert sent.payload == {'event': 'LIFECYCLE',
                            'instance_uuid': server.id,
                            'vir_domain_event': 'STOPPED_FAILED'}
    record = openstack_stack.wait_for_status(
        viewer, sent.notification_uuid, DONE)
    assert record.status == 'finished', _reason(stack, record)
    nova = stack.sim.admin_client()
    actions = [a.action for a in nova.instance_action.list(server.id)]
    assert 'stop' in actions and 'start' in actions
    assert nova.servers.get(server.id).status == 'ACTIVE'
    _delete(admin, segment)


def test_masakari_instancemonitor_reports_a_destroyed_instance(
        stack, admin, viewer, libvirtd, tmp_path):
    """A domain destroyed through libvirt was stopped on purpose, not
    failed: the monitor reports STOPPED_DESTROYED, and hahealer stores it
    and, as Masakari does, leaves the instance alone."""
    segment, host = _in_a_segment(admin, 'host4')
    server = _ha_enabled_server(stack, 'host4', 1)
    sent = _instance_failure(stack, viewer, libvirtd, tmp_path, host,
                             server, lambda domain: domain.destroy())
    assert (sent.type, sent.source_host_uuid) == ('VM', host.uuid)
    assert sent.payload == {'event': 'LIFECYCLE',
                            'instance_uuid': server.id,
                            'vir_domain_event': 'STOPPED_DESTROYED'}
    record = openstack_stack.wait_for_status(
        viewer, sent.notification_uuid, DONE)
    assert record.status == 'ignored'
    actions = stack.sim.admin_client().instance_action.list(server.id)
    assert 'stop' not in [a.action for a in actions]
    _delete(admin, segment)


def _hostmonitor_config(stack, directory):
    """The host monitor on a pacemaker-remote node, watching the other
    remote nodes through crm_mon; privsep runs its commands through
    privsep-helper (without sudo: the tests run as the user they are)."""
    config = directory / 'masakarimonitors.conf'
    return openstack_stack.monitor_config(
        stack, directory,
        host={'monitoring_driver': 'default', 'monitoring_interval': 1,
              'pacemaker_node_type': 'remote', 'restrict_to_remotes': True,
              'disable_ipmi_check': True, 'api_retry_max': 0,
              'api_retry_interval': 1},
        masakarimonitors_privileged={
            'helper_command': f'{openstack_stack.BIN}/privsep-helper '
                              f'--config-file {config}'})


def test_masakari_hostmonitor_reports_a_compute_node_down(
        stack, admin, viewer, tmp_path):
    """pacemaker's crm_mon shows host5 online, then its remote connection
    failed: the host monitor sends COMPUTE_HOST STOPPED, and hahealer
    evacuates host5's instances. host6 joins the segment, so that one
    host of two failing is no storm."""
    stack.sim.add_host('host6')
    segment, host = _in_a_segment(admin, 'host5', 'host6')
    evacuees = [s.id for s in _servers_on(stack, 'host5')]
    assert evacuees
    cib = tmp_path / 'cib.xml'
    pacemaker_cib.write(cib, 'controller-1', 'host5',
                        connection_failed=False)
    config = _hostmonitor_config(stack, tmp_path)
    log = tmp_path / 'hostmonitor.log'
    env = {**os.environ, 'CIB_file': str(cib),
           'PATH': f'{os.environ["PATH"]}{os.pathsep}/usr/sbin'}
    with openstack_stack.monitor('masakari-hostmonitor', config, log,
                                 env=env) as monitor:
        openstack_stack.wait_for_log(
            log, "Recognized 'host5' as a new member of cluster. "
                 "Host status is 'online'.", monitor)
        stack.sim.kill_host('host5')
        pacemaker_cib.write(cib, 'controller-1', 'host5',
                            connection_failed=True)
        sent = openstack_stack.first_notification(viewer, host, monitor,
                                                  log)
    assert (sent.type, sent.source_host_uuid) == ('COMPUTE_HOST', host.uuid)
    assert sent.payload == {'event': 'STOPPED', 'cluster_status': 'OFFLINE',
                            'host_status': 'NORMAL'}
    record = openstack_stack.wait_for_status(
        viewer, sent.notification_uuid, DONE)
    assert record.status == 'finished', _reason(stack, record)
    nova = stack.sim.admin_client()
    for server_id in evacuees:
        assert scenario.host_of(nova.servers.get(server_id)) != 'host5'
    _delete(admin, segment)
