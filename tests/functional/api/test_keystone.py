"""hahealer-api through the real parts: a Keystone on loopback validating
tokens through keystonemiddleware, hahealer-api and hahealer-engine as
subprocesses on RabbitMQ, the Nova emulator over HTTP, and OpenStack's own
clients from PyPI, unmodified: openstacksdk's instance_ha proxy,
and python-masakariclient's ``openstack segment|notification`` commands
(masakari-monitors: test_monitors.py)."""

import datetime
import json
import os
import subprocess
import sys
import uuid

import pytest
import requests
import yaml
from openstack import exceptions as sdk_exceptions

from tests import engine_fixture
from tests import keystone_fixture
from tests.functional.api import openstack_stack
from tests.functional.cli import helpers as cli_helpers


def test_versions_are_open_and_v1_needs_a_token(stack):
    assert requests.get(stack.api_url.rsplit('/', 1)[0] + '/',
                        timeout=10).status_code == 200
    # auth_token's own answer, as in front of Masakari
    for headers in ({}, {'X-Auth-Token': 'forged', 'X-Roles': 'admin'}):
        denied = requests.get(f'{stack.api_url}/segments', timeout=10,
                              headers=headers)
        assert denied.status_code == 401
        error = denied.json()['error']
        assert (error['code'], error['title']) == (401, 'Unauthorized')
        assert 'authentication' in error['message']


def _user_with_role(stack, username, project_name, role_name):
    """A user holding only ``role_name``, in a project of its own."""
    cloud = stack.connect('admin', 'admin')
    try:
        identity = cloud.identity
        domain = identity.find_domain('default')
        role = (identity.find_role(role_name)
                or identity.create_role(name=role_name))
        project = (identity.find_project(project_name)
                   or identity.create_project(name=project_name,
                                              domain_id=domain.id))
        user = identity.create_user(name=username, domain_id=domain.id,
                                    password=keystone_fixture.PASSWORD)
        identity.assign_project_role_to_user(project, user, role)
    finally:
        cloud.close()


def test_another_projects_user_needs_a_role_of_the_policy(stack):
    """Segments, hosts and notifications belong to the cloud, not to a
    project: what a token may do follows from its roles alone. A user of
    another project without admin, service or reader is refused
    everything; a member there (a reader by implication) may read."""
    _user_with_role(stack, 'outsider', 'tenant-b', 'auditor')
    _user_with_role(stack, 'insider', 'tenant-b', 'member')
    admin = stack.connect('admin', 'admin').instance_ha
    segment = admin.create_segment(name='rack-tenants',
                                   recovery_method='auto',
                                   service_type='COMPUTE')
    token = stack.keystone.token('outsider', 'tenant-b')
    unknown = str(uuid.uuid4())
    for method, path, body, rule in (
            ('GET', '/segments', None, 'segments:index'),
            ('GET', f'/segments/{segment.uuid}', None, 'segments:detail'),
            ('PUT', f'/segments/{segment.uuid}',
             {'segment': {'description': 'mine'}}, 'segments:update'),
            ('DELETE', f'/segments/{segment.uuid}', None,
             'segments:delete'),
            ('GET', f'/segments/{segment.uuid}/hosts', None,
             'os-hosts:index'),
            ('POST', f'/segments/{segment.uuid}/hosts',
             {'host': {'name': 'host1', 'type': 'COMPUTE',
                       'control_attributes': 'SSH'}}, 'os-hosts:create'),
            ('GET', '/notifications', None, 'notifications:index'),
            ('GET', f'/notifications/{unknown}', None,
             'notifications:detail'),
            ('POST', '/notifications', {'notification': {
                'type': 'PROCESS', 'hostname': 'host1',
                'generated_time': '2026-11-23T00:00:00Z',
                'payload': {'event': 'STOPPED',
                            'process_name': 'nova-compute'}}},
             'notifications:create'),
            ('GET', f'/notifications/{unknown}/vmoves', None,
             'vmoves:index')):
        response = requests.request(
            method, stack.api_url + path, json=body, timeout=10,
            headers={'X-Auth-Token': token,
                     'OpenStack-API-Version': 'instance-ha 1.3'})
        assert response.status_code == 403, (method, path, response.text)
        fault = response.json()['forbidden']
        assert fault['code'] == 403
        assert f'os_masakari_api:{rule}' in fault['message']
    insider = stack.connect('insider', 'tenant-b').instance_ha
    assert 'rack-tenants' in [s.name for s in insider.segments()]
    with pytest.raises(sdk_exceptions.ForbiddenException):
        insider.delete_segment(segment.uuid)
    admin.delete_segment(segment.uuid)


