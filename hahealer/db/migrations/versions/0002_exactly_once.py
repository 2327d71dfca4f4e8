"""Exactly-once recovery: generations, unique duplicate keys, vmoves.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from hahealer.db.models import Timestamp

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('generation', sa.Integer, nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('takeovers', sa.Integer, nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('storm_cleared', sa.Boolean,
                                   nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        'notification_keys',
        sa.Column('fingerprint', sa.String(64), primary_key=True),
        sa.Column('notification_uuid', sa.String(36), nullable=False),
        sa.Column('expires_at', Timestamp, nullable=False))
    op.create_table(
        'vmoves',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False, unique=True),
        sa.Column('notification_uuid', sa.String(36), nullable=False),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.Column('instance_name', sa.String(255), nullable=True),
        sa.Column('source_host', sa.String(255), nullable=False),
        sa.Column('dest_host', sa.String(255), nullable=True),
        sa.Column('type', sa.String(32), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('phase', sa.String(16), nullable=False),
        sa.Column('target_state', sa.String(16), nullable=True),
        sa.Column('lock', sa.String(16), nullable=False),
        sa.Column('evacuations', sa.Integer, nullable=False),
        sa.Column('message', sa.Text, nullable=True),
        sa.Column('start_time', Timestamp, nullable=True),
        sa.Column('end_time', Timestamp, nullable=True),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('updated_at', Timestamp, nullable=False),
        sa.UniqueConstraint('notification_uuid', 'instance_uuid',
                            name='uniq_vmoves0notification0instance'))

