"""risk

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "risk_models",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.Column("window_from", sa.Date(), nullable=True),
        sa.Column("window_to", sa.Date(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("artifact", sa.LargeBinary(), nullable=False),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_models")),
        sa.UniqueConstraint("version", name=op.f("uq_risk_models_version")),
    )
    op.create_index("ix_risk_models_status", "risk_models", ["status"], unique=False)

    op.create_table(
        "risk_decisions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("declaration_id", Id, nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("decided_channel", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=True),
        sa.Column("model_version", sa.String(length=40), nullable=True),
        sa.Column("office", sa.String(length=17), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("overridden", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declarations.id"], name=op.f("fk_risk_decisions_declaration_id_declarations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_decisions")),
    )
    op.create_index("ix_risk_decisions_declaration", "risk_decisions", ["declaration_id"], unique=True)
    op.create_index("ix_risk_decisions_channel", "risk_decisions", ["channel"], unique=False)

    op.create_table(
        "risk_overrides",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("declaration_id", Id, nullable=False),
        sa.Column("from_channel", sa.String(length=8), nullable=False),
        sa.Column("to_channel", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("officer", sa.String(length=80), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declarations.id"], name=op.f("fk_risk_overrides_declaration_id_declarations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_overrides")),
    )
    op.create_index("ix_risk_overrides_declaration", "risk_overrides", ["declaration_id"], unique=False)

    op.create_table(
        "risk_capacity",
        sa.Column("office", sa.String(length=17), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("red", sa.Integer(), nullable=False),
        sa.Column("yellow", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office", "day", name=op.f("pk_risk_capacity")),
    )

    op.create_table(
        "inspection_rejections",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("locator", sa.String(length=200), nullable=True),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_rejections")),
    )


def downgrade() -> None:
    op.drop_table("inspection_rejections")
    op.drop_table("risk_capacity")
    op.drop_index("ix_risk_overrides_declaration", table_name="risk_overrides")
    op.drop_table("risk_overrides")
    op.drop_index("ix_risk_decisions_channel", table_name="risk_decisions")
    op.drop_index("ix_risk_decisions_declaration", table_name="risk_decisions")
    op.drop_table("risk_decisions")
    op.drop_index("ix_risk_models_status", table_name="risk_models")
    op.drop_table("risk_models")
