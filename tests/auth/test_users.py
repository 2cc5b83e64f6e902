"""Users on both store back ends: add, refuse bad ones, authenticate, disable, audit."""

from __future__ import annotations

from typing import Any

import pytest

from cix.auth import sessions, users
from cix.errors import AuthError, Conflict, NotFound, UsageError
from cix.store import audit


def test_add_list_get_and_the_hash_never_leaves(store: Any) -> None:
    with store.write() as conn:
        u = users.add(conn, "olga", "correct horse", role="officer", administration="RU-FCS", actor="admin")
        users.add(conn, "rita", "correct horse", role="risk-analyst", administration="RU-FCS", language="ru")
    assert u["role"] == "officer" and u["status"] == "active" and "password_hash" not in u
    with store.read() as conn:
        listed = users.list_users(conn)
        assert [x["username"] for x in listed] == ["olga", "rita"]
        assert listed[1]["role"] == "risk_analyst" and listed[1]["language"] == "ru"
        assert all("password_hash" not in x for x in listed)
        assert users.get(conn, u["id"])["username"] == "olga"
        entries = audit.tail(conn, event="user.added")
    assert {e["subject"] for e in entries} == {"olga", "rita"}
    assert any(e["actor"] == "admin" for e in entries)


def test_the_password_is_stored_as_an_argon2_hash(store: Any) -> None:
    from sqlalchemy import select

    from cix.store.tables_auth import users as t

    with store.write() as conn:
        users.add(conn, "olga", "correct horse", role="officer", administration="RU-FCS")
    with store.read() as conn:
        h = conn.execute(select(t.c.password_hash)).scalar_one()
    assert h.startswith("$argon2id$") and "correct horse" not in h


@pytest.mark.parametrize(
    ("kw", "error", "words"),
    [
        ({"username": "bad name"}, UsageError, "user name"),
        ({"role": "king"}, UsageError, "unknown role"),
        ({"password": "short"}, UsageError, "at least 8"),
        ({"administration": "FI-CUSTOMS"}, UsageError, "not this node's"),
        ({"language": "de"}, UsageError, "language"),
    ],
)
def test_bad_users_are_refused_with_the_reason(sqlite_store: Any, kw: dict[str, Any], error: type, words: str) -> None:
    args: dict[str, Any] = {"username": "olga", "password": "correct horse", "role": "officer",
                            "administration": "RU-FCS", "node_administration": "RU-FCS"} | kw  # fmt: skip
    with pytest.raises(error) as exc, sqlite_store.write() as conn:
        users.add(conn, args.pop("username"), args.pop("password"), **args)
    assert words in exc.value.message


def test_a_name_is_taken_once(store: Any) -> None:
    with store.write() as conn:
        users.add(conn, "olga", "correct horse", role="officer", administration="RU-FCS")
    with pytest.raises(Conflict), store.write() as conn:
        users.add(conn, "olga", "another pass", role="administrator", administration="RU-FCS")


def test_authenticate_and_disable(store: Any) -> None:
    with store.write() as conn:
        u = users.add(conn, "olga", "correct horse", role="officer", administration="RU-FCS")
        assert users.authenticate(conn, "olga", "correct horse")["id"] == u["id"]
        value, _csrf = sessions.start(conn, u["id"], 1)
    for name, password in (("olga", "wrong horse"), ("nobody", "correct horse")):
        with pytest.raises(AuthError) as exc, store.read() as conn:
            users.authenticate(conn, name, password)
        assert exc.value.message == "the user name or the password is not right"  # the same for both
    with store.read() as conn:
        assert sessions.resolve(conn, value) is not None
    with store.write() as conn:
        users.disable(conn, "olga", actor="admin")
    with store.read() as conn:
        assert sessions.resolve(conn, value) is None  # disabling ends the open sessions
        with pytest.raises(AuthError, match="disabled"):
            users.authenticate(conn, "olga", "correct horse")
        assert audit.tail(conn, event="user.disabled")[0]["actor"] == "admin"
    with store.write() as conn:
        users.enable(conn, "olga")
        assert users.authenticate(conn, "olga", "correct horse")["status"] == "active"
    with pytest.raises(NotFound), store.write() as conn:
        users.disable(conn, "nobody")
