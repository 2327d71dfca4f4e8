"""Nova's wire format: each resource as the JSON a microversion expects.

Callers hold ``Cloud.lock`` while they call these, so objects do not
change under a view being built.
"""

import hashlib
import urllib.parse

from hahealer.sim import model

_DOCS = 'http://docs.openstack.org/'
_PROGRESS_STATUSES = ('ACTIVE', 'BUILD', 'REBUILD', 'RESIZE',
                      'VERIFY_RESIZE', 'MIGRATING')
# What every emulated hypervisor offers.
_HOST_VCPUS = 64
_HOST_RAM_MB = 262144
_HOST_DISK_GB = 2000


def isotime(when):
    return when.strftime('%Y-%m-%dT%H:%M:%SZ') if when else None


def db_time(when):
    """Timestamps Nova passes through from its database."""
    return when.strftime('%Y-%m-%dT%H:%M:%S.%f') if when else None


def links(req, collection, identifier):
    return [
        {'rel': 'self',
         'href': '%s/v2.1/%s/%s' % (req.host_url, collection, identifier)},
        {'rel': 'bookmark',
         'href': '%s/%s/%s' % (req.host_url, collection, identifier)},
    ]


def next_links(req, collection, page, page_size, id_of):
    """Nova's 'next' link, present when the page came back full."""
    if not page or len(page) != page_size:
        return None
    params = {k: v[-1] for k, v in sorted(req.query.items())}
    params['marker'] = id_of(page[-1])
    href = '%s/v2.1/%s?%s' % (req.host_url, collection,
                              urllib.parse.urlencode(params))
    return [{'rel': 'next', 'href': href}]


# --- versions ----------------------------------------------------------------

def version(req, max_version):
    return {
        'id': 'v2.1',
        'status': 'CURRENT',
        'version': str(max_version),
        'min_version': '2.1',
        'updated': '2013-07-23T11:33:21Z',
        'links': [
            {'rel': 'self', 'href': req.host_url + '/v2.1/'},
            {'rel': 'describedby', 'type': 'text/html', 'href': _DOCS},
        ],
        'media-types': [{
            'base': 'application/json',
            'type': 'application/vnd.openstack.compute+json;version=2.1',
        }],
    }


def versions(req, max_version):
    return {'versions': [{
        'id': 'v2.1',
        'status': 'CURRENT',
        'version': str(max_version),
        'min_version': '2.1',
        'updated': '2013-07-23T11:33:21Z',
        'links': [{'rel': 'self', 'href': req.host_url + '/v2.1/'}],
    }]}


# --- servers -----------------------------------------------------------------

def _host_id(instance):
    if not instance.host:
        return ''
    data = (instance.project_id + instance.host).encode('utf-8')
    return hashlib.sha224(data).hexdigest()


def server_summary(req, instance):
    return {'id': instance.uuid, 'name': instance.name,
            'links': links(req, 'servers', instance.uuid)}


def _flavor_of_server(req, flavor):
    if req.at_least('2.47'):
        return {'vcpus': flavor.vcpus, 'ram': flavor.ram,
                'disk': flavor.disk, 'ephemeral': flavor.ephemeral,
                'swap': flavor.swap, 'original_name': flavor.name,
                'extra_specs': dict(flavor.extra_specs)}
    return {'id': flavor.id,
            'links': links(req, 'flavors', flavor.id)[1:]}


