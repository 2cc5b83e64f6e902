"""matching's fields of a declaration as plain columns

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 22:10:00

The rows already stored get their values from their JSON, by the same statement the store uses
(:func:`cix.store.declarations.fill_match_columns`). On SQLite an index covers every column a bulk
matching run reads (cix.matching.records), so that the run reads the index, not the table and its
JSON; PostgreSQL reads the columns from the table (an index entry there is limited in size).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_COLUMNS = (
    ('dispatch_country', sa.Text()),
    ('transport_docs', sa.Text()),
    ('containers', sa.Text()),
    ('hs_edition', sa.Text()),
    ('incoterm', sa.Text()),
    ('freight', sa.Float()),
    ('insurance', sa.Float()),
    ('freight_currency', sa.Text()),
)


# In the order of cix.matching.records._BULK_RECORDS.
_COVERED = ('id', 'kind', 'status', 'source', 'office', 'ucr', 'importer_id', 'exporter_id', 'declared_on', 'lodged_at',
            *(name for name, _t in _COLUMNS))  # fmt: skip


def upgrade() -> None:
    from cix.store.declarations import fill_match_columns

    for name, type_ in _COLUMNS:
        op.add_column('declarations', sa.Column(name, type_, nullable=True))
    fill_match_columns(op.get_bind())
    if op.get_bind().dialect.name == 'sqlite':
        op.create_index('ix_declarations_match', 'declarations', list(_COVERED))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.drop_index('ix_declarations_match', table_name='declarations')
    for name, _type in reversed(_COLUMNS):
        op.drop_column('declarations', name)
