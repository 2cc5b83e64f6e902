"""Node settings: typed, read from the environment (``CIX_*``), each with its help text.

Settings are data: :data:`Settings.model_fields` carries a description for every one, and
``docs/settings.md`` documents them all (a test checks that none is missing). The data directory
is ``CIX_HOME`` (or ``--home`` on the command line); everything a node writes lives under it unless
``CIX_DATABASE_URL`` points the store at PostgreSQL.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cix.errors import UsageError

DEFAULT_SECRET = "change-me"


def default_workers() -> int:
    """Import processes: one per core (measured on 2 cores: 2 workers ~9,000/s, 3 workers ~8,600/s)."""
    return os.cpu_count() or 1


def default_home() -> Path:
    return Path(os.environ.get("CIX_HOME") or Path.home() / ".cix")


class Settings(BaseSettings):
    """The settings of one cix node."""

    model_config = SettingsConfigDict(env_prefix="CIX_", extra="ignore")

    home: Path = Field(default_factory=default_home, description="Data directory of the node (store, keys).")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; SQLite file under the home directory when unset. "
        "For PostgreSQL: postgresql+psycopg://user@host:5432/dbname.",
    )
    mode: Literal["local", "production"] = Field(
        default="local", description="'production' refuses default secrets and insecure settings."
    )
    secret_key: str = Field(
        default=DEFAULT_SECRET,
        description="Secret of the node (refused at its default in production mode); "
        "sessions and CSRF tokens are random and stored hashed.",
    )
    fx_window_days: int = Field(
        default=7,
        ge=0,
        description="Days back an exchange rate may be taken from when none exists on the date.",
    )
    batch_size: int = Field(default=2000, ge=1, description="Records per transaction in imports.")
    workers: int = Field(
        default_factory=lambda: default_workers(),
        ge=1,
        description="Processes that check and write batches during imports (default: the number of cores).",
    )
    max_future_days: int = Field(
        default=1, ge=0, description="Days a declaration date may lie ahead of today (time zones)."
    )
    api_tokens: str = Field(
        default="",
        description="Comma-separated bearer tokens accepted by the API until users and roles are configured "
        "(local mode also accepts requests from loopback without a token).",
    )

    country: str = Field(
        default="ZZ", description="ISO 3166 code of this node's administration (set by cix node init)."
    )
    authority: str = Field(default="CUSTOMS", description="Authority id of this node's administration.")
    transport: Literal["http", "nats"] = Field(default="http", description="Transport for outgoing messages.")
    nats_url: str = Field(default="nats://127.0.0.1:4222", description="NATS JetStream server for the nats transport.")
    max_message_bytes: int = Field(default=1_048_576, ge=1024, description="Largest accepted envelope, in bytes.")
    freshness_seconds: int = Field(
        default=604_800, ge=1, description="Oldest accepted message age (replay window); older ones are rejected."
    )
    clock_skew_seconds: int = Field(default=120, ge=0, description="Tolerated clock skew for messages from the future.")
    partner_rate_per_s: float = Field(default=5000.0, gt=0, description="Messages per second accepted per partner.")
    max_attempts: int = Field(default=12, ge=1, description="Delivery tries before a message becomes a dead letter.")
    dead_after_seconds: int = Field(
        default=259_200, ge=1, description="Age after which an undelivered message becomes a dead letter."
    )
    retry_base_seconds: float = Field(default=1.0, gt=0, description="First retry delay; doubles with each try.")
    retry_max_seconds: float = Field(default=300.0, gt=0, description="Longest retry delay (jitter added).")
    tls_cert: Path | None = Field(
        default=None, description="Client certificate (PEM) this node presents to partners' HTTPS inboxes (mTLS)."
    )
    tls_key: Path | None = Field(default=None, description="Private key (PEM) of CIX_TLS_CERT.")
    tls_ca: Path | None = Field(
        default=None, description="CA bundle that partners' servers (and, in cix serve, clients) are checked against."
    )
    deliver: bool = Field(
        default=True,
        description="Run the delivery worker inside cix serve (false: run cix exchange deliver separately).",
    )
    process_inbox: bool = Field(
        default=True,
        description="Hand accepted messages to their handlers inside cix serve (false: cix exchange deliver does).",
    )
    strict_scope: bool = Field(
        default=True,
        description="Reject a received message with a field outside its agreement's scope (false: drop the field).",
    )

    match_window_days: int = Field(
        default=30, ge=1, description="Days apart an export record and an import declaration may be and still match."
    )
    match_unmatched_after_hours: int = Field(
        default=72, ge=1, description="Hours after which a record with no counterpart is reported unmatched."
    )
    valuation_threshold: float = Field(
        default=3.5, gt=0, description="Robust score of a unit value below its reference that raises a flag."
    )
    valuation_half_life_days: int = Field(
        default=180, ge=1, description="Age at which a price observation weighs half as much as a new one."
    )
    valuation_min_count: int = Field(
        default=5, ge=1, description="Observations a price reference group needs before it is used."
    )
    valuation_period_months: int = Field(
        default=12, ge=1, description="Months of history a price reference is built from."
    )
    red_share: float = Field(
        default=0.05, ge=0, le=1, description="Most declarations per office and day sent to physical inspection."
    )
    yellow_share: float = Field(
        default=0.10, ge=0, le=1, description="Most declarations per office and day sent to a documentary check."
    )
    random_share: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="Declarations selected at random for inspection, to keep the model honest.",
    )
    session_hours: int = Field(default=12, ge=1, description="Hours a console sign-in lasts.")

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.mode == "production" and self.secret_key == DEFAULT_SECRET:
            raise UsageError("CIX_SECRET_KEY must be set to a real secret in production mode")
        return self

    @cached_property
    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'cix.sqlite'}"


def load_settings(home: Path | str | None = None) -> Settings:
    """Settings from the environment, with ``home`` (``--home``) winning over ``CIX_HOME``."""
    if home is not None:
        return Settings(home=Path(home))
    return Settings()
