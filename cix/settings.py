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
    secret_key: str = Field(default=DEFAULT_SECRET, description="Secret for session cookies and CSRF tokens.")
    fx_window_days: int = Field(
        default=7, ge=0, description="Days back an exchange rate may be taken from when none exists on the date."
    )
    batch_size: int = Field(default=2000, ge=1, description="Records per transaction in imports.")
    max_future_days: int = Field(
        default=1, ge=0, description="Days a declaration date may lie ahead of today (time zones)."
    )
    api_tokens: str = Field(
        default="",
        description="Comma-separated bearer tokens accepted by the API until users and roles are configured "
        "(local mode also accepts requests from loopback without a token).",
    )

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
