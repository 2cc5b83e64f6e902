"""The store's tables of auth (SQLAlchemy Core, on the shared metadata of :mod:`cix.store.schema`).

``users`` are the people of this node's administration, each with one role and an argon2 password
hash; ``api_tokens`` are machine credentials, kept only as the SHA-256 of the secret, bound either to
a user (the user's role) or to a partner administration (the exchange endpoints only);
``console_sessions`` are console sign-ins, found by the SHA-256 of the cookie value, each with its
CSRF token.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table

from cix.store.schema import Id, metadata

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(200)),
    Column("role", String(24), nullable=False),
    Column("administration", String(80), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("language", String(8)),
    Column("status", String(12), nullable=False),  # active | disabled
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(120)),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("user_id", Id, ForeignKey("users.id")),
    Column("partner_id", String(80)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the cookie value
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended", Integer, nullable=False, default=0),
    Index("ix_console_sessions_user", "user_id"),
)
