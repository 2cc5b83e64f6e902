"""profiles

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'risk_profiles',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('profile_id', sa.String(length=80), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('owner', sa.String(length=80), nullable=False),
        sa.Column('condition', sa.Text(), nullable=False),
        sa.Column('channel', sa.String(length=6), nullable=True),
        sa.Column('weight', sa.Float(), nullable=False),
        sa.Column('hard', sa.Boolean(), nullable=False),
        sa.Column('random_rate', sa.Float(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=True),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('origin', sa.String(length=10), nullable=False),
        sa.Column('sender', sa.String(length=80), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_profiles')),
    )
    op.create_index('ix_risk_profiles_profile_version', 'risk_profiles', ['profile_id', 'version'], unique=True)
    op.create_index('ix_risk_profiles_status', 'risk_profiles', ['status', 'enabled'], unique=False)
    op.create_table(
        'risk_profiles_received',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('message_id', sa.String(length=64), nullable=False),
        sa.Column('sender', sa.String(length=80), nullable=False),
        sa.Column('profile_id', sa.String(length=80), nullable=False),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.Column('definition', sa.JSON(), nullable=False),
        sa.Column('problems', sa.JSON(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('adopted_as', sa.String(length=80), nullable=True),
        sa.Column('adopted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('adopted_by', sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_profiles_received')),
    )
    op.create_index('ix_risk_profiles_received_message', 'risk_profiles_received', ['message_id'], unique=True)
    op.create_index('ix_risk_profiles_received_status', 'risk_profiles_received', ['status'], unique=False)
    op.create_index('ix_declarations_importer_day', 'declarations', ['importer_id', 'declared_on'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_declarations_importer_day', table_name='declarations')
    op.drop_index('ix_risk_profiles_received_status', table_name='risk_profiles_received')
    op.drop_index('ix_risk_profiles_received_message', table_name='risk_profiles_received')
    op.drop_table('risk_profiles_received')
    op.drop_index('ix_risk_profiles_status', table_name='risk_profiles')
    op.drop_index('ix_risk_profiles_profile_version', table_name='risk_profiles')
    op.drop_table('risk_profiles')
