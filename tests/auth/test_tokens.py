"""API tokens on both store back ends: shown once, stored hashed, bound to a user or a partner, revocable."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update

from cix.auth import tokens, users
from cix.auth.roles import PARTNER_PERMISSIONS, permissions_of
from cix.errors import AuthError, NotFound, UsageError
from cix.store.tables_auth import api_tokens


def _user(store: Any, role: str = "officer") -> None:
    with store.write() as conn:
        users.add(conn, "olga", "correct horse", role=role, administration="RU-FCS")


def test_a_user_token_carries_the_users_role_and_is_stored_hashed(store: Any) -> None:
    _user(store, "risk_analyst")
    with store.write() as conn:
        secret, row = tokens.create(conn, user="olga", name="ci", actor="admin")
    assert secret.startswith("cix_") and len(secret) > 40
    assert row["status"] == "active" and row["username"] == "olga" and "token_hash" not in row
    assert secret.startswith(row["prefix"])
    with store.read() as conn:
        stored = conn.execute(select(api_tokens.c.token_hash)).scalar_one()
        ident = tokens.resolve(conn, secret)
    assert stored == tokens.digest(secret) and secret not in stored
    assert ident.name == "olga" and ident.role == "risk_analyst"
    assert ident.permissions == permissions_of("risk_analyst") and ident.administration == "RU-FCS"


def test_a_partner_token_reaches_the_exchange_only(store: Any, tmp_path: Any) -> None:
    from cix.exchange import node as node_mod
    from cix.exchange import partners

    node_mod.init(tmp_path / "fi", "FI", "CUSTOMS")
    with store.write() as conn:
        partners.add(conn, node_mod.card(node_mod.load(tmp_path / "fi")))
        secret, row = tokens.create(conn, partner="FI-CUSTOMS")
    with store.read() as conn:
        ident = tokens.resolve(conn, secret)
    assert ident.permissions == PARTNER_PERMISSIONS == frozenset({"exchange.partner"})
    assert ident.partner_id == "FI-CUSTOMS" and row["partner_id"] == "FI-CUSTOMS"
    with pytest.raises(NotFound), store.write() as conn:
        tokens.create(conn, partner="XX-NOBODY")


def test_revoked_expired_and_unknown_tokens_are_refused(store: Any) -> None:
    _user(store)
    with store.write() as conn:
        a, ra = tokens.create(conn, user="olga")
        b, rb = tokens.create(conn, user="olga", expires_days=1)
        tokens.revoke(conn, ra["id"], actor="admin")
        conn.execute(update(api_tokens).where(api_tokens.c.id == rb["id"])
                     .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))  # fmt: skip
    with store.read() as conn:
        with pytest.raises(AuthError, match="revoked"):
            tokens.resolve(conn, a)
        with pytest.raises(AuthError, match="expired"):
            tokens.resolve(conn, b)
        with pytest.raises(AuthError, match="not valid"):
            tokens.resolve(conn, "cix_" + "x" * 43)
        with pytest.raises(AuthError, match="not valid"):
            tokens.resolve(conn, "no-prefix")
        listed = {t["id"]: t["status"] for t in tokens.list_tokens(conn)}
    assert listed == {ra["id"]: "revoked", rb["id"]: "expired"}


@pytest.mark.parametrize(
    ("kw", "words"),
    [({}, "exactly one"), ({"user": "olga", "partner": "FI-CUSTOMS"}, "exactly one"),
     ({"user": "olga", "expires_days": 0}, "at least 1")],
)  # fmt: skip
def test_bad_requests_for_tokens(sqlite_store: Any, kw: dict[str, Any], words: str) -> None:
    _user(sqlite_store)
    with pytest.raises(UsageError, match=words), sqlite_store.write() as conn:
        tokens.create(conn, **kw)
