"""Tests of cix.reference.fx: ECB offline, operator tables first, windows, cross rates, errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cix.errors import ReferenceDataError
from cix.reference import fx
from cix.reference.rates import RateRow, RateTable, add_rates_file, write_rates_csv

FRI, SUN = date(2024, 3, 1), date(2024, 3, 3)


def _table(
    name: str, rows: list[tuple[date, str, str, str]], base: str = "RUB", nominal: int = 1
) -> RateTable:
    return RateTable(name, [RateRow(d, c, Decimal(r), base, Decimal(nominal), s) for d, c, r, s in rows])


CBR = _table("cbr.csv", [(FRI, "USD", "90.8", ""), (FRI, "EUR", "98.5", ""), (FRI, "CNY", "12.6", "")])


@pytest.fixture(scope="module")
def ecb() -> fx.RateBook:
    return fx.RateBook()


def test_ecb_rate_of_the_day(ecb: fx.RateBook) -> None:
    c = ecb.convert(100.0, "EUR", "USD", FRI)
    assert c.rate == pytest.approx(1.0813)
    assert c.amount == pytest.approx(108.13)
    assert (c.rate_date, c.source, c.note) == (FRI, "ecb", "")


def test_ecb_weekend_uses_the_latest_rate_and_says_so(ecb: fx.RateBook) -> None:
    c = ecb.convert(100.0, "USD", "EUR", SUN)
    assert c.rate == pytest.approx(1 / 1.0813)
    assert c.rate_date == FRI
    assert c.note == "rate of 2024-03-01 used for 2024-03-03"


def test_ecb_cross_rate_through_eur(ecb: fx.RateBook) -> None:
    c = ecb.convert(1.0, "USD", "JPY", FRI)
    assert c.rate == pytest.approx(ecb.convert(1.0, "EUR", "JPY", FRI).rate / 1.0813)
    assert "through EUR" in c.note


def test_window_zero_refuses_a_weekend(ecb: fx.RateBook) -> None:
    with pytest.raises(
        ReferenceDataError, match=r"USD on 2024-03-03 or the 0 days before; nearest rate date: 2024-03-0[14]"
    ):
        ecb.convert(1.0, "USD", "EUR", SUN, window_days=0)


def test_ecb_rub_stops_in_march_2022(ecb: fx.RateBook) -> None:
    assert ecb.convert(1.0, "RUB", "EUR", date(2022, 3, 1)).source == "ecb"
    with pytest.raises(ReferenceDataError) as info:
        ecb.convert(1.0, "RUB", "USD", date(2024, 3, 1))
    assert "RUB on 2024-03-01" in info.value.message and "2022-03-01 (ecb)" in info.value.message
    assert info.value.details["nearest"] == {"currency": "RUB", "date": "2022-03-01", "source": "ecb"}


def test_unknown_currency(ecb: fx.RateBook) -> None:
    with pytest.raises(ReferenceDataError, match=r"XAF.*no source has any rate"):
        ecb.convert(1.0, "EUR", "XAF", FRI)


def test_identity() -> None:
    c = fx.RateBook(ecb=False).convert(5.0, "RUB", "RUB", SUN)
    assert (c.amount, c.rate, c.rate_date, c.source) == (5.0, 1.0, SUN, "identity")


def test_operator_table_direct_inverse_and_cross() -> None:
    book = fx.RateBook([CBR], ecb=False)
    assert book.convert(10.0, "USD", "RUB", FRI).amount == pytest.approx(908.0)
    assert book.convert(908.0, "RUB", "USD", FRI).amount == pytest.approx(10.0)
    cross = book.convert(1.0, "USD", "CNY", SUN)
    assert cross.rate == pytest.approx(90.8 / 12.6)
    assert cross.source == "operator:cbr.csv"
    assert cross.note == "rate of 2024-03-01 used for 2024-03-03; cross rate through RUB"


def test_nominal_is_honoured() -> None:
    book = fx.RateBook([_table("cbr.csv", [(FRI, "JPY", "60.49", "")], nominal=100)], ecb=False)
    assert book.convert(1000.0, "JPY", "RUB", FRI).amount == pytest.approx(604.9)


def test_operator_wins_over_ecb() -> None:
    book = fx.RateBook([CBR])
    c = book.convert(1.0, "USD", "EUR", FRI)
    assert c.source == "operator:cbr.csv"
    assert c.rate == pytest.approx(90.8 / 98.5)


def test_operator_and_ecb_combined_through_eur() -> None:
    book = fx.RateBook([CBR])
    c = book.convert(1000.0, "RUB", "KRW", FRI)
    krw_per_eur = fx.RateBook().convert(1.0, "EUR", "KRW", FRI).rate
    assert c.rate == pytest.approx(krw_per_eur / 98.5)
    assert c.source == "operator:cbr.csv+ecb"
    assert "RUB→EUR from operator:cbr.csv (2024-03-01), EUR→KRW from ecb (2024-03-01)" in c.note


def test_operator_rate_past_the_window_names_the_nearest_date() -> None:
    book = fx.RateBook([CBR], ecb=False)
    with pytest.raises(
        ReferenceDataError,
        match=r"2024-03-20 or the 7 days before; nearest rate date: 2024-03-01 \(operator:cbr.csv\)",
    ):
        book.convert(1.0, "USD", "RUB", date(2024, 3, 20))
    with pytest.raises(ReferenceDataError, match="nearest rate date: 2024-03-01"):
        book.convert(1.0, "USD", "RUB", date(2024, 2, 20))  # rates of later days are never used


def test_no_common_currency() -> None:
    other = _table("kz.csv", [(FRI, "TRY", "14.0", "")], base="KZT")
    with pytest.raises(ReferenceDataError, match="no common currency to convert USD to TRY"):
        fx.RateBook([CBR, other], ecb=False).convert(1.0, "USD", "TRY", FRI)


def test_nearest_date_wins_then_later_file() -> None:
    old = _table("a.csv", [(date(2024, 2, 28), "USD", "80", "")])
    new = _table("b.csv", [(FRI, "USD", "90", "")])
    same_day = _table("c.csv", [(FRI, "USD", "95", "")])
    assert fx.RateBook([new, old], ecb=False).convert(1.0, "USD", "RUB", SUN).source == "operator:b.csv"
    assert fx.RateBook([same_day, old, new], ecb=False).convert(1.0, "USD", "RUB", SUN).rate == 95.0


def test_synthetic_rates_are_named_in_the_note() -> None:
    book = fx.RateBook([_table("syn.csv", [(FRI, "USD", "90", "synthetic")])], ecb=False)
    assert "synthetic rates" in book.convert(1.0, "USD", "RUB", FRI).note


def test_cache_returns_the_same_rate_and_repeats_errors() -> None:
    book = fx.RateBook([CBR], ecb=False)
    first = book.convert(1.0, "USD", "RUB", FRI)
    assert book.convert(2.0, "USD", "RUB", FRI) == first._replace(amount=181.6)
    for _ in range(2):
        with pytest.raises(ReferenceDataError, match="XAF"):
            book.convert(1.0, "XAF", "RUB", FRI)


def test_convert_with_a_home_reloads_when_tables_change(tmp_path: Path) -> None:
    home = tmp_path / "node"
    with pytest.raises(ReferenceDataError, match="RUB"):
        fx.convert(1.0, "USD", "RUB", FRI, home=home)
    source = write_rates_csv(tmp_path / "cbr.csv", [RateRow(FRI, "USD", Decimal("90.8"), "RUB")])
    add_rates_file(home, source)
    c = fx.convert(1.0, "USD", "RUB", SUN, home=home)
    assert (c.rate, c.source) == (90.8, "operator:cbr.csv")
    assert fx.convert(1.0, "USD", "RUB", FRI, home=fx.RateBook([CBR])).rate == 90.8


def test_convert_without_home_is_ecb_only() -> None:
    assert fx.convert(1.0, "EUR", "USD", FRI).source == "ecb"
    assert fx.rate_book() is fx.rate_book()
