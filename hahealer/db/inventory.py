"""The inventory: failover segments and their hosts.

A host's fencing secrets only leave through ``get_host`` (for the fencing
task); every other answer masks them with ``host_to_dict``.
"""

import uuid

import sqlalchemy as sa
from sqlalchemy import orm

from hahealer import exception
from hahealer.db import connection
from hahealer.db import models
from hahealer.db import paging

RECOVERY_METHODS = ('auto', 'reserved_host', 'auto_priority', 'rh_priority')
MASK = '***'


def segment_to_dict(row):
    return {
        'id': row.id,
        'uuid': row.uuid,
        'name': row.name,
        'description': row.description,
        'service_type': row.service_type,
        'recovery_method': row.recovery_method,
        'enabled': row.enabled,
        'created_at': connection.iso(row.created_at),
        'updated_at': connection.iso(row.updated_at),
    }


def mask_all(driver_name, params):
    """Every fencing parameter masked: the safe default."""
    return {key: MASK for key in params}


def host_to_dict(row, mask=mask_all):
    """A host for display; ``mask(driver, params)`` hides its secrets
    (hahealer.fencing.mask_params knows each driver's)."""
    params = mask(row.fencing_driver, dict(row.fencing_params or {}))
    return {
        'id': row.id,
        'uuid': row.uuid,
        'name': row.name,
        'segment': row.segment.name,
        'segment_uuid': row.segment.uuid,
        'type': row.type,
        'control_attributes': row.control_attributes,
        'reserved': row.reserved,
        'on_maintenance': row.on_maintenance,
        'fencing_driver': row.fencing_driver,
        'fencing_params': params,
        'created_at': connection.iso(row.created_at),
        'updated_at': connection.iso(row.updated_at),
    }


