"""Settings: every one documented; production refuses default secrets; --home wins over CIX_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from cix.errors import UsageError
from cix.settings import Settings, load_settings

DOC = Path(__file__).parents[1] / "docs" / "settings.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text()
    missing = [n for n in Settings.model_fields if f"`CIX_{n.upper()}`" not in text]
    assert missing == []
    assert all(f.description for f in Settings.model_fields.values())


def test_production_refuses_default_secret() -> None:
    with pytest.raises(UsageError):
        Settings(mode="production")
    assert Settings(mode="production", secret_key="s" * 32).mode == "production"


def test_home_and_store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIX_HOME", str(tmp_path / "env"))
    monkeypatch.delenv("CIX_DATABASE_URL", raising=False)
    assert load_settings().store_url == f"sqlite:///{tmp_path / 'env' / 'cix.sqlite'}"
    assert load_settings(tmp_path / "flag").home == tmp_path / "flag"
    monkeypatch.setenv("CIX_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert load_settings().store_url == "postgresql+psycopg://u@h/db"
