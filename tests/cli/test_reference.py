"""Tests of the ``cix reference`` commands through the real CLI app, on a fresh home directory."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from cix.cli.main import app

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "fresh-home"  # does not exist yet: commands must create what they need


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["reference", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def one_json(stdout: str) -> dict:
    assert stdout.count("\n") == 1 and stdout.endswith("\n")
    obj = orjson.loads(stdout)
    assert isinstance(obj, dict)
    return obj


def test_hs_entry_json(home: Path) -> None:
    code, out, _err = run("hs", "870323", "--home", str(home), "--json")
    assert code == 0
    obj = one_json(out)
    assert obj["edition"] == "HS2022" and obj["valid_to"] is None
    assert obj["entry"]["code"] == "870323"
    assert [p["code"] for p in obj["parents"]] == ["8703", "87"]
    assert obj["section"]["id"] == "XVII"


def test_hs_entry_human_and_edition_choice() -> None:
    code, out, _err = run("hs", "8703.23")
    assert code == 0 and "870323" in out and "8703" in out and "HS2022" in out
    code, out, _err = run("hs", "030510", "--date", "2021-05-01", "--json")
    assert code == 0 and one_json(out)["edition"] == "HS2017"
    code, out, _err = run("hs", "030510", "--edition", "HS2017", "--json")
    assert code == 0 and one_json(out)["entry"]["code"] == "030510"


def test_hs_unknown_code_fails_with_suggestions() -> None:
    code, out, err = run("hs", "090129", "--json")
    assert code == 1 and out == ""
    assert err == "cix: HS2022 has no entry '090129'; nearest: 090122, 090121, 090112\n"


@pytest.mark.parametrize(
    ("args", "exit_code", "reason"),
    [
        (("hs", "01", "--edition", "HS1996"), 1, "known editions: HS2017, HS2022"),
        (("hs", "01", "--date", "2016-06-01"), 1, "no HS edition is in force on 2016-06-01"),
        (("hs", "01", "--date", "yesterday"), 2, "not a date"),
        (("hs",), 2, "CODE or --search"),
        (("hs", "01", "--edition", "HS2017", "--date", "2021-01-01"), 2, "not both"),
    ],
)
def test_hs_bad_arguments(args: tuple[str, ...], exit_code: int, reason: str) -> None:
    code, out, err = run(*args)
    assert code == exit_code and out == ""
    assert reason in err and err.count("\n") == 1


def test_hs_search() -> None:
    code, out, _err = run("hs", "--search", "roasted coffee", "--json", "--limit", "3")
    assert code == 0
    obj = one_json(out)
    assert obj["query"] == "roasted coffee"
    assert {r["code"] for r in obj["results"][:2]} == {"090121", "090122"} and len(obj["results"]) == 3
    code, out, _err = run("hs", "--search", "roasted coffee")
    assert code == 0 and "090121" in out


def test_rates_load_and_convert(home: Path, tmp_path: Path) -> None:
    table = tmp_path / "cbr.csv"
    table.write_text("date,currency,rate,nominal\n2024-03-01,USD,90.8,1\n2024-03-01,JPY,60.49,100\n")
    code, out, err = run("rates", "load", str(table), "--base", "RUB", "--home", str(home), "--json")
    assert code == 0, err
    obj = one_json(out)
    assert (obj["table"], obj["rows"], obj["bases"], obj["replaced"]) == ("cbr.csv", 2, ["RUB"], False)
    assert (home / "reference" / "rates" / "cbr.csv").exists()
    code, out, _err = run(
        "rates", "convert", "100", "usd", "RUB", "--date", "2024-03-03", "--home", str(home), "--json"
    )
    assert code == 0
    obj = one_json(out)
    assert obj["converted"] == pytest.approx(9080.0)
    assert (obj["rate_date"], obj["source"]) == ("2024-03-01", "operator:cbr.csv")
    assert obj["note"] == "rate of 2024-03-01 used for 2024-03-03"
    code, out, _err = run("rates", "convert", "1000", "JPY", "RUB", "--date", "2024-03-01", "--home", str(home))
    assert code == 0 and "604.90 RUB" in out


def test_rates_load_rejects_bad_rows_with_the_cell(home: Path, tmp_path: Path) -> None:
    table = tmp_path / "bad.csv"
    table.write_text("date,currency,rate\n2024-03-01,USD,90.8\n2024-03-02,USD,abc\n")
    code, out, err = run("rates", "load", str(table), "--base", "RUB", "--home", str(home), "--json")
    assert code == 1 and out == ""
    assert err == "cix: bad.csv row 3, column rate: 'abc' is not a positive number\n"
    code, _out, err = run("rates", "load", str(tmp_path / "absent.csv"), "--home", str(home))
    assert code == 1 and "cannot read" in err


def test_rates_convert_on_an_empty_home_uses_ecb(home: Path) -> None:
    code, out, _err = run(
        "rates", "convert", "100", "EUR", "USD", "--date", "2024-03-01", "--home", str(home), "--json"
    )
    assert code == 0
    obj = one_json(out)
    assert obj["source"] == "ecb" and obj["converted"] == pytest.approx(108.13)


def test_rates_convert_failures(home: Path) -> None:
    code, out, err = run("rates", "convert", "1", "RUB", "USD", "--date", "2024-03-01", "--home", str(home))
    assert code == 1 and out == ""
    assert "RUB on 2024-03-01" in err and "2022-03-01 (ecb)" in err
    code, _out, err = run("rates", "convert", "1", "RUBLE", "USD", "--home", str(home))
    assert code == 2 and "ISO 4217" in err
    code, _out, err = run(
        "rates", "convert", "1", "EUR", "USD", "--date", "2024-03-03", "--window", "0", "--home", str(home)
    )
    assert code == 1 and "0 days before" in err


def test_tariff_load_and_show(home: Path, tmp_path: Path) -> None:
    code, _out, err = run("tariff", "show", "0901", "--home", str(home))
    assert code == 1 and "no tariff is loaded" in err
    table = tmp_path / "tariff.csv"
    table.write_text("hs_code,rate,origin,description\n0901,8,,Coffee\n090121,10,,Roasted\n09,0,VN,GSP\n")
    code, out, _err = run("tariff", "load", str(table), "--home", str(home), "--json")
    assert code == 0
    assert one_json(out) | {"stored": ""} == {"stored": "", "lines": 3, "preferential": 1, "replaced": False}
    code, out, _err = run("tariff", "show", "0901210000", "--home", str(home), "--json")
    rate = one_json(out)["rate"]
    assert (rate["hs_code"], rate["rate"], rate["preferential"]) == ("090121", 10.0, False)
    code, out, _err = run("tariff", "show", "0901210000", "--origin", "vn", "--home", str(home))
    assert code == 0 and "0%" in out and "VN" in out
    code, out, err = run("tariff", "show", "8703", "--home", str(home), "--json")
    assert code == 1 and out == "" and "no tariff rate for 8703" in err


def test_tariff_load_rejects_bad_rows(home: Path, tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("hs_code,rate,origin\n0901,8,XX\n")
    code, _out, err = run("tariff", "load", str(table), "--home", str(home))
    assert code == 1 and err == "cix: t.csv row 2, column origin: 'XX' is not an ISO 3166-1 alpha-2 country code\n"


def test_units(home: Path) -> None:
    code, out, _err = run("units", "--home", str(home), "--json")
    assert code == 0
    units = {u["code"]: u["name"] for u in one_json(out)["units"]}
    assert units["KGM"] == "kilogram" and units["H87"] == "piece" and len(units) >= 40
    code, out, _err = run("units")
    assert code == 0 and "NAR" in out and "number of articles" in out
