"""The store's tables of risk (SQLAlchemy Core, on the shared metadata of :mod:`cix.store.schema`).

``risk_models`` is the model registry (one row per trained version: training window, metrics,
status candidate/active/retired, and the model itself as a zip of its directory so every worker of a
PostgreSQL node loads the same model); ``risk_decisions`` holds the channel of each declaration with
its score, reasons, the model inputs it saw and the model version used; ``risk_overrides`` keeps every
officer override with its written reason; ``risk_capacity`` counts decisions per office and day so
the red and yellow shares stay within the inspection capacity; ``inspection_rejections`` keeps
inspection results that could not be recorded, with their problems.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from cix.store.schema import Id, metadata

risk_models = Table(
    "risk_models",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("version", String(40), nullable=False, unique=True),
    Column("status", String(12), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(80)),
    Column("window_from", Date),
    Column("window_to", Date),
    Column("rows", Integer, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("artifact", LargeBinary, nullable=False),
    Column("promoted_at", DateTime(timezone=True)),
    Column("retired_at", DateTime(timezone=True)),
    Index("ix_risk_models_status", "status"),
)

risk_decisions = Table(
    "risk_decisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("declaration_id", Id, ForeignKey("declarations.id"), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("decided_channel", String(8), nullable=False),
    Column("score", Float, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("inputs", JSON),
    Column("model_version", String(40)),
    Column("office", String(17)),
    Column("day", Date, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("overridden", Integer, nullable=False, default=0),
    Index("ix_risk_decisions_declaration", "declaration_id", unique=True),
    Index("ix_risk_decisions_channel", "channel"),
)

risk_overrides = Table(
    "risk_overrides",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("declaration_id", Id, ForeignKey("declarations.id"), nullable=False),
    Column("from_channel", String(8), nullable=False),
    Column("to_channel", String(8), nullable=False),
    Column("reason", Text, nullable=False),
    Column("officer", String(80)),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_risk_overrides_declaration", "declaration_id"),
)

risk_capacity = Table(
    "risk_capacity",
    metadata,
    Column("office", String(17), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("total", Integer, nullable=False),
    Column("red", Integer, nullable=False),
    Column("yellow", Integer, nullable=False),
)

inspection_rejections = Table(
    "inspection_rejections",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("source", String(200)),
    Column("locator", String(200)),
    Column("raw", Text, nullable=False),
    Column("problems", JSON, nullable=False),
)
