"""valuation

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "price_builds",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("partner_records", sa.Integer(), nullable=False),
        sa.Column("groups", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_builds")),
    )
    op.create_table(
        "price_references",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("build_id", Id, nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("hs_code", sa.String(length=10), nullable=False),
        sa.Column("origin", sa.String(length=2), nullable=False),
        sa.Column("unit", sa.String(length=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("partner_count", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("median", sa.Float(), nullable=False),
        sa.Column("q1", sa.Float(), nullable=False),
        sa.Column("q3", sa.Float(), nullable=False),
        sa.Column("mad_log", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_references")),
    )
    op.create_index("ix_price_references_group", "price_references", ["hs_code", "origin", "unit"], unique=True)
    op.create_table(
        "price_manual",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("hs_code", sa.String(length=10), nullable=False),
        sa.Column("origin", sa.String(length=2), nullable=False),
        sa.Column("unit", sa.String(length=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("set_by", sa.String(length=80), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_manual")),
    )
    op.create_index("ix_price_manual_group", "price_manual", ["hs_code", "origin", "unit"], unique=True)
    op.create_table(
        "price_partner_records",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(length=80), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("hs_code", sa.String(length=10), nullable=False),
        sa.Column("origin", sa.String(length=2), nullable=False),
        sa.Column("unit", sa.String(length=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("median", sa.Float(), nullable=False),
        sa.Column("q1", sa.Float(), nullable=False),
        sa.Column("q3", sa.Float(), nullable=False),
        sa.Column("mad_log", sa.Float(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_partner_records")),
    )
    op.create_index(
        "ix_price_partner_records_group",
        "price_partner_records",
        ["partner", "hs_code", "origin", "unit"],
        unique=True,
    )
    op.create_table(
        "valuation_results",
        sa.Column("declaration_id", Id, autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=True),
        sa.Column("undervalued_amount", sa.Float(), nullable=False),
        sa.Column("duty_at_stake", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("build_id", Id, nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declarations.id"], name=op.f("fk_valuation_results_declaration_id_declarations")
        ),
        sa.PrimaryKeyConstraint("declaration_id", name=op.f("pk_valuation_results")),
    )
    op.create_index("ix_valuation_results_flagged", "valuation_results", ["flagged"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_valuation_results_flagged", table_name="valuation_results")
    op.drop_table("valuation_results")
    op.drop_index("ix_price_partner_records_group", table_name="price_partner_records")
    op.drop_table("price_partner_records")
    op.drop_index("ix_price_manual_group", table_name="price_manual")
    op.drop_table("price_manual")
    op.drop_index("ix_price_references_group", table_name="price_references")
    op.drop_table("price_references")
    op.drop_table("price_builds")
