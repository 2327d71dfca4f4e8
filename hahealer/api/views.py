"""hahealer's records in Masakari's v1 shape and field names.

hahealer never soft-deletes, so ``deleted`` is always false and
``deleted_at`` null; they are kept because Masakari's clients read them.
Fencing parameters are never shown: a host shows only its fencing driver.
"""


def _undeleted(view):
    view.update(deleted=False, deleted_at=None)
    return view


def segment(record, version):
    view = {key: record[key] for key in (
        'id', 'uuid', 'name', 'description', 'recovery_method',
        'service_type', 'created_at', 'updated_at')}
    if version >= (1, 2):
        view['enabled'] = record['enabled']
    return _undeleted(view)


def host(record, segment_view):
    view = {key: record[key] for key in (
        'id', 'uuid', 'name', 'type', 'control_attributes', 'reserved',
        'on_maintenance', 'fencing_driver', 'created_at', 'updated_at')}
    view['failover_segment_id'] = record['segment_uuid']
    view['failover_segment'] = segment_view
    return _undeleted(view)


def notification(record, host_uuids, workflow=None):
    """``host_uuids`` maps host names to uuids (Masakari's
    source_host_uuid); ``workflow`` is the recovery from 1.1 on."""
    view = {
        'notification_uuid': record['notification_uuid'],
        'type': record['type'],
        'hostname': record['hostname'],
        'source_host_uuid': host_uuids.get(record['hostname']),
        'generated_time': record['generated_time'],
        'payload': record['payload'],
        'status': record['status'],
        'reason': record['reason'],
        'created_at': record['created_at'],
        'updated_at': record['updated_at'],
    }
    if workflow is not None:
        view['recovery_workflow_details'] = [_task(task)
                                             for task in workflow]
    return _undeleted(view)


def _task(task):
    details = task['progress_details']
    return {
        'name': task['name'],
        'state': task['state'],
        'progress': details[-1]['progress'] if details else 0.0,
        'progress_details': details,
    }


def vmove(record):
    return _undeleted({key: record[key] for key in (
        'uuid', 'notification_uuid', 'instance_uuid', 'instance_name',
        'source_host', 'dest_host', 'start_time', 'end_time', 'status',
        'type', 'message', 'created_at', 'updated_at')})
