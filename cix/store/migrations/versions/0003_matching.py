"""matching

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'match_keys',
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('declaration_id', Id, nullable=False),
        sa.Column('side', sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint('key', 'declaration_id', name=op.f('pk_match_keys')),
    )
    op.create_index('ix_match_keys_declaration', 'match_keys', ['declaration_id'])
    op.create_table(
        'matches',
        sa.Column('declaration_id', Id, autoincrement=False, nullable=False),
        sa.Column('side', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('counterpart_id', Id, nullable=True),
        sa.Column('method', sa.String(length=12), nullable=True),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('candidates', sa.Text(), nullable=True),
        sa.Column('clean', sa.Integer(), nullable=False),
        sa.Column('discrepancies', sa.Integer(), nullable=False),
        sa.Column('max_severity', sa.String(length=8), nullable=True),
        sa.Column('duty_at_stake', sa.Float(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('declaration_id', name=op.f('pk_matches')),
    )
    op.create_index('ix_matches_status', 'matches', ['status'])
    op.create_index('ix_matches_counterpart', 'matches', ['counterpart_id'])
    op.create_table(
        'match_discrepancies',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('declaration_id', Id, nullable=False),
        sa.Column('counterpart_id', Id, nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('severity', sa.String(length=8), nullable=False),
        sa.Column('item', sa.Integer(), nullable=True),
        sa.Column('ours', sa.Text(), nullable=True),
        sa.Column('theirs', sa.Text(), nullable=True),
        sa.Column('duty_at_stake', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_match_discrepancies')),
    )
    op.create_index('ix_match_discrepancies_declaration', 'match_discrepancies', ['declaration_id'])


def downgrade() -> None:
    op.drop_index('ix_match_discrepancies_declaration', table_name='match_discrepancies')
    op.drop_table('match_discrepancies')
    op.drop_index('ix_matches_counterpart', table_name='matches')
    op.drop_index('ix_matches_status', table_name='matches')
    op.drop_table('matches')
    op.drop_index('ix_match_keys_declaration', table_name='match_keys')
    op.drop_table('match_keys')
