"""The store's tables of risk profiles (SQLAlchemy Core, on the shared metadata of :mod:`cix.store.schema`).

``risk_profiles`` keeps every version of every profile this node uses (local ones and adopted ones
received from partners): a new version is a new row and the older one is marked ``superseded``, so
nothing is overwritten. ``risk_profiles_received`` keeps profiles partners shared, apart, until an
analyst adopts them. The index on ``declarations (importer_id, declared_on)`` serves the trader
history the profiles read (earlier declarations of an importer) with one range scan per importer.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Float, Index, Integer, String, Table, Text

from cix.store.schema import Id, declarations, metadata

risk_profiles = Table(
    "risk_profiles",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("profile_id", String(80), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(12), nullable=False),  # current | superseded
    Column("description", Text, nullable=False),
    Column("owner", String(80), nullable=False),
    Column("condition", Text, nullable=False),
    Column("channel", String(6)),
    Column("weight", Float, nullable=False),
    Column("hard", Boolean, nullable=False),
    Column("random_rate", Float, nullable=False),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("enabled", Boolean, nullable=False),
    Column("origin", String(10), nullable=False),  # local | received
    Column("sender", String(80)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(80)),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_risk_profiles_profile_version", "profile_id", "version", unique=True),
    Index("ix_risk_profiles_status", "status", "enabled"),
)

risk_profiles_received = Table(
    "risk_profiles_received",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_id", String(64), nullable=False),
    Column("sender", String(80), nullable=False),
    Column("profile_id", String(80), nullable=False),
    Column("version", Integer),
    Column("definition", JSON, nullable=False),
    Column("problems", JSON),
    Column("status", String(12), nullable=False),  # received | adopted | invalid
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("adopted_as", String(80)),
    Column("adopted_at", DateTime(timezone=True)),
    Column("adopted_by", String(80)),
    Index("ix_risk_profiles_received_message", "message_id", unique=True),
    Index("ix_risk_profiles_received_status", "status"),
)

declarations_by_importer = Index("ix_declarations_importer_day", declarations.c.importer_id, declarations.c.declared_on)
