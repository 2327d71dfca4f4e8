"""The database schema: notifications, their workflow, segments, hosts.

Changes to these models need an alembic migration in
hahealer/db/migrations/versions (``hahealer-manage db sync`` applies them).
"""

import datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import mysql

from hahealer.db import secrets

# Naive UTC datetimes with microseconds on every backend (MySQL's DATETIME
# drops fractions unless asked).
Timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql')


def utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class Base(orm.DeclarativeBase):
    pass


class TimestampMixin:
    created_at = sa.Column(Timestamp, nullable=False, default=utcnow)
    updated_at = sa.Column(Timestamp, nullable=False, default=utcnow,
                           onupdate=utcnow)


class Segment(TimestampMixin, Base):
    """A failover segment: hosts that recover onto each other."""

    __tablename__ = 'segments'

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    name = sa.Column(sa.String(255), nullable=False, unique=True)
    description = sa.Column(sa.Text, nullable=True)
    recovery_method = sa.Column(sa.String(32), nullable=False)
    enabled = sa.Column(sa.Boolean, nullable=False, default=True)
    #: Masakari's service type; COMPUTE is the only one recovered
    service_type = sa.Column(sa.String(255), nullable=False,
                             default='COMPUTE')

    hosts = orm.relationship('Host', back_populates='segment')


class Host(TimestampMixin, Base):
    """A compute host, named as Nova names it."""

    __tablename__ = 'hosts'

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    name = sa.Column(sa.String(255), nullable=False, unique=True)
    segment_id = sa.Column(sa.Integer, sa.ForeignKey('segments.id'),
                           nullable=False)
    #: Masakari's host type and control attributes: kept, not interpreted
    type = sa.Column(sa.String(255), nullable=False, default='COMPUTE')
    control_attributes = sa.Column(sa.Text, nullable=False, default='')
    reserved = sa.Column(sa.Boolean, nullable=False, default=False)
    on_maintenance = sa.Column(sa.Boolean, nullable=False, default=False)
    #: the notification whose recovery put the host on maintenance
    maintenance_notification = sa.Column(sa.String(36), nullable=True)
    #: the notification that took this host as its reserved host
    claimed_by = sa.Column(sa.String(36), nullable=True)
    fencing_driver = sa.Column(sa.String(64), nullable=True)
    #: the driver's parameters, secrets included: never shown or logged;
    #: encrypted at rest with [fencing] secret_keys
    fencing_params = sa.Column(secrets.EncryptedJSON, nullable=False,
                               default=dict)

    segment = orm.relationship('Segment', back_populates='hosts')


