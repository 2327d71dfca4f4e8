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

RECOVERY_METHODS = ('auto', 'reserved_host', 'auto_priority', 'rh_priority')
MASK = '***'


def segment_to_dict(row):
    return {
        'uuid': row.uuid,
        'name': row.name,
        'description': row.description,
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
        'uuid': row.uuid,
        'name': row.name,
        'segment': row.segment.name,
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
                       enabled=True):
        _check_recovery_method(recovery_method)
        with self.session() as session:
            if session.scalar(sa.select(models.Segment)
                              .filter_by(name=name)) is not None:
                raise exception.Conflict(
                    reason=f'segment {name} already exists')
            row = models.Segment(uuid=str(uuid.uuid4()), name=name,
                                 recovery_method=recovery_method,
                                 description=description, enabled=enabled)
            session.add(row)
            session.flush()
            return segment_to_dict(row)

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

    def list_segments(self):
        with self.session() as session:
            return [segment_to_dict(row) for row in session.scalars(
                sa.select(models.Segment).order_by(models.Segment.name))]

    def update_segment(self, name_or_uuid, **values):
        if 'recovery_method' in values:
            _check_recovery_method(values['recovery_method'])
        allowed = {'name', 'description', 'recovery_method', 'enabled'}
        _check_fields('segment', values, allowed)
        with self.session() as session:
            row = self._segment(session, name_or_uuid)
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
                    fencing_params=None, mask=mask_all):
        with self.session() as session:
            segment_row = self._segment(session, segment)
            if session.scalar(sa.select(models.Host)
                              .filter_by(name=name)) is not None:
                raise exception.Conflict(reason=f'host {name} already '
                                                f'exists')
            row = models.Host(uuid=str(uuid.uuid4()), name=name,
                              segment=segment_row, reserved=reserved,
                              on_maintenance=on_maintenance,
                              fencing_driver=fencing_driver,
                              fencing_params=fencing_params or {})
            session.add(row)
            session.flush()
            return host_to_dict(row, mask)

    def _host(self, session, name_or_uuid):
        row = session.scalar(
            sa.select(models.Host)
            .options(orm.joinedload(models.Host.segment))
            .filter(sa.or_(models.Host.name == name_or_uuid,
                           models.Host.uuid == name_or_uuid)))
        if row is None:
            raise exception.NotFound(kind='Host', name=name_or_uuid)
        return row

    def get_host(self, name_or_uuid):
        """The host row itself, secrets included, detached: internal use."""
        with self.session() as session:
            return self._host(session, name_or_uuid)

    def show_host(self, name_or_uuid, mask=mask_all):
        with self.session() as session:
            return host_to_dict(self._host(session, name_or_uuid),
                                mask)

    def list_hosts(self, segment=None, mask=mask_all):
        query = sa.select(models.Host).order_by(models.Host.name)
        with self.session() as session:
            if segment:
                query = query.filter(models.Host.segment_id
                                     == self._segment(session, segment).id)
            return [host_to_dict(row, mask)
                    for row in session.scalars(query)]

    def update_host(self, name_or_uuid, mask=mask_all, **values):
        allowed = {'name', 'segment', 'reserved', 'on_maintenance',
                   'fencing_driver', 'fencing_params'}
        _check_fields('host', values, allowed)
        with self.session() as session:
            row = self._host(session, name_or_uuid)
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