def test_openstacksdk_manages_and_a_monitor_reports(stack):
    admin = stack.connect('admin', 'admin')
    ha = admin.instance_ha
    segment = ha.create_segment(name='rack-sdk', recovery_method='auto',
                                service_type='COMPUTE')
    assert segment.name == 'rack-sdk'
    host = ha.create_host(segment.uuid, name='host1', type='COMPUTE',
                          control_attributes='SSH')
    assert host.failover_segment_id == segment.uuid
    assert [h.name for h in ha.hosts(segment.uuid)] == ['host1']
    assert ha.get_segment(segment.uuid).recovery_method == 'auto'
    with pytest.raises(sdk_exceptions.BadRequestException):
        ha.create_host(segment.uuid, name='toaster', type='COMPUTE',
                       control_attributes='SSH')

    monitor = stack.connect('monitor', 'service')
    with pytest.raises(sdk_exceptions.ForbiddenException):
        monitor.instance_ha.create_segment(
            name='rack-evil', recovery_method='auto', service_type='COMPUTE')
    with pytest.raises(sdk_exceptions.ForbiddenException):
        monitor.instance_ha.delete_host(host.uuid, segment.uuid)
    # What masakari-monitors' process monitor sends when nova-compute dies
    sent = monitor.instance_ha.create_notification(
        type='PROCESS', hostname='host1',
        generated_time=datetime.datetime.now(
            datetime.UTC).strftime('%Y-%m-%dT%H:%M:%S.%f'),
        payload={'event': 'STOPPED', 'process_name': 'nova-compute'})
    assert sent.status == 'new'

    viewer = stack.connect('viewer', 'admin')
    done = openstack_stack.wait_for_status(
        viewer, sent.notification_uuid, ('finished', 'error', 'failed'))
    assert done.status == 'finished'
    # the recovery disabled compute-1's service in the emulator
    [service] = stack.sim.admin_client().services.list(
        host='host1', binary='nova-compute')
    assert service.status == 'disabled'
    assert sent.notification_uuid in [
        n.notification_uuid for n in viewer.instance_ha.notifications()]
    with pytest.raises(sdk_exceptions.ForbiddenException):
        viewer.instance_ha.create_segment(
            name='rack-read', recovery_method='auto', service_type='COMPUTE')

    with pytest.raises(sdk_exceptions.ConflictException):
        ha.delete_segment(segment.uuid)
    ha.delete_host(host.uuid, segment.uuid)
    ha.delete_segment(segment.uuid)
    assert 'rack-sdk' not in [s.name for s in ha.segments()]


def _openstack(stack, username, project, password, *args):
    env = {**os.environ,
           'OS_AUTH_URL': stack.keystone.url, 'OS_USERNAME': username,
           'OS_PASSWORD': password, 'OS_PROJECT_NAME': project,
           'OS_USER_DOMAIN_NAME': 'Default',
           'OS_PROJECT_DOMAIN_NAME': 'Default',
           'OS_REGION_NAME': keystone_fixture.REGION,
           'OS_IDENTITY_API_VERSION': '3'}
    done = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'openstack'), *args,
         '-f', 'json'], capture_output=True, text=True, env=env,
        timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_python_masakariclient_commands(stack):
    admin = ('admin', 'admin', keystone_fixture.ADMIN_PASSWORD)
    segment = _openstack(stack, *admin, 'segment', 'create', 'rack-osc',
                         'auto', 'COMPUTE')
    assert segment['name'] == 'rack-osc'
    host = _openstack(stack, *admin, 'segment', 'host', 'create',
                      'host2', 'COMPUTE', 'SSH', segment['uuid'])
    assert host['failover_segment_id'] == segment['uuid']
    # The command shows the notification after creating it: a monitor's
    # service role alone may create but not show, so an admin sends it.
    sent = _openstack(
        stack, *admin, 'notification', 'create', 'COMPUTE_HOST',
        'host2', datetime.datetime.now(datetime.UTC).isoformat(),
        json.dumps({'event': 'STOPPED', 'host_status': 'UNKNOWN',
                    'cluster_status': 'OFFLINE'}))
    # host_status UNKNOWN: stored, and ignored with the reason
    database = engine_fixture.open_database(stack.config)
    try:
        stored = database.get_notification(sent['notification_uuid'])
    finally:
        database.dispose()
    assert stored['status'] == 'ignored'
    assert 'host_status is UNKNOWN' in stored['reason']


def _os_env(stack, username, project, password):
    return {'OS_AUTH_URL': stack.keystone.url, 'OS_USERNAME': username,
            'OS_PASSWORD': password, 'OS_PROJECT_NAME': project,
            'OS_USER_DOMAIN_NAME': 'Default',
            'OS_PROJECT_DOMAIN_NAME': 'Default',
            'OS_REGION_NAME': keystone_fixture.REGION}


