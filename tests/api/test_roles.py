"""Roles hold on every route: each (role, route) pair a role may not use is tried and must answer 403.

The routes are enumerated from the application itself (``app.routes``) with the permissions each one
records (:func:`cix.api.deps.route_permissions`), so a route added later is tried too; a route that
names no permission and is not explicitly open fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from cix.api.app import create_app
from cix.api.deps import iter_routes, route_permissions
from cix.auth import tokens, users
from cix.auth.roles import PARTNER, ROLES, permissions_of
from cix.exchange import node as node_mod
from cix.exchange import partners
from cix.settings import Settings

ADMIN = "ZZ-CUSTOMS"
# Routes that are not application routes of ours: FastAPI's documentation and the console's files.
FRAMEWORK_PATHS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/console/static"}


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    """A production-mode node (no loopback shortcut) with one token per role and one for a partner."""
    tmp: Path = tmp_path_factory.mktemp("roles")
    settings = Settings(home=tmp / "node", mode="production", secret_key="s" * 40)
    app = create_app(settings, background=False)
    partner_home = tmp / "partner"
    node_mod.init(partner_home, "FI", "CUSTOMS")
    secrets: dict[str, str] = {}
    with app.state.store.write() as conn:
        partners.add(conn, node_mod.card(node_mod.load(partner_home)))
        for role in ROLES:
            users.add(conn, f"u-{role}", "password-123", role=role, administration=ADMIN)
            secrets[role], _row = tokens.create(conn, user=f"u-{role}")
        secrets[PARTNER], _row = tokens.create(conn, partner="FI-CUSTOMS")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, secrets


def _routes(app: Any) -> list[tuple[str, str, Any]]:
    out = []
    for r in iter_routes(app):
        if isinstance(r, APIRoute):
            for method in sorted(r.methods - {"HEAD"}):
                out.append((method, r.path, route_permissions(r)))
        else:
            assert getattr(r, "path", None) in FRAMEWORK_PATHS, f"unexpected non-API route {r}"
    return out


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_route_names_its_permission_or_why_it_is_open(node: tuple[Any, dict[str, str]]) -> None:
    client, _ = node
    routes = _routes(client.app)
    assert len(routes) > 40
    for method, path, perms in routes:
        assert perms is not None, f"{method} {path} names no permission (requires(...)) and is not open_route(...)"
        if isinstance(perms, str):  # open: only health, the sign-in pages and the partners' exchange routes
            assert path in {
                "/api/v1/health", "/api/v1/exchange/inbox", "/api/v1/exchange/receipts/{message_id}", "/",
                "/signin", "/signout", "/console/language",
            }, (method, path, perms)  # fmt: skip


def test_every_forbidden_pair_is_refused(node: tuple[Any, dict[str, str]]) -> None:
    client, secrets = node
    tried = 0
    for method, path, perms in _routes(client.app):
        if isinstance(perms, str):
            continue
        for role, secret in secrets.items():
            if perms <= permissions_of(role):
                continue
            body = {} if method in ("POST", "PUT", "PATCH") else None
            r = client.request(method, _url(path), json=body, headers={"Authorization": f"Bearer {secret}"},
                               follow_redirects=False)  # fmt: skip
            assert r.status_code == 403, f"{role} reached {method} {path}: {r.status_code} {r.text[:200]}"
            tried += 1
    # every role is refused somewhere, and the partner everywhere but the exchange routes
    assert tried > 100


def test_allowed_reads_are_not_refused(node: tuple[Any, dict[str, str]]) -> None:
    client, secrets = node
    checked = 0
    for method, path, perms in _routes(client.app):
        if method != "GET" or isinstance(perms, str) or "{" in path:
            continue
        for role, secret in secrets.items():
            if perms <= permissions_of(role):
                r = client.get(path, headers={"Authorization": f"Bearer {secret}"}, follow_redirects=False)
                assert r.status_code not in (401, 403), (role, path, r.status_code, r.text[:200])
                checked += 1
    assert checked > 10


def test_partner_credentials_reach_the_exchange_routes_only(node: tuple[Any, dict[str, str]]) -> None:
    client, secrets = node
    h = {"Authorization": f"Bearer {secrets[PARTNER]}"}
    # the inbox takes the envelope's signature, not a credential: a bad body is refused as a bad body
    r = client.post("/api/v1/exchange/inbox", content=b'{"nope": 1}', headers=h)
    assert r.status_code == 400
    assert client.get("/api/v1/exchange/receipts/none", headers=h).status_code == 404
    for path in ("/api/v1/declarations", "/api/v1/exchange/outbox", "/api/v1/partners", "/api/v1/users", "/console"):
        assert client.get(path, headers=h).status_code == 403, path


@pytest.mark.parametrize(
    ("role", "path", "allowed"),
    [
        ("officer", "/api/v1/partners", False),  # an officer cannot change (or list) partners and keys
        ("officer", "/api/v1/users", False),
        ("risk_analyst", "/api/v1/users", False),  # an analyst cannot manage users
        ("risk_analyst", "/api/v1/declarations", True),
        ("cooperation_officer", "/api/v1/exchange/outbox", True),
        ("administrator", "/api/v1/users", True),
        ("administrator", "/api/v1/audit", True),
        ("officer", "/api/v1/audit", False),
    ],
)
def test_the_issues_examples(node: tuple[Any, dict[str, str]], role: str, path: str, allowed: bool) -> None:
    client, secrets = node
    r = client.get(path, headers={"Authorization": f"Bearer {secrets[role]}"})
    assert (r.status_code == 200) is allowed, (r.status_code, r.text[:200])
    if not allowed:
        assert r.json()["error"]["code"] == "forbidden"


def test_revoked_token_and_disabled_user_are_refused(node: tuple[Any, dict[str, str]]) -> None:
    client, _ = node
    store = client.app.state.store
    with store.write() as conn:
        users.add(conn, "temp", "password-123", role="officer", administration=ADMIN)
        a, row_a = tokens.create(conn, user="temp")
        b, _row_b = tokens.create(conn, user="temp")
    assert client.get("/api/v1/declarations", headers={"Authorization": f"Bearer {a}"}).status_code == 200
    with store.write() as conn:
        tokens.revoke(conn, row_a["id"])
    assert client.get("/api/v1/declarations", headers={"Authorization": f"Bearer {a}"}).status_code == 401
    assert client.get("/api/v1/declarations", headers={"Authorization": f"Bearer {b}"}).status_code == 200
    with store.write() as conn:
        users.disable(conn, "temp")
    assert client.get("/api/v1/declarations", headers={"Authorization": f"Bearer {b}"}).status_code == 401


def test_a_session_cookie_needs_the_csrf_header_for_unsafe_api_calls(node: tuple[Any, dict[str, str]]) -> None:
    from cix.auth import sessions

    client, _ = node
    store = client.app.state.store
    with store.write() as conn:
        u = users.add(conn, "cookie-user", "password-123", role="cooperation_officer", administration=ADMIN)
        value, csrf = sessions.start(conn, u["id"], 1)
    jar = {sessions.COOKIE: value}
    assert client.get("/api/v1/exchange/outbox", cookies=jar).status_code == 200
    r = client.post("/api/v1/exchange/retry", json={}, cookies=jar)
    assert r.status_code == 403 and "CSRF" in r.json()["error"]["message"]
    r = client.post("/api/v1/exchange/retry", json={}, cookies=jar, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json() == {"retried": 0}
