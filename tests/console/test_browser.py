"""The console in a real browser: Debian's chromium driven by Playwright against a real ``cix serve``.

The server runs as its own process on a free loopback port with a temporary home; the browser is
``/usr/bin/chromium`` (installed by ``./dev test``; Playwright never downloads one). No screenshot
is written anywhere.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright  # a test dependency (pyproject [test])

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse"
END = dt.date(2026, 11, 20)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(home: Path) -> dict[str, Any]:
    """Users, a matched pair with a quantity discrepancy, other declarations, and one dead letter."""
    from cix.auth import users
    from cix.exchange import node as node_mod
    from cix.generate import GeneratorConfig, generate
    from cix.ingest.records import Incoming
    from cix.pipeline.lodge import lodge_batch
    from cix.settings import Settings
    from cix.store.db import open_store
    from cix.store.schema import outbox

    node_mod.init(home, "RU", "FCS")
    settings = Settings(home=home, country="RU", authority="FCS")
    store = open_store(settings.store_url, fresh=True)
    store.settings = settings
    with store.write() as conn:
        for role in ("officer", "cooperation_officer", "administrator"):
            users.add(conn, role, PASSWORD, role=role, administration="RU-FCS")
    ds = generate(GeneratorConfig(partners=("FI",), days=2, per_day=10, seed=5, end_date=END, fraud_share=0.0))
    exports = {e["ucr"]: e for e in ds.exports if e.get("ucr")}
    imp = next(i for i in ds.imports if i.get("ucr") in exports)
    exp = copy.deepcopy(exports[imp["ucr"]])
    imp = copy.deepcopy(imp)
    imp["goods"][0]["quantity"] = imp["goods"][0]["quantity"] * 0.5  # declared half of what was exported

    def lodge(recs: list[dict[str, Any]], source: str) -> None:
        batch = [Incoming(orjson.dumps(r).decode(), "json", r, f"t{i}") for i, r in enumerate(recs)]
        s = lodge_batch(store, batch, source=source, today=END)
        assert s.stored == len(recs), s.to_dict()

    lodge([exp], "partner:FI-CUSTOMS")
    lodge([imp], "api:test")
    others = [i for i in ds.imports if i["lrn"] != imp["lrn"]][:5]
    lodge(others, "api:test")
    now = dt.datetime.now(dt.UTC)
    with store.write() as conn:
        conn.execute(outbox.insert(), [{"id": "dead-letter-1", "recipient": "FI-CUSTOMS", "type": "export_declaration",
                                        "agreement": "gc", "envelope": "{}", "payload_digest": "x", "status": "dead",
                                        "attempts": 12, "next_attempt_at": now, "last_error": "connection refused",
                                        "created_at": now}])  # fmt: skip
        from cix.store import declarations as ds_store

        imp_id = ds_store.get(conn, f"lrn:{imp['declarant']['identifier']}:{imp['lrn']}")["id"]
    store.dispose()
    return {"import_id": imp_id}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("console-node")
    facts = _seed(home)
    port = _free_port()
    env = {**os.environ, "CIX_HOME": str(home), "CIX_COUNTRY": "RU", "CIX_AUTHORITY": "FCS", "CIX_DELIVER": "false"}
    env.pop("CIX_DATABASE_URL", None)
    log = (home / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "cix", "serve", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("cix serve did not start: " + (home / "serve.log").read_text()[-2000:])
            time.sleep(0.2)
        yield {"base": base, **facts}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: ./dev test installs it (apt-get install -y chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    ctx = browser.new_context(locale="en-GB")
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    ctx.close()


def sign_in(page: Page, base: str, user: str) -> None:
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/signin"))
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("#signin-submit").click()
    expect(page.locator("h1")).to_have_text("Dashboard")


def test_sign_in_open_the_queue_and_a_declaration_with_a_discrepancy(page: Page, server: dict[str, Any]) -> None:
    sign_in(page, server["base"], "officer")
    page.get_by_role("link", name="Declarations", exact=True).click()
    expect(page.locator("h1")).to_have_text("Declarations")
    rows = page.locator("#queue tbody tr")
    assert rows.count() >= 5
    # keyboard: j moves to the first row, Enter opens it
    page.keyboard.press("j")
    first = page.locator("#queue a.row-link").first
    expect(first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Declaration")
    page.goto(f"{server['base']}/console/declarations/{server['import_id']}")
    table = page.locator("#discrepancies")
    expect(table).to_be_visible()
    expect(table).to_contain_text("quantity")
    expect(page.locator("td.flag").first).to_be_visible()  # the differing value is highlighted side by side


def test_record_an_inspection_and_see_the_dashboard_change(page: Page, server: dict[str, Any]) -> None:
    sign_in(page, server["base"], "officer")
    before = page.locator("#inspection-counts").inner_text()
    page.goto(f"{server['base']}/console/declarations/{server['import_id']}")
    page.get_by_label("fraud found").check()
    page.get_by_label("Duty recovered").fill("250")
    page.locator("#in-submit").click()
    expect(page.get_by_role("status")).to_contain_text("The inspection result was recorded.")
    expect(page.locator("#inspections")).to_contain_text("fraud")
    page.get_by_role("link", name="Dashboard").click()
    after = page.locator("#inspection-counts").inner_text()
    assert after != before
    n_before = int(re.findall(r"\d+", before)[1])
    assert int(re.findall(r"\d+", after)[1]) == n_before + 1


def test_override_a_channel_with_a_reason(page: Page, server: dict[str, Any]) -> None:
    sign_in(page, server["base"], "officer")
    page.goto(f"{server['base']}/console/declarations/{server['import_id']}")
    form = page.locator("#override-form")
    expect(form).to_be_visible()
    page.get_by_label("New channel").select_option("red")
    page.locator("#ov-submit").click()  # the reason is required: the browser refuses the empty form
    expect(page.locator("#ov-reason")).to_be_focused()
    page.get_by_label("Reason (required)").fill("exported quantity is twice the declared one")
    page.locator("#ov-submit").click()
    expect(page.get_by_role("status")).to_contain_text("The channel was overridden")
    expect(page.locator("#channel")).to_have_text("red")
    expect(page.locator("main")).to_contain_text("exported quantity is twice the declared one")


def test_retry_a_dead_letter(page: Page, server: dict[str, Any]) -> None:
    sign_in(page, server["base"], "cooperation_officer")
    page.get_by_role("link", name="Exchange", exact=True).click()
    expect(page.locator("#dead-letters")).to_contain_text("dead-letter-1")
    page.get_by_role("button", name="Retry message dead-letter-1").click()
    expect(page.get_by_role("status")).to_contain_text("Dead letters put back in the queue: 1")
    expect(page.locator("#dead-letters")).to_have_count(0)


def test_switch_the_console_to_russian(page: Page, server: dict[str, Any]) -> None:
    sign_in(page, server["base"], "administrator")
    page.get_by_label("Language", exact=True).select_option("ru")
    page.locator("#lang-apply").click()
    expect(page.locator("h1")).to_have_text("Сводка")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.get_by_role("link", name="Пользователи").click()
    expect(page.locator("h1")).to_have_text("Пользователи")
    expect(page.locator("#users")).to_contain_text("officer")  # identifiers stay as they are
    page.get_by_label("Язык", exact=True).select_option("en")
    page.locator("#lang-apply").click()
    expect(page.locator("h1")).to_have_text("Users")


def test_an_officer_is_refused_on_an_administrators_page(page: Page, server: dict[str, Any]) -> None:
    sign_in(page, server["base"], "officer")
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    resp = page.goto(server["base"] + "/console/users")
    assert resp is not None and resp.status == 403
    expect(page.locator("h1")).to_have_text("Not allowed")
    expect(page.get_by_role("alert")).to_contain_text("needs the permission users.manage")


LABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(e => e.type !== 'hidden')
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.closest('label'))
  .map(e => e.outerHTML)"""
