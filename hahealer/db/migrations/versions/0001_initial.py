"""Initial schema: segments, hosts, notifications and their workflow.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from hahealer.db.models import Timestamp

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def _timestamps():
    return [sa.Column('created_at', Timestamp, nullable=False),
            sa.Column('updated_at', Timestamp, nullable=False)]


def upgrade():
    op.create_table(
        'segments',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False, unique=True),
        sa.Column('name', sa.String(255), nullable=False, unique=True),
        sa.Column('description', sa.Text, nullable=True),
        sa.Column('recovery_method', sa.String(32), nullable=False),
        sa.Column('enabled', sa.Boolean, nullable=False),
        *_timestamps())
    op.create_table(
        'hosts',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False, unique=True),
        sa.Column('name', sa.String(255), nullable=False, unique=True),
        sa.Column('segment_id', sa.Integer, sa.ForeignKey('segments.id'),
                  nullable=False),
        sa.Column('reserved', sa.Boolean, nullable=False),
        sa.Column('on_maintenance', sa.Boolean, nullable=False),
        sa.Column('maintenance_notification', sa.String(36), nullable=True),
        sa.Column('claimed_by', sa.String(36), nullable=True),
        sa.Column('fencing_driver', sa.String(64), nullable=True),
        sa.Column('fencing_params', sa.JSON, nullable=False),
        *_timestamps())
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False, unique=True),
        sa.Column('type', sa.String(32), nullable=False),
        sa.Column('hostname', sa.String(255), nullable=False),
        sa.Column('generated_time', Timestamp, nullable=False),
        sa.Column('payload', sa.JSON, nullable=False),
        sa.Column('fingerprint', sa.String(64), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('reason', sa.Text, nullable=True),
        sa.Column('attempts', sa.Integer, nullable=False),
        sa.Column('held', sa.Boolean, nullable=False),
        sa.Column('forced', sa.Boolean, nullable=False),
        sa.Column('owner', sa.String(255), nullable=True),
        sa.Column('lease_expires_at', Timestamp, nullable=True),
        sa.Column('started_at', Timestamp, nullable=True),
        sa.Column('finished_at', Timestamp, nullable=True),
        *_timestamps())
    op.create_index('ix_notifications_status', 'notifications', ['status'])
    op.create_index('ix_notifications_host_type', 'notifications',
                    ['hostname', 'type'])
    op.create_index('ix_notifications_fingerprint', 'notifications',
                    ['fingerprint'])
    op.create_table(
        'workflow_tasks',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('notification_uuid', sa.String(36), nullable=False),
        sa.Column('flow', sa.String(64), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('updated_at', Timestamp, nullable=False),
        sa.UniqueConstraint(
            'notification_uuid', 'flow', 'name',
            name='uniq_workflow_tasks0notification0flow0name'))
    op.create_table(
        'workflow_progress',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('notification_uuid', sa.String(36), nullable=False),
        sa.Column('flow', sa.String(64), nullable=False),
        sa.Column('task_name', sa.String(255), nullable=False),
        sa.Column('timestamp', Timestamp, nullable=False),
        sa.Column('progress', sa.Float, nullable=False),
        sa.Column('message', sa.Text, nullable=False))
    op.create_index('ix_workflow_progress_notification',
                    'workflow_progress', ['notification_uuid'])
