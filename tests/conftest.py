"""Shared fixtures: a store on each real back end (SQLite file, PostgreSQL server), sample records."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# No per-example deadline: a loaded CI machine must not turn a slow example into a failure.
settings.register_profile("cix", deadline=None, print_blob=True)
settings.load_profile("cix")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
KCS_DIR = SHARED / "data" / "kcs"
PG_ADMIN_URL = os.environ.get("CIX_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TODAY = dt.date(2026, 11, 27)


def _pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database on the machine's server, dropped afterwards."""
    from sqlalchemy import create_engine, text

    name = f"cix_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the server must be there: CI starts it
        pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        from cix.store import db

        store = db._STORES.pop(url, None)
        if store is not None:
            store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cix.sqlite'}"
    else:
        yield from _pg_database()


@pytest.fixture
def store(store_url: str) -> Iterator[Any]:
    from cix.store.db import open_store

    s = open_store(store_url, fresh=True)
    yield s
    s.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Any]:
    from cix.store.db import open_store

    s = open_store(f"sqlite:///{tmp_path / 'cix.sqlite'}", fresh=True)
    yield s
    s.dispose()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty CIX_HOME for commands."""
    h = tmp_path / "home"
    monkeypatch.setenv("CIX_HOME", str(h))
    monkeypatch.delenv("CIX_DATABASE_URL", raising=False)
    return h


def import_declaration(**over: Any) -> dict[str, Any]:
    """A valid import declaration with one goods item and a container; keyword arguments replace fields."""
    d: dict[str, Any] = {
        "kind": "import",
        "lrn": "LRN-0001",
        "ucr": "6RU7701234567-A1",
        "declaration_office": "RU10702000",
        "date": "2024-03-01",
        "declarant": {"name": "Broker LLC", "identifier": "RU7701234567", "country": "RU"},
        "importer": {"name": "Importer LLC", "identifier": "RU7702345678", "country": "RU", "aeo": True},
        "exporter": {"name": "Exporter Oy", "identifier": "FI12345678", "country": "FI"},
        "consignment": {
            "transport_documents": [{"type": "N730", "number": "CMR-778812"}],
            "containers": [{"number": "CSQU3054383", "seals": ["S1"]}],
            "country_of_dispatch": "FI",
            "country_of_destination": "RU",
            "countries_of_routing": ["FI", "RU"],
            "office_of_entry": "RU10702000",
            "arrival_transport": {
                "mode": "3",
                "nationality": "FI",
                "identity_type": "plate",
                "identity": "ABC123",
            },
        },
        "goods": [
            {
                "hs_code": "0901210000",
                "description": "Coffee, roasted",
                "origin": "BR",
                "quantity": 1000,
                "unit": "KGM",
                "net_mass": 1000,
                "gross_mass": 1100,
                "invoice_amount": 4800,
                "currency": "EUR",
                "incoterm": "FCA",
                "tax_rate": 5,
            }
        ],
    }
    d.update(over)
    return d


@pytest.fixture
def declaration() -> dict[str, Any]:
    return import_declaration()