def server(req, cloud, instance, single=False):
    """The detailed view; ``single`` for GET /servers/{id}."""
    admin = req.context.is_admin
    status = model.status_of(instance.vm_state, instance.task_state)
    body = {
        'id': instance.uuid,
        'name': instance.name,
        'status': status,
        'tenant_id': instance.project_id,
        'user_id': instance.user_id,
        'metadata': dict(instance.metadata),
        'hostId': _host_id(instance),
        'image': {'id': instance.image_id,
                  'links': links(req, 'images', instance.image_id)[1:]},
        'flavor': _flavor_of_server(req, instance.flavor),
        'created': isotime(instance.created_at),
        'updated': isotime(instance.updated_at),
        'addresses': {},
        'accessIPv4': '',
        'accessIPv6': '',
        'links': links(req, 'servers', instance.uuid),
        'OS-DCF:diskConfig': 'MANUAL',
        'OS-EXT-AZ:availability_zone': (
            cloud.zone_of(instance.host) if instance.host else ''),
        'config_drive': '',
        'key_name': None,
        'OS-SRV-USG:launched_at': db_time(instance.launched_at),
        'OS-SRV-USG:terminated_at': None,
        'OS-EXT-STS:task_state': instance.task_state,
        'OS-EXT-STS:vm_state': instance.vm_state,
        'OS-EXT-STS:power_state': instance.power_state,
        'os-extended-volumes:volumes_attached': [],
    }
    if status in _PROGRESS_STATUSES:
        body['progress'] = 0
    if status == 'ERROR' and instance.fault:
        body['fault'] = {'code': instance.fault['code'],
                         'created': isotime(instance.fault['created']),
                         'message': instance.fault['message']}
    hostname = instance.name.replace('_', '-').lower()
    if admin:
        body.update({
            'OS-EXT-SRV-ATTR:host': instance.host,
            'OS-EXT-SRV-ATTR:instance_name': (
                'instance-%08x' % instance.number),
            'OS-EXT-SRV-ATTR:hypervisor_hostname': instance.node,
        })
        if req.at_least('2.3'):
            body.update({
                'OS-EXT-SRV-ATTR:hostname': hostname,
                'OS-EXT-SRV-ATTR:kernel_id': '',
                'OS-EXT-SRV-ATTR:launch_index': 0,
                'OS-EXT-SRV-ATTR:ramdisk_id': '',
                'OS-EXT-SRV-ATTR:reservation_id': (
                    'r-%08x' % instance.number),
                'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
                'OS-EXT-SRV-ATTR:user_data': None,
            })
    elif req.at_least('2.90'):
        body['OS-EXT-SRV-ATTR:hostname'] = hostname
    if req.at_least('2.9'):
        body['locked'] = bool(instance.locked_by)
    if req.at_least('2.16') and admin:
        body['host_status'] = cloud.host_status(instance)
    if req.at_least('2.19'):
        body['description'] = None
    if req.at_least('2.26'):
        body['tags'] = []
    if req.at_least('2.63'):
        body['trusted_image_certificates'] = None
    if single and req.at_least('2.71'):
        body['server_groups'] = []
    if req.at_least('2.73'):
        body['locked_reason'] = instance.locked_reason
    if req.at_least('2.96'):
        body['pinned_availability_zone'] = None
    return body


# --- services and hypervisors ------------------------------------------------

def service(req, cloud, svc):
    body = {
        'id': svc.uuid if req.at_least('2.53') else svc.id,
        'binary': svc.binary,
        'host': svc.host,
        'zone': cloud.service_zone(svc),
        'status': 'disabled' if svc.disabled else 'enabled',
        'state': 'up' if cloud.service_is_up(svc) else 'down',
        'updated_at': db_time(cloud.last_heartbeat(svc)),
        'disabled_reason': svc.disabled_reason,
    }
    if req.at_least('2.11'):
        body['forced_down'] = svc.forced_down
    return body


def hypervisor(req, cloud, host, detail, with_servers=False):
    use_uuid = req.at_least('2.53')
    svc = host.compute
    body = {
        'id': host.hypervisor_uuid if use_uuid else host.hypervisor_id,
        'hypervisor_hostname': host.name,
        'state': 'up' if cloud.service_is_up(svc) else 'down',
        'status': 'disabled' if svc.disabled else 'enabled',
    }
    instances = cloud.instances_on(host.name)
    if detail:
        body.update({
            'hypervisor_type': 'fake',
            'hypervisor_version': 1000,
            'host_ip': host.host_ip,
            'service': {'id': svc.uuid if use_uuid else svc.id,
                        'host': host.name,
                        'disabled_reason': svc.disabled_reason},
        })
        if req.at_least('2.88'):
            body['uptime'] = None
        else:
            body.update(_hypervisor_usage(req, cloud, host, instances))
    if with_servers and (instances or req.at_least('2.75')):
        body['servers'] = [{'name': i.name, 'uuid': i.uuid}
                           for i in instances]
    return body