def test_the_hahealer_cli_manages_through_rest(stack):
    admin = _os_env(stack, 'admin', 'admin',
                    keystone_fixture.ADMIN_PASSWORD)

    def run(env, *args):
        # No config file: the OS_* variables alone say where to go.
        return cli_helpers.hahealer(None, *args, env=env)

    done = run(admin, 'segment', 'create', 'rack-cli', '--recovery-method',
               'auto', '-f', 'json')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)['name'] == 'rack-cli'
    done = run(admin, 'host', 'create', 'host3', '--segment', 'rack-cli',
               '--fencing-driver', 'noop', '-f', 'json')
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    assert (created['segment'], created['fencing_driver']) == ('rack-cli',
                                                               'noop')
    cli_helpers.assert_fails(
        run(admin, 'host', 'create', 'host-new', '--segment', 'rack-cli'),
        'host host-new is not a compute host')
    done = run(admin, 'host', 'create', 'host-new', '--segment', 'rack-cli',
               '--no-nova-check', '-f', 'json')
    assert done.returncode == 0, done.stderr
    assert run(admin, 'host', 'delete', 'host-new').returncode == 0
    done = run(admin, 'host', 'list', '--segment', 'rack-cli', '-f', 'json')
    assert [h['name'] for h in json.loads(done.stdout)] == ['host3']
    monitor = _os_env(stack, 'monitor', 'service', keystone_fixture.PASSWORD)
    cli_helpers.assert_fails(
        run(monitor, 'segment', 'create', 'rack-evil', '--recovery-method',
            'auto'),
        'hahealer-api refused it (403): Policy does not allow '
        'os_masakari_api:segments:create to be performed.')
    cli_helpers.assert_fails(run(monitor, 'host', 'delete', 'host3'),
                             'hahealer-api refused it (403)')
    assert run(admin, 'host', 'delete', 'host3').returncode == 0
    assert run(admin, 'segment', 'delete', 'rack-cli').returncode == 0


def test_import_masakari_through_keystone_with_clouds_yaml(stack, tmp_path):
    """hahealer-manage import-masakari, the source named by --os-cloud."""
    admin = stack.connect('admin', 'admin').instance_ha
    segment = admin.create_segment(name='rack-import',
                                   recovery_method='rh_priority',
                                   service_type='COMPUTE')
    token = stack.keystone.token('admin', 'admin',
                                 keystone_fixture.ADMIN_PASSWORD)
    response = requests.post(
        f'{stack.api_url}/segments/{segment.uuid}/hosts', timeout=30,
        headers={'X-Auth-Token': token}, json={'host': {
            'name': 'import-1', 'type': 'COMPUTE', 'reserved': True,
            'control_attributes': 'SSH', 'nova_check': False}})
    assert response.status_code == 201, response.text
    host_uuid = response.json()['host']['uuid']
    clouds = tmp_path / 'clouds.yaml'
    clouds.write_text(yaml.safe_dump({'clouds': {
        name: {'auth': stack.keystone.auth(user, project, password),
               'region_name': keystone_fixture.REGION,
               'identity_api_version': 3}
        for name, user, project, password in (
            ('masakari', 'admin', 'admin', keystone_fixture.ADMIN_PASSWORD),
            ('monitor', 'monitor', 'service', keystone_fixture.PASSWORD),
            ('wrong', 'admin', 'admin', 'Not-The-Pw-41'))}}))
    target = engine_fixture.prepare(tmp_path / 'target', stack.sim.compute_url)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith('OS_')}
    env['OS_CLIENT_CONFIG_FILE'] = str(clouds)

    def run(cloud):
        return subprocess.run(
            [sys.executable, '-m', 'hahealer.cmd.manage', '--config-file',
             str(target), 'import-masakari', '--os-cloud', cloud],
            capture_output=True, text=True, env=env, timeout=120,
            cwd=engine_fixture.REPO_ROOT)

    done = run('masakari')
    assert done.returncode == 0, done.stderr
    assert 'segment rack-import: copied' in done.stdout.splitlines()
    database = engine_fixture.open_database(target)
    try:
        copied = database.show_host('import-1')
        assert (copied['uuid'], copied['segment'], copied['reserved'],
                copied['fencing_driver']) == (host_uuid, 'rack-import',
                                              True, None)
        assert database.get_segment('rack-import')['uuid'] == segment.uuid
    finally:
        database.dispose()

    forbidden = run('monitor')
    assert forbidden.returncode == 1
    assert (f'the Masakari API at {stack.api_url} refused GET /segments '
            f'(403): these credentials may not list segments and hosts '
            f'there') in forbidden.stderr
    refused = run('wrong')
    assert refused.returncode == 1
    assert (f'Keystone at {stack.keystone.url} refused the credentials '
            f'(401)') in refused.stderr
    tokenless = subprocess.run(
        [sys.executable, '-m', 'hahealer.cmd.manage', '--config-file',
         str(target), 'import-masakari', '--os-auth-type', 'none',
         '--os-instance-ha-endpoint-override', stack.api_url],
        capture_output=True, text=True, env=env, timeout=120,
        cwd=engine_fixture.REPO_ROOT)
    assert tokenless.returncode == 1
    assert (f'the Masakari API at {stack.api_url} refused GET /segments '
            f'(401): it takes no request without a valid Keystone token'
            ) in tokenless.stderr
    for failed in (forbidden, refused, tokenless):
        assert 'Traceback' not in failed.stderr
        assert 'Not-The-Pw-41' not in failed.stderr + failed.stdout
    admin.delete_host(host_uuid, segment.uuid)
    admin.delete_segment(segment.uuid)