class InventoryQueries:
    """Segments and hosts."""

    # --- segments ---------------------------------------------------------

    def create_segment(self, name, recovery_method, description=None,
                       enabled=True, service_type='COMPUTE', uuid_=None):
        with self.session() as session:
            return segment_to_dict(self.add_segment(
                session, name, recovery_method, description, enabled,
                service_type, uuid_))

    def add_segment(self, session, name, recovery_method, description=None,
                    enabled=True, service_type='COMPUTE', uuid_=None):
        """The new segment's row, in ``session``: for callers that add
        several things in one transaction."""
        _check_recovery_method(recovery_method)
        if session.scalar(sa.select(models.Segment)
                          .filter_by(name=name)) is not None:
            raise exception.Conflict(reason=f'segment {name} already exists')
        row = models.Segment(uuid=uuid_ or str(uuid.uuid4()), name=name,
                             recovery_method=recovery_method,
                             description=description, enabled=enabled,
                             service_type=service_type)
        session.add(row)
        session.flush()
        return row

    def segment_rows(self, session, name, uuid_):
        """(the segment named ``name``, the segment with ``uuid_``), each
        None when there is none: the same row twice when they agree."""
        return _named_and_identified(session, models.Segment, name, uuid_)

    def _segment(self, session, name_or_uuid):
        row = session.scalar(sa.select(models.Segment).filter(sa.or_(
            models.Segment.name == name_or_uuid,
            models.Segment.uuid == name_or_uuid)))
        if row is None:
            raise exception.NotFound(kind='Segment', name=name_or_uuid)
        return row

    def get_segment(self, name_or_uuid):
        with self.session() as session:
            return segment_to_dict(self._segment(session, name_or_uuid))

    def list_segments(self, filters=None, sort_keys=None, sort_dirs=None,
                      limit=None, marker=None):
        """By name, or in the order asked; ``filters`` match columns
        (recovery_method, service_type, enabled); ``marker`` is the uuid
        of the last segment of the previous page."""
        query = _filtered(models.Segment, filters, SEGMENT_FILTERS)
        with self.session() as session:
            if not sort_keys:
                sort_keys, sort_dirs = ['name'], sort_dirs or ['asc']
            columns = paging.sort_columns(models.Segment, sort_keys,
                                          sort_dirs, SEGMENT_SORT_KEYS)
            after = paging.marker_row(session, models.Segment, marker)
            return [segment_to_dict(row) for row in session.scalars(
                paging.page(query, columns, after, limit))]

    def update_segment(self, name_or_uuid, **values):
        if 'recovery_method' in values:
            _check_recovery_method(values['recovery_method'])
        allowed = {'name', 'description', 'recovery_method', 'enabled',
                   'service_type'}
        _check_fields('segment', values, allowed)
        with self.session() as session:
            row = self._segment(session, name_or_uuid)
            if values.get('name', row.name) != row.name and session.scalar(
                    sa.select(models.Segment.id).filter_by(
                        name=values['name'])) is not None:
                raise exception.Conflict(
                    reason=f"segment {values['name']} already exists")
            for key, value in values.items():
                setattr(row, key, value)
            session.flush()
            return segment_to_dict(row)

    def delete_segment(self, name_or_uuid):
        with self.session() as session:
            row = self._segment(session, name_or_uuid)
            if row.hosts:
                raise exception.Conflict(
                    reason=f'segment {row.name} still has hosts: '
                           f'{", ".join(h.name for h in row.hosts)}')
            session.delete(row)

    # --- hosts ------------------------------------------------------------

    def create_host(self, name, segment, reserved=False,
                    on_maintenance=False, fencing_driver=None,
                    fencing_params=None, mask=mask_all, type='COMPUTE',
                    control_attributes='', uuid_=None):
        with self.session() as session:
            return host_to_dict(self.add_host(
                session, name, self._segment(session, segment),
                reserved=reserved, on_maintenance=on_maintenance,
                fencing_driver=fencing_driver, fencing_params=fencing_params,
                type=type, control_attributes=control_attributes,
                uuid_=uuid_), mask)

    def add_host(self, session, name, segment_row, reserved=False,
                 on_maintenance=False, fencing_driver=None,
                 fencing_params=None, type='COMPUTE', control_attributes='',
                 uuid_=None):
        """The new host's row in ``segment_row``, in ``session``."""
        if session.scalar(sa.select(models.Host)
                          .filter_by(name=name)) is not None:
            raise exception.Conflict(reason=f'host {name} already exists')
        row = models.Host(uuid=uuid_ or str(uuid.uuid4()), name=name,
                          segment=segment_row, reserved=reserved,
                          on_maintenance=on_maintenance,
                          fencing_driver=fencing_driver,
                          fencing_params=fencing_params or {}, type=type,
                          control_attributes=control_attributes)
        session.add(row)
        session.flush()
        return row

    def host_rows(self, session, name, uuid_):
        """(the host named ``name``, the host with ``uuid_``), as
        segment_rows."""
        return _named_and_identified(session, models.Host, name, uuid_)

    def _host(self, session, name_or_uuid, segment=None):
        """The host; with ``segment``, only if it belongs to it."""
        query = (sa.select(models.Host)
                 .options(orm.joinedload(models.Host.segment))
                 .filter(sa.or_(models.Host.name == name_or_uuid,
                                models.Host.uuid == name_or_uuid)))
        if segment is not None:
            query = query.filter(models.Host.segment_id
                                 == self._segment(session, segment).id)
        row = session.scalar(query)
        if row is None:
            raise exception.NotFound(kind='Host', name=name_or_uuid)
        return row

    def get_host(self, name_or_uuid):
        """The host row itself, secrets included, detached: internal use."""
        with self.session() as session:
            return self._host(session, name_or_uuid)

    def show_host(self, name_or_uuid, mask=mask_all, segment=None):
        with self.session() as session:
            return host_to_dict(self._host(session, name_or_uuid, segment),
                                mask)

    def list_hosts(self, segment=None, mask=mask_all, filters=None,
                   sort_keys=None, sort_dirs=None, limit=None, marker=None):
        """By name, or in the order asked; ``filters`` match columns
        (type, reserved, on_maintenance); ``marker`` is the uuid of the
        last host of the previous page."""
        query = _filtered(models.Host, filters, HOST_FILTERS).options(
            orm.joinedload(models.Host.segment))
        with self.session() as session:
            if segment:
                query = query.filter(models.Host.segment_id
                                     == self._segment(session, segment).id)
            if not sort_keys:
                sort_keys, sort_dirs = ['name'], sort_dirs or ['asc']
            columns = paging.sort_columns(models.Host, sort_keys, sort_dirs,
                                          HOST_SORT_KEYS)
            after = paging.marker_row(session, models.Host, marker)
            return [host_to_dict(row, mask) for row in session.scalars(
                paging.page(query, columns, after, limit))]

    def update_host(self, name_or_uuid, mask=mask_all, **values):
        allowed = {'name', 'segment', 'reserved', 'on_maintenance',
                   'fencing_driver', 'fencing_params', 'type',
                   'control_attributes'}
        _check_fields('host', values, allowed)
        with self.session() as session:
            row = self._host(session, name_or_uuid)
            if values.get('name', row.name) != row.name and session.scalar(
                    sa.select(models.Host.id).filter_by(
                        name=values['name'])) is not None:
                raise exception.Conflict(
                    reason=f"host {values['name']} already exists")
            if 'segment' in values:
                row.segment = self._segment(session, values.pop('segment'))
            if values.get('on_maintenance') is False:
                row.maintenance_notification = None
            if values.get('reserved'):
                row.claimed_by = None
            for key, value in values.items():
                setattr(row, key, value)
            session.flush()
            return host_to_dict(row, mask)

    def delete_host(self, name_or_uuid):
        with self.session() as session:
            session.delete(self._host(session, name_or_uuid))

    def hosts_in_recovery(self, segment):
        """Hosts of ``segment`` with a notification new or running: the
        segment must not change under their recovery. (Masakari counts
        notifications in error too; here an operator fixes a host, its
        fencing for one, before retrying an error.)"""
        with self.session() as session:
            names = [row.name for row in self._segment(session,
                                                       segment).hosts]
            if not names:
                return []
            return sorted(session.scalars(
                sa.select(models.Notification.hostname).distinct()
                .filter(models.Notification.hostname.in_(names),
                        models.Notification.status.in_(
                            ('new', 'running')))))

    def encrypt_fencing_params(self):
        """Write every host's fencing parameters again, so they are
        encrypted with the first of the keys in use; the hosts written."""
        with self.session() as session:
            rows = [row for row in session.scalars(sa.select(models.Host))
                    if row.fencing_params]
            for row in rows:
                orm.attributes.flag_modified(row, 'fencing_params')
            return [row.name for row in rows]

    def start_host_recovery(self, name, notification_uuid):
        """Put the host on maintenance for this recovery; True if won.

        Atomic across engines: a host already on maintenance for another
        reason or recovery is not recovered again. The host stops being a
        reserved host.
        """
        with self.session() as session:
            result = session.execute(
                sa.update(models.Host)
                .where(models.Host.name == name, sa.or_(
                    models.Host.on_maintenance.is_(False),
                    models.Host.maintenance_notification
                    == notification_uuid))
                .values(on_maintenance=True, reserved=False,
                        maintenance_notification=notification_uuid,
                        updated_at=models.utcnow()))
            return result.rowcount == 1

    def reserved_hosts(self, segment_name, exclude=()):
        """Reserved hosts of a segment that may take instances, in order."""
        with self.session() as session:
            segment = self._segment(session, segment_name)
            return list(session.scalars(
                sa.select(models.Host.name)
                .filter(models.Host.segment_id == segment.id,
                        models.Host.reserved.is_(True),
                        models.Host.on_maintenance.is_(False),
                        models.Host.name.not_in(exclude or ('',)))
                .order_by(models.Host.name)))

    def claim_reserved_host(self, name, notification_uuid):
        """Take a reserved host for one recovery; True if it is ours."""
        with self.session() as session:
            result = session.execute(
                sa.update(models.Host)
                .where(models.Host.name == name,
                       models.Host.on_maintenance.is_(False),
                       sa.or_(models.Host.reserved.is_(True),
                              models.Host.claimed_by == notification_uuid))
                .values(reserved=False, claimed_by=notification_uuid,
                        updated_at=models.utcnow()))
            return result.rowcount == 1


