"""The console's pages over HTTP: sign-in, cookies, CSRF, each page per role, errors in words, languages."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import insert

from tests.console.conftest import PASSWORD, csrf_of, declarations, sign_in


def test_root_sends_a_stranger_to_sign_in_and_pages_need_a_session(node: TestClient) -> None:
    r = node.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin"
    r = node.get("/console/declarations?office=X", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=/console/declarations")
    assert "Sign in" in node.get("/signin").text


def test_sign_in_sets_a_httponly_samesite_cookie_and_sign_out_ends_it(node: TestClient) -> None:
    page = node.get("/signin")
    assert "cix_csrf=" in page.headers["set-cookie"]
    r = node.post("/signin", data={"csrf": csrf_of(page.text), "username": "officer", "password": PASSWORD,
                                   "next": "/console"}, follow_redirects=False)  # fmt: skip
    cookie = r.headers["set-cookie"]
    assert "cix_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; served over TLS the cookie is Secure
    assert node.get("/", follow_redirects=False).headers["location"] == "/console"
    dash = node.get("/console")
    assert dash.status_code == 200 and "Dashboard" in dash.text
    r = node.post("/signout", data={"csrf": csrf_of(dash.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert node.get("/console", follow_redirects=False).status_code == 303


def test_wrong_password_is_said_in_words(node: TestClient) -> None:
    page = node.get("/signin")
    r = node.post("/signin", data={"csrf": csrf_of(page.text), "username": "officer", "password": "nope-nope"})
    assert r.status_code == 401 and "the user name or the password is not right" in r.text


def test_forms_without_the_csrf_token_are_refused(node: TestClient) -> None:
    r = node.post("/signin", data={"username": "officer", "password": PASSWORD})
    assert r.status_code == 403 and "security token" in r.text
    sign_in(node, "cooperation_officer")
    r = node.post("/console/exchange/retry", data={})
    assert r.status_code == 403 and "security token" in r.text and "Traceback" not in r.text
    r = node.post("/console/exchange/retry", data={"csrf": "forged"})
    assert r.status_code == 403


def test_officer_pages_and_refusals(node: TestClient) -> None:
    ids = declarations(node)
    sign_in(node, "officer")
    q = node.get("/console/declarations")
    assert q.status_code == 200 and "LRN-0001" in q.text
    assert node.get("/console/declarations?office=RU10702000").status_code == 200
    d = node.get(f"/console/declarations/{ids[0]}")
    assert d.status_code == 200 and "0901210000" in d.text and "inspection-form" in d.text
    for path in ("/console/users", "/console/partners", "/console/risk", "/console/exchange"):
        r = node.get(path)
        assert r.status_code == 403 and "Not allowed" in r.text, path
    assert "/console/users" not in node.get("/console").text  # not offered in the navigation either


def test_bad_input_and_missing_things_are_words_not_traces(node: TestClient) -> None:
    sign_in(node, "officer")
    r = node.get("/console/declarations/nothing-here")
    assert r.status_code == 404 and "no declaration" in r.text and "Traceback" not in r.text
    r = node.get("/console/declarations?date_from=yesterday")
    assert r.status_code == 400 and "date_from must be a date" in r.text
    r = node.get("/console/declarations?channel=purple")
    assert r.status_code == 400 and "channel must be one of" in r.text


def test_every_page_renders_for_its_role(node: TestClient) -> None:
    declarations(node, 2)
    pages = {
        "risk_analyst": ["/console", "/console/declarations", "/console/risk", "/console/prices",
                         "/console/prices?hs=0901"],
        "cooperation_officer": ["/console/exchange", "/console/partners", "/console/cooperation"],
        "administrator": ["/console/users", "/console/partners", "/console/exchange"],
    }  # fmt: skip
    for role, paths in pages.items():
        node.cookies.clear()
        sign_in(node, role)
        for p in paths:
            r = node.get(p)
            assert r.status_code == 200, (role, p, r.text[:300])
            assert "<h1>" in r.text


def test_record_an_inspection_and_the_dashboard_changes(node: TestClient) -> None:
    ids = declarations(node, 1)
    csrf = sign_in(node, "officer")
    before = node.get("/console").text
    assert "0 of 0 inspections found fraud" in before
    r = node.post(f"/console/declarations/{ids[0]}/inspection", data={"csrf": csrf, "result": "fraud",
                  "duty_recovered": "120.5"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text
    page = node.get(r.headers["location"])
    assert "The inspection result was recorded." in page.text and "fraud" in page.text
    assert "1 of 1 inspections found fraud" in node.get("/console").text
    r = node.post(f"/console/declarations/{ids[0]}/inspection", data={"csrf": csrf, "result": "maybe"})
    assert r.status_code == 422 and "result" in r.text


def test_retry_a_dead_letter(node: TestClient) -> None:
    from cix.store.schema import outbox

    now = dt.datetime.now(dt.UTC)
    with node.app.state.store.write() as conn:
        conn.execute(insert(outbox), [{"id": "m-dead-1", "recipient": "FI-CUSTOMS", "type": "export_declaration",
                                       "agreement": "gc", "envelope": "{}", "payload_digest": "x", "status": "dead",
                                       "attempts": 12, "next_attempt_at": now, "last_error": "connection refused",
                                       "created_at": now}])  # fmt: skip
    csrf = sign_in(node, "cooperation_officer")
    page = node.get("/console/exchange")
    assert "m-dead-1" in page.text and "connection refused" in page.text
    r = node.post("/console/exchange/retry", data={"csrf": csrf, "id": "m-dead-1"})
    assert r.status_code == 200 and "Dead letters put back in the queue: 1" in r.text
    assert "No dead letters." in r.text


def test_users_page_adds_and_disables(node: TestClient) -> None:
    csrf = sign_in(node, "administrator")
    r = node.post("/console/users", data={"csrf": csrf, "username": "new-officer", "role": "officer",
                                          "password": "long enough"})  # fmt: skip
    assert r.status_code == 200 and "new-officer" in r.text and "The user was added." in r.text
    r = node.post("/console/users/new-officer/disable", data={"csrf": csrf})
    assert "The user was disabled." in r.text
    r = node.post(
        "/console/users", data={"csrf": csrf, "username": "x y", "role": "officer", "password": "long enough"}
    )
    assert r.status_code == 400 and "is not valid" in r.text


def test_language_follows_the_browser_the_switch_and_the_user(node: TestClient) -> None:
    r = node.get("/signin", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert "Вход" in r.text and 'lang="ru"' in r.text
    r = node.get("/signin", headers={"Accept-Language": "de, en;q=0.5"})
    assert 'lang="en"' in r.text
    csrf = sign_in(node, "officer")
    r = node.post("/console/language", data={"csrf": csrf, "lang": "ru", "next": "/console"})
    assert r.status_code == 200 and "Сводка" in r.text
    node.cookies.delete("cix_lang")
    assert "Сводка" in node.get("/console").text  # the user's own setting was saved too
    r = node.post("/console/language", data={"csrf": csrf, "lang": "xx"})
    assert r.status_code == 400


def test_a_bearer_token_reaches_pages_of_its_role(node: TestClient) -> None:
    from cix.auth import tokens

    with node.app.state.store.write() as conn:
        secret, _row = tokens.create(conn, user="officer")
    h = {"Authorization": f"Bearer {secret}"}
    assert node.get("/console", headers=h).status_code == 200
    assert node.get("/console/users", headers=h).status_code == 403
