"""Tests of ``cix agreements add|list|remove``, registered on the ``cix agreements`` app."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from cix.cli import node_cmd
from cix.cli.agreements import app
from cix.cli.agreements_store_cmd import register
from tests.cli.test_exchange_cmd import Home, one_line_failure, run

register(app)


@pytest.fixture
def file(tmp_path: Path) -> Path:
    out = tmp_path / "apec.json"
    code, _out, err = run(app, "new", "--preset", "apec-preliminary", "--parties", "CN-GACC,RU-FCS",
                          "--id", "apec-cn-ru", "--out", out, "--home", tmp_path / "h")  # fmt: skip
    assert code == 0, err
    return out


def test_register_is_idempotent() -> None:
    register(app)
    names = [c.name for c in app.registered_commands]
    assert all(names.count(n) == 1 for n in ("add", "list", "remove"))


def test_add_list_remove(tmp_path: Path, file: Path) -> None:
    h = Home(tmp_path / "ru")
    h(node_cmd.app, "init", "--country", "RU", "--authority", "FCS")
    added = h(app, "add", file)
    assert added["new"] is True and added["warnings"] == []
    a = added["agreement"]
    assert a["id"] == "apec-cn-ru" and a["parties"] == ["CN-GACC", "RU-FCS"]
    assert "preliminary_information" in a["message_types"]
    assert h(app, "add", file)["new"] is False
    listed = h(app, "list")
    assert listed["count"] == 1 and listed["agreements"][0]["id"] == "apec-cn-ru"
    assert listed["agreements"][0]["status"] == "active"
    assert listed["agreements"][0]["agreement"] == orjson.loads(file.read_bytes())
    code, out, _err = run(app, "list", "--home", h.path)
    assert code == 0 and "apec-cn-ru" in out
    assert h(app, "remove", "apec-cn-ru") == {"removed": "apec-cn-ru"}
    assert h(app, "list")["count"] == 0
    one_line_failure(app, "remove", "apec-cn-ru", "--home", h.path)


def test_warns_when_not_a_party(tmp_path: Path, file: Path) -> None:
    h = Home(tmp_path / "fi")
    h(node_cmd.app, "init", "--country", "FI", "--authority", "CUSTOMS")
    code, out, err = run(app, "add", file, "--home", h.path, "--json")
    assert code == 0
    assert [w["rule"] for w in orjson.loads(out)["warnings"]] == ["agreement.not_a_party"]
    assert "FI-CUSTOMS" in err and err.count("\n") == 1


def test_bad_files(tmp_path: Path) -> None:
    home = ("--home", tmp_path / "h")
    one_line_failure(app, "add", tmp_path / "missing.json", *home)
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    one_line_failure(app, "add", bad, *home)
    bad.write_text('{"id": "x"}')
    one_line_failure(app, "add", bad, *home)
    assert Home(tmp_path / "h")(app, "list") == {"count": 0, "agreements": []}
