"""Masakari's fields of segments and hosts: service type, host type and
control attributes, so its API and clients round-trip them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('segments') as batch:
        batch.add_column(sa.Column('service_type', sa.String(255),
                                   nullable=False,
                                   server_default='COMPUTE'))
    with op.batch_alter_table('hosts') as batch:
        batch.add_column(sa.Column('type', sa.String(255), nullable=False,
                                   server_default='COMPUTE'))
        batch.add_column(sa.Column('control_attributes', sa.Text,
                                   nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('hosts') as batch:
        batch.drop_column('control_attributes')
        batch.drop_column('type')
    with op.batch_alter_table('segments') as batch:
        batch.drop_column('service_type')