class Notification(TimestampMixin, Base):
    """A failure reported by a monitor, and where its recovery stands."""

    __tablename__ = 'notifications'
    __table_args__ = (
        sa.Index('ix_notifications_status', 'status'),
        sa.Index('ix_notifications_host_type', 'hostname', 'type'),
        sa.Index('ix_notifications_fingerprint', 'fingerprint'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    type = sa.Column(sa.String(32), nullable=False)
    hostname = sa.Column(sa.String(255), nullable=False)
    generated_time = sa.Column(Timestamp, nullable=False)
    payload = sa.Column(sa.JSON, nullable=False)
    #: type, host and payload, hashed: finds duplicates
    fingerprint = sa.Column(sa.String(64), nullable=False)
    status = sa.Column(sa.String(16), nullable=False)
    #: why it ended ignored, error or failed
    reason = sa.Column(sa.Text, nullable=True)
    #: how many recovery attempts started (an error is retried once)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    #: the fencing token: every claim and takeover increments it, and an
    #: engine acts only while the row is still its own at its generation
    generation = sa.Column(sa.Integer, nullable=False, default=0)
    #: how many times an engine took it over from one that vanished
    takeovers = sa.Column(sa.Integer, nullable=False, default=0)
    #: held back by storm protection until an operator releases it
    held = sa.Column(sa.Boolean, nullable=False, default=False)
    #: released by an operator: storm protection does not apply
    forced = sa.Column(sa.Boolean, nullable=False, default=False)
    #: storm protection let it through once; a resumed run never asks again
    storm_cleared = sa.Column(sa.Boolean, nullable=False, default=False)
    owner = sa.Column(sa.String(255), nullable=True)
    lease_expires_at = sa.Column(Timestamp, nullable=True)
    started_at = sa.Column(Timestamp, nullable=True)
    finished_at = sa.Column(Timestamp, nullable=True)


class WorkflowTask(Base):
    """One task of a notification's recovery and its latest state."""

    __tablename__ = 'workflow_tasks'
    __table_args__ = (
        sa.UniqueConstraint(
            'notification_uuid', 'flow', 'name',
            name='uniq_workflow_tasks0notification0flow0name'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    notification_uuid = sa.Column(sa.String(36), nullable=False)
    #: the flow the task ran in (a host recovery may run two)
    flow = sa.Column(sa.String(64), nullable=False)
    name = sa.Column(sa.String(255), nullable=False)
    state = sa.Column(sa.String(32), nullable=False)
    updated_at = sa.Column(Timestamp, nullable=False, default=utcnow,
                           onupdate=utcnow)


class ProgressEntry(Base):
    """A message a task recorded for the operator, with its progress."""

    __tablename__ = 'workflow_progress'
    __table_args__ = (
        sa.Index('ix_workflow_progress_notification', 'notification_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    notification_uuid = sa.Column(sa.String(36), nullable=False)
    flow = sa.Column(sa.String(64), nullable=False)
    task_name = sa.Column(sa.String(255), nullable=False)
    timestamp = sa.Column(Timestamp, nullable=False)
    progress = sa.Column(sa.Float, nullable=False)
    message = sa.Column(sa.Text, nullable=False)


class NotificationKey(Base):
    """The unique key that makes a repeated failure one notification.

    One row per fingerprint; it names the notification that holds the
    fingerprint until ``expires_at`` (the duplicate detection window, on the
    database's clock). A concurrent second insert fails on the primary key
    instead of storing the failure twice.
    """

    __tablename__ = 'notification_keys'

    fingerprint = sa.Column(sa.String(64), primary_key=True)
    notification_uuid = sa.Column(sa.String(36), nullable=False)
    expires_at = sa.Column(Timestamp, nullable=False)


class Vmove(TimestampMixin, Base):
    """One instance's move off a failed host, step by step.

    The engine's own record of where each instance's pipeline stands
    (locked, evacuating, confirmed, unlocked), so a resumed recovery goes on
    per instance; whether to evacuate is always decided from Nova's records.
    """

    __tablename__ = 'vmoves'
    __table_args__ = (
        sa.UniqueConstraint('notification_uuid', 'instance_uuid',
                            name='uniq_vmoves0notification0instance'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    notification_uuid = sa.Column(sa.String(36), nullable=False)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    instance_name = sa.Column(sa.String(255), nullable=True)
    source_host = sa.Column(sa.String(255), nullable=False)
    dest_host = sa.Column(sa.String(255), nullable=True)
    type = sa.Column(sa.String(32), nullable=False, default='evacuation')
    #: pending, ongoing, succeeded, failed, ignored
    status = sa.Column(sa.String(16), nullable=False)
    #: the last step done: new, locked, evacuated, restored, unlocked
    phase = sa.Column(sa.String(16), nullable=False)
    #: the vm_state it must end in (its state before the failure)
    target_state = sa.Column(sa.String(16), nullable=True)
    #: whose lock: none, ours, user, or uncertain (reply lost)
    lock = sa.Column(sa.String(16), nullable=False, default='none')
    #: evacuate requests sent for it by this recovery
    evacuations = sa.Column(sa.Integer, nullable=False, default=0)
    message = sa.Column(sa.Text, nullable=True)
    start_time = sa.Column(Timestamp, nullable=True)
    end_time = sa.Column(Timestamp, nullable=True)