SEGMENT_FILTERS = ('recovery_method', 'service_type', 'enabled')
SEGMENT_SORT_KEYS = {key: getattr(models.Segment, key) for key in (
    'created_at', 'description', 'name', 'updated_at', 'uuid',
    'recovery_method', 'service_type')}
HOST_FILTERS = ('type', 'reserved', 'on_maintenance')
HOST_SORT_KEYS = {key: getattr(models.Host, key) for key in (
    'created_at', 'type', 'name', 'updated_at', 'uuid', 'reserved',
    'on_maintenance')}


def _filtered(model, filters, allowed):
    """A select of ``model`` whose columns equal ``filters``."""
    filters = dict(filters or {})
    unknown = sorted(set(filters) - set(allowed))
    if unknown:
        raise exception.Invalid(
            reason=f"unknown filter {', '.join(unknown)}; filters: "
                   f"{', '.join(allowed)}")
    return sa.select(model).filter_by(**filters)


def _named_and_identified(session, model, name, uuid_):
    return (session.scalar(sa.select(model).filter_by(name=name)),
            session.scalar(sa.select(model).filter_by(uuid=uuid_)))


def _check_recovery_method(method):
    if method not in RECOVERY_METHODS:
        raise exception.Invalid(
            reason=f"recovery method '{method}' is not one of "
                   f"{', '.join(RECOVERY_METHODS)}")


def _check_fields(kind, values, allowed):
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise exception.Invalid(
            reason=f"cannot update {', '.join(unknown)} of a {kind}; "
                   f"updatable: {', '.join(sorted(allowed))}")
