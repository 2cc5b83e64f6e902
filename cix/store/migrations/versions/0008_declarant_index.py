"""declarations by declarant (trader history of the risk profiles)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 17:20:00
"""

from __future__ import annotations

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_declarations_declarant", "declarations", ["declarant_id"])


def downgrade() -> None:
    op.drop_index("ix_declarations_declarant", table_name="declarations")
