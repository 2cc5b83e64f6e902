"""``cix users`` and ``cix tokens`` on an empty home: JSON contracts, one-line failures, no secret echoed."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from cix.cli.main import app

runner = CliRunner()


@pytest.fixture
def h(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("CIX_DATABASE_URL", raising=False)
    monkeypatch.setenv("CIX_COUNTRY", "RU")
    monkeypatch.setenv("CIX_AUTHORITY", "FCS")
    return str(tmp_path / "home")


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args), input=stdin)
    return r.exit_code, r.stdout, r.stderr


def one(stdout: str) -> dict:
    assert stdout.count("\n") == 1, stdout
    return orjson.loads(stdout)


def test_users_add_list_disable(h: str) -> None:
    code, out, err = run("users", "add", "olga", "--role", "officer", "--password-stdin", "--home", h, "--json",
                         stdin="correct horse\n")  # fmt: skip
    assert code == 0, err
    u = one(out)["user"]
    assert u["username"] == "olga" and u["administration"] == "RU-FCS" and "password_hash" not in u
    assert "correct horse" not in out
    code, out, _ = run("users", "list", "--home", h, "--json")
    assert one(out)["count"] == 1
    code, out, _ = run("users", "disable", "olga", "--home", h, "--json")
    assert code == 0 and one(out)["user"]["status"] == "disabled"
    code, out, _ = run("users", "list", "--home", h)
    assert "disabled" in out


def test_the_prompt_asks_twice(h: str) -> None:
    code, _out, err = run("users", "add", "rita", "--role", "risk_analyst", "--home", h,
                          stdin="correct horse\ncorrect horse\n")  # fmt: skip
    assert code == 0, err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--role", "king"], "unknown role"),
        (["--role", "officer", "--administration", "FI-CUSTOMS"], "not this node's"),
    ],
)
def test_users_add_fails_in_one_line(h: str, args: list[str], words: str) -> None:
    code, out, err = run("users", "add", "olga", *args, "--password-stdin", "--home", h, stdin="correct horse\n")
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and words in err


def test_tokens_create_list_revoke(h: str) -> None:
    run("users", "add", "olga", "--role", "officer", "--password-stdin", "--home", h, stdin="correct horse\n")
    code, out, err = run("tokens", "create", "--user", "olga", "--name", "ci", "--home", h, "--json")
    assert code == 0, err
    made = one(out)
    assert made["token"].startswith("cix_") and made["record"]["username"] == "olga"
    code, out, _ = run("tokens", "list", "--home", h, "--json")
    listed = one(out)["tokens"]
    assert [t["status"] for t in listed] == ["active"] and made["token"] not in out
    code, out, _ = run("tokens", "revoke", str(made["id"]), "--home", h, "--json")
    assert code == 0 and one(out)["token"]["status"] == "revoked"
    code, _out, err = run("tokens", "create", "--home", h)
    assert code != 0 and "exactly one" in err
    code, _out, err = run("tokens", "revoke", "99", "--home", h)
    assert code != 0 and "no API token 99" in err