def _hypervisor_usage(req, cloud, host, instances):
    vcpus_used = sum(i.flavor.vcpus for i in instances)
    ram_used = 512 + sum(i.flavor.ram for i in instances)
    disk_used = sum(i.flavor.disk for i in instances)
    return {
        'vcpus': _HOST_VCPUS, 'memory_mb': _HOST_RAM_MB,
        'local_gb': _HOST_DISK_GB, 'vcpus_used': vcpus_used,
        'memory_mb_used': ram_used, 'local_gb_used': disk_used,
        'free_ram_mb': _HOST_RAM_MB - ram_used,
        'free_disk_gb': _HOST_DISK_GB - disk_used,
        'current_workload': 0,
        'running_vms': cloud.running_guests(host),
        'disk_available_least': _HOST_DISK_GB - disk_used,
        'cpu_info': {} if req.at_least('2.28') else '{}',
    }


# --- migrations and instance actions -----------------------------------------

def migration(req, record):
    body = {
        'id': record.id,
        'instance_uuid': record.instance_uuid,
        'status': record.status,
        'source_compute': record.source_compute,
        'source_node': record.source_node,
        'dest_compute': record.dest_compute,
        'dest_node': record.dest_node,
        'dest_host': record.dest_host,
        'old_instance_type_id': record.instance_type_id,
        'new_instance_type_id': record.instance_type_id,
        'created_at': db_time(record.created_at),
        'updated_at': db_time(record.updated_at),
    }
    if req.at_least('2.23'):
        body['migration_type'] = record.migration_type
    if req.at_least('2.59'):
        body['uuid'] = record.uuid
    if req.at_least('2.80'):
        body['user_id'] = record.user_id
        body['project_id'] = record.project_id
    return body


def instance_action(req, action, with_events=False):
    body = {
        'action': action.action,
        'instance_uuid': action.instance_uuid,
        'request_id': action.request_id,
        'user_id': action.user_id,
        'project_id': action.project_id,
        'start_time': db_time(action.start_time),
        'message': action.message,
    }
    if req.at_least('2.58'):
        body['updated_at'] = db_time(action.updated_at)
    if with_events:
        # Newest first, as Nova lists them.
        events = sorted(enumerate(action.events), reverse=True,
                        key=lambda item: (item[1]['start_time'], item[0]))
        body['events'] = [_action_event(req, action, event)
                          for _, event in events]
    return body


def _action_event(req, action, event):
    admin = req.context.is_admin
    body = {'event': event['event'],
            'start_time': db_time(event['start_time']),
            'finish_time': db_time(event['finish_time']),
            'result': event['result']}
    if admin:
        body['traceback'] = event['traceback']
    if req.at_least('2.62'):
        if admin:
            body['host'] = event['host'] or ''
        body['hostId'] = (hashlib.sha224(
            (action.project_id + event['host']).encode()).hexdigest()
            if event['host'] else '')
    if admin and req.at_least('2.84'):
        body['details'] = event['details']
    return body


# --- aggregates, flavors, images ---------------------------------------------

def aggregate(req, record):
    body = {
        'id': record.id,
        'name': record.name,
        'availability_zone': record.availability_zone,
        'hosts': list(record.hosts),
        'metadata': dict(record.metadata),
        'created_at': db_time(record.created_at),
        'updated_at': db_time(record.updated_at),
        'deleted': False,
        'deleted_at': None,
    }
    if req.at_least('2.41'):
        body['uuid'] = record.uuid
    return body


def flavor(req, record, detail):
    body = {'id': record.id, 'name': record.name,
            'links': links(req, 'flavors', record.id)}
    if req.at_least('2.55'):
        body['description'] = record.description
    if not detail:
        return body
    body.update({
        'ram': record.ram,
        'disk': record.disk,
        'vcpus': record.vcpus,
        'swap': record.swap if req.at_least('2.75') else (
            record.swap or ''),
        'OS-FLV-EXT-DATA:ephemeral': record.ephemeral,
        'OS-FLV-DISABLED:disabled': False,
        'os-flavor-access:is_public': True,
        'rxtx_factor': 1.0,
    })
    if req.at_least('2.61'):
        body['extra_specs'] = dict(record.extra_specs)
    return body


def image(req, record, detail):
    body = {'id': record.id, 'name': record.name,
            'links': links(req, 'images', record.id)}
    if detail:
        body.update({
            'minRam': record.min_ram,
            'minDisk': record.min_disk,
            'metadata': {},
            'created': isotime(record.created_at),
            'updated': isotime(record.created_at),
            'status': 'ACTIVE',
            'progress': 100,
            'OS-EXT-IMG-SIZE:size': record.size,
        })
    return body
