"""Tests of ``cix node`` on the module's own app, on fresh home directories."""

from __future__ import annotations

from pathlib import Path

import orjson

from cix.cli.node_cmd import app
from tests.cli.test_exchange_cmd import Home, one_line_failure, run


def test_init_show(tmp_path: Path) -> None:
    h = Home(tmp_path / "ru")
    n = h(app, "init", "--country", "ru", "--authority", "fcs", "--name", "Federal Customs Service",
          "--suite", "ed25519", "--suite", "gost2012-256")  # fmt: skip
    assert n["id"] == "RU-FCS" and n["name"] == "Federal Customs Service"
    assert n["suites"] == ["ed25519", "gost2012-256"]
    assert sorted(k["use"] for k in n["keys"]) == ["enc", "sig", "sig"]
    assert all(k["has_private"] and k["valid_now"] and k["valid_to"] is None for k in n["keys"])
    assert h(app, "show") == n
    code, out, _err = run(app, "show", "--home", h.path)
    assert code == 0 and "RU-FCS" in out and "gost2012-256" in out


def test_init_refuses_to_replace(tmp_path: Path) -> None:
    h = Home(tmp_path / "ru")
    first = h(app, "init", "--country", "RU", "--authority", "FCS")
    err = one_line_failure(app, "init", "--country", "RU", "--authority", "FCS", "--home", h.path, code=2)
    assert "--force" in err
    again = h(app, "init", "--country", "RU", "--authority", "FCS", "--force")
    assert {k["kid"] for k in again["keys"]}.isdisjoint(k["kid"] for k in first["keys"])


def test_init_arguments(tmp_path: Path) -> None:
    home = ("--home", tmp_path / "h")
    one_line_failure(app, "init", "--country", "XX", "--authority", "FCS", *home, code=2)
    one_line_failure(app, "init", "--country", "RU", "--authority", "no spaces", *home, code=2)
    assert "known suites" in one_line_failure(app, "init", "--country", "RU", "--authority", "FCS", "--suite", "rsa",
                                              *home, code=2)  # fmt: skip
    assert not (tmp_path / "h" / "node.json").exists()


def test_empty_home_gets_a_placeholder_that_init_replaces(tmp_path: Path) -> None:
    h = Home(tmp_path / "fresh")
    assert h(app, "show")["id"] == "ZZ-CUSTOMS"
    assert h(app, "init", "--country", "FI", "--authority", "CUSTOMS")["id"] == "FI-CUSTOMS"


def test_rotate(tmp_path: Path) -> None:
    h = Home(tmp_path / "ru")
    before = h(app, "init", "--country", "RU", "--authority", "FCS")
    after = h(app, "rotate", "--overlap-days", "7")
    old = {k["kid"] for k in before["keys"]}
    assert len(after["new_keys"]) == 2 and old.isdisjoint(after["new_keys"])
    for k in after["keys"]:
        assert (k["valid_to"] is not None) == (k["kid"] in old)
        assert k["valid_now"]
    only = h(app, "rotate", "--suite", "gost2012-256")
    assert "gost2012-256" in only["suites"] and len(only["new_keys"]) == 2  # a new suite, and encryption
    one_line_failure(app, "rotate", "--suite", "rsa", "--home", h.path, code=2)
    assert run(app, "rotate", "--overlap-days", "-1", "--home", h.path)[0] == 2  # click's own usage error


def test_card_is_public(tmp_path: Path) -> None:
    h = Home(tmp_path / "ru")
    h(app, "init", "--country", "RU", "--authority", "FCS")
    card = h(app, "card")
    assert card["id"] == "RU-FCS" and card["cix_partner_card"] == 1 and len(card["keys"]) == 2
    secrets = [p.read_text() for p in (h.path / "keys").iterdir()]
    text = orjson.dumps(card).decode()
    assert secrets and not any(s in text for s in secrets)
    assert all(set(k) == {"kid", "suite", "use", "public", "valid_from", "valid_to"} for k in card["keys"])
    out = tmp_path / "cards" / "ru.json"
    assert h(app, "card", "--out", out) == {"file": str(out), "id": "RU-FCS", "keys": 2}
    assert orjson.loads(out.read_bytes()) == card
    code, text_out, _err = run(app, "card", "--out", out, "--home", h.path)
    assert code == 0 and str(out) in text_out


def test_endpoint(tmp_path: Path) -> None:
    h = Home(tmp_path / "ru")
    got = h(app, "endpoint", "--http", "https://ru.example/api/v1/exchange/inbox", "--nats", "cix.inbox.RU-FCS")
    assert got["endpoints"] == [
        {"transport": "http", "url": "https://ru.example/api/v1/exchange/inbox"},
        {"transport": "nats", "subject": "cix.inbox.RU-FCS"},
    ]
    assert h(app, "card")["endpoints"] == got["endpoints"]
    assert h(app, "endpoint", "--http", "http://127.0.0.1:8000/x")["endpoints"] == [
        {"transport": "http", "url": "http://127.0.0.1:8000/x"}
    ]
    one_line_failure(app, "endpoint", "--home", h.path, code=2)
    one_line_failure(app, "endpoint", "--http", "ftp://x", "--home", h.path, code=2)
    one_line_failure(app, "endpoint", "--nats", "a b", "--home", h.path, code=2)
