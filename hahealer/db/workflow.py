"""The workflow log: what each recovery did, for operators.

taskflow's logbook (the [taskflow] connection) is what resumes a flow;
these tables are the operator's view of the same history: each task's
latest state and its progress messages, and one vmove per instance a host
recovery moves, which the per-instance pipeline also resumes from.
"""

import datetime
import uuid

import sqlalchemy as sa

from hahealer import exception
from hahealer.db import connection
from hahealer.db import models
from hahealer.db import paging

VMOVE_SORT_KEYS = {key: getattr(models.Vmove, key) for key in (
    'created_at', 'updated_at', 'uuid', 'start_time', 'type', 'status')}


class WorkflowQueries:
    """Task states, progress messages and vmoves."""

    # --- workflow ---------------------------------------------------------

    def record_task_state(self, notification_uuid, flow, task_name, state):
        with self.session() as session:
            row = session.scalar(sa.select(models.WorkflowTask).filter_by(
                notification_uuid=notification_uuid, flow=flow,
                name=task_name))
            if row is None:
                session.add(models.WorkflowTask(
                    notification_uuid=notification_uuid, flow=flow,
                    name=task_name, state=state))
            else:
                row.state = state

    def record_progress(self, notification_uuid, flow, task_name, entry):
        timestamp = datetime.datetime.fromisoformat(entry.timestamp)
        with self.session() as session:
            session.add(models.ProgressEntry(
                notification_uuid=notification_uuid, flow=flow,
                task_name=task_name,
                timestamp=timestamp.replace(tzinfo=None),
                progress=entry.progress, message=entry.message))

    def workflow_details(self, notification_uuid):
        """Each task in execution order, with its progress entries."""
        with self.session() as session:
            self._notification(session, notification_uuid)
            tasks = session.scalars(
                sa.select(models.WorkflowTask)
                .filter_by(notification_uuid=notification_uuid)
                .order_by(models.WorkflowTask.id))
            entries = session.scalars(
                sa.select(models.ProgressEntry)
                .filter_by(notification_uuid=notification_uuid)
                .order_by(models.ProgressEntry.id))
            by_task = {}
            for entry in entries:
                by_task.setdefault((entry.flow, entry.task_name), []).append({
                    'timestamp': connection.iso(entry.timestamp),
                    'progress': entry.progress,
                    'message': entry.message})
            return [{'flow': task.flow, 'name': task.name,
                     'state': task.state,
                     'progress_details': by_task.get((task.flow, task.name),
                                                     [])}
                    for task in tasks]

    # --- vmoves -----------------------------------------------------------

    def start_vmove(self, notification_uuid, instance_uuid, source_host,
                    instance_name=None, target_state=None):
        """The instance's vmove in this recovery, made on first sight."""
        with self.session() as session:
            row = self._vmove(session, notification_uuid, instance_uuid)
            if row is None:
                row = models.Vmove(
                    uuid=str(uuid.uuid4()),
                    notification_uuid=notification_uuid,
                    instance_uuid=instance_uuid, instance_name=instance_name,
                    source_host=source_host, type='evacuation',
                    status='ongoing', phase='new', lock='none',
                    target_state=target_state, evacuations=0,
                    start_time=models.utcnow())
                session.add(row)
                session.flush()
            return vmove_to_dict(row)

    def update_vmove(self, notification_uuid, instance_uuid, **values):
        if values.get('status') in ('succeeded', 'failed', 'ignored'):
            values.setdefault('end_time', models.utcnow())
        with self.session() as session:
            row = self._vmove(session, notification_uuid, instance_uuid)
            if row is None:
                raise exception.NotFound(kind='Vmove', name=instance_uuid)
            for key, value in values.items():
                setattr(row, key, value)
            session.flush()
            return vmove_to_dict(row)

    def list_vmoves(self, notification_uuid, filters=None, sort_keys=None,
                    sort_dirs=None, limit=None, marker=None):
        """In the order they were made, or in the order asked; ``filters``
        match type and status; ``marker`` is the last uuid of the
        previous page."""
        filters = dict(filters or {})
        unknown = sorted(set(filters) - {'type', 'status'})
        if unknown:
            raise exception.Invalid(
                reason=f"unknown filter {', '.join(unknown)}; filters: "
                       f"type, status")
        columns = paging.sort_columns(models.Vmove, sort_keys, sort_dirs,
                                      VMOVE_SORT_KEYS, default_dir='asc')
        query = sa.select(models.Vmove).filter_by(
            notification_uuid=notification_uuid, **filters)
        with self.session() as session:
            after = paging.marker_row(session, models.Vmove, marker)
            return [vmove_to_dict(row) for row in session.scalars(
                paging.page(query, columns, after, limit))]

    def get_vmove(self, notification_uuid, vmove_uuid):
        with self.session() as session:
            return vmove_to_dict(self._vmove_by_uuid(
                session, notification_uuid, vmove_uuid))

    def _vmove_by_uuid(self, session, notification_uuid, vmove_uuid):
        row = session.scalar(sa.select(models.Vmove).filter_by(
            notification_uuid=notification_uuid, uuid=vmove_uuid))
        if row is None:
            raise exception.NotFound(kind='Vmove', name=vmove_uuid)
        return row

    def _vmove(self, session, notification_uuid, instance_uuid):
        return session.scalar(sa.select(models.Vmove).filter_by(
            notification_uuid=notification_uuid,
            instance_uuid=instance_uuid))


def vmove_to_dict(row):
    return {
        'uuid': row.uuid,
        'notification_uuid': row.notification_uuid,
        'instance_uuid': row.instance_uuid,
        'instance_name': row.instance_name,
        'source_host': row.source_host,
        'dest_host': row.dest_host,
        'type': row.type,
        'status': row.status,
        'phase': row.phase,
        'target_state': row.target_state,
        'lock': row.lock,
        'evacuations': row.evacuations,
        'message': row.message,
        'start_time': connection.iso(row.start_time),
        'end_time': connection.iso(row.end_time),
        'created_at': connection.iso(row.created_at),
        'updated_at': connection.iso(row.updated_at),
    }
