"""Tests of ``cix partners`` on the module's own app: partners added from the cards nodes hand over."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from cix.cli import node_cmd
from cix.cli.partners import app
from tests.cli.test_exchange_cmd import Home, one_line_failure, run


@pytest.fixture
def card(tmp_path: Path) -> Path:
    cn = Home(tmp_path / "cn")
    cn(node_cmd.app, "init", "--country", "CN", "--authority", "GACC", "--suite", "ed25519", "--suite", "gost2012-256")
    cn(node_cmd.app, "endpoint", "--http", "https://cn.example/inbox")
    out = tmp_path / "cn-card.json"
    cn(node_cmd.app, "card", "--out", out)
    return out


def test_add_list_show_remove(tmp_path: Path, card: Path) -> None:
    ru = Home(tmp_path / "ru")
    added = ru(app, "add", "--card", card)
    assert added["new"] is True
    p = added["partner"]
    assert p["id"] == "CN-GACC" and p["status"] == "active" and p["suites"] == ["ed25519", "gost2012-256"]
    assert p["endpoints"] == [{"transport": "http", "url": "https://cn.example/inbox"}]
    assert ru(app, "add", "--card", card)["new"] is False
    listed = ru(app, "list")
    assert listed["count"] == 1 and listed["partners"][0] == p
    assert ru(app, "show", "CN-GACC") == p
    for args in (("list",), ("show", "CN-GACC")):
        code, out, _err = run(app, *args, "--home", ru.path)
        assert code == 0 and "CN-GACC" in out
    assert ru(app, "remove", "CN-GACC") == {"removed": "CN-GACC"}
    assert ru(app, "list")["count"] == 0
    one_line_failure(app, "remove", "CN-GACC", "--home", ru.path)
    one_line_failure(app, "show", "CN-GACC", "--home", ru.path)


def test_suites_narrowed(tmp_path: Path, card: Path) -> None:
    ru = Home(tmp_path / "ru")
    assert ru(app, "add", "--card", card, "--suite", "gost2012-256")["partner"]["suites"] == ["gost2012-256"]
    one_line_failure(app, "add", "--card", card, "--suite", "rsa", "--home", ru.path, code=2)


def test_bad_cards(tmp_path: Path, card: Path) -> None:
    home = ("--home", tmp_path / "ru")
    one_line_failure(app, "add", "--card", tmp_path / "missing.json", *home)
    junk = tmp_path / "junk.json"
    junk.write_text("not json")
    one_line_failure(app, "add", "--card", junk, *home)
    junk.write_text("[1, 2]")
    one_line_failure(app, "add", "--card", junk, *home)
    doc = orjson.loads(card.read_bytes())
    doc["keys"] = [k for k in doc["keys"] if k["use"] == "enc"]
    junk.write_bytes(orjson.dumps(doc))
    assert "signing key" in one_line_failure(app, "add", "--card", junk, *home, code=2)
    del doc["country"]
    junk.write_bytes(orjson.dumps(doc))
    one_line_failure(app, "add", "--card", junk, *home, code=2)


def test_empty_home(tmp_path: Path) -> None:
    assert Home(tmp_path / "empty")(app, "list") == {"count": 0, "partners": []}
    code, out, _err = run(app, "list", "--home", tmp_path / "empty")
    assert code == 0 and "no partners" in out