FOCUSABLE = """() => Array.from(document.querySelectorAll('a[href], button, input, select, textarea'))
  .filter(e => e.type !== 'hidden' && !e.disabled && e.offsetParent !== null).map(e => e.id || e.textContent.trim())"""


def _tabs(page: Page, n: int) -> list[str]:
    seen = []
    for _ in range(n):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()"))
    return seen


def test_accessibility_labels_and_focus_order(page: Page, server: dict[str, Any]) -> None:
    base = server["base"]
    page.goto(base + "/signin")
    assert page.evaluate(LABELLED) == []
    assert page.locator("[tabindex]:not([tabindex='-1'])").count() == 0  # no positive tabindex reorders focus
    # the user name has the focus on arrival; Tab then walks the rest of the page in document order
    order = page.evaluate(FOCUSABLE)
    expect(page.locator("#username")).to_be_focused()
    rest = order[order.index("username") + 1 :]
    assert _tabs(page, len(rest)) == rest
    assert rest.index("password") < rest.index("signin-submit")
    sign_in(page, base, "officer")  # a page without autofocus: from the top, the skip link first
    order = page.evaluate(FOCUSABLE)
    seen = _tabs(page, len(order))
    assert seen == order, (seen, order)
    assert seen[0] == "Skip to content"
    detail = f"/console/declarations/{server['import_id']}"
    visits = (
        ("officer", ["/console", "/console/declarations", detail]),
        ("cooperation_officer", ["/console/exchange", "/console/partners", "/console/cooperation"]),
        ("administrator", ["/console/users"]),
    )
    for user, paths in visits:
        page.context.clear_cookies()
        sign_in(page, base, user)
        for p in paths:
            page.goto(base + p)
            assert page.evaluate(LABELLED) == [], p
