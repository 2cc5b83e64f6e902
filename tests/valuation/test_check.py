"""The undervaluation check: every fall-back level, manual minimum/maximum, the reason text."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cix.reference.fx import RateBook
from cix.reference.rates import RateRow, RateTable
from cix.valuation.check import NO_REFERENCE, NO_VALUE, Params, check_declaration, check_item
from cix.valuation.index import Manual, Reference, ReferenceIndex, from_groups
from cix.valuation.stats import OBSERVATION_SCHEMA, reference_groups

DAY = dt.date(2024, 6, 28)
P = Params(threshold=3.5, min_count=5, period_months=12, national="RUB")
BOOK = RateBook([RateTable("t.csv", [RateRow(DAY, "USD", Decimal(100), "RUB")])], ecb=False)


def index() -> ReferenceIndex:
    rows = [("0901210000", "BR", "KGM", 4.0 + i / 100, DAY) for i in range(6)]
    rows += [("0901210000", "CO", "KGM", 6.0, DAY)] * 2
    obs = pl.DataFrame([(*r, 1.0, 0.0, 1.0) for r in rows], schema=OBSERVATION_SCHEMA, orient="row")
    return from_groups(reference_groups(obs, as_of=DAY, half_life_days=180, min_count=5), period_months=12)


def item(code: str, origin: str, usd_per_kg: float, qty: float = 100.0, **over: Any) -> dict[str, Any]:
    # customs value in roubles at 100 RUB per USD
    g = {"seq": 1, "hs_code": code, "origin": origin, "quantity": qty, "unit": "KGM",
         "customs_value": usd_per_kg * qty * 100, "tax_rate": 10.0}  # fmt: skip
    g.update(over)
    return g


@pytest.mark.parametrize(
    ("code", "origin", "level", "group"),
    [
        ("0901210000", "BR", 0, ("0901210000", "BR")),  # full code and origin
        ("0901219900", "BR", 1, ("090121", "BR")),  # HS6 and origin
        ("0901210000", "CO", 2, ("0901210000", "*")),  # full code, all origins (CO has 2 only)
        ("0901219900", "CO", 3, ("090121", "*")),  # HS6, all origins
        ("0901110000", "BR", 4, ("0901", "BR")),  # heading and origin
        ("0901110000", "CO", 5, ("0901", "*")),  # heading, all origins
    ],
)
def test_fall_back_levels(code: str, origin: str, level: int, group: tuple[str, str]) -> None:
    r = check_item(item(code, origin, 4.0), DAY, index(), BOOK, P)
    assert r["status"] == "checked"
    assert r["group"]["level"] == level
    assert (r["group"]["hs_code"], r["group"]["origin"]) == group
    assert r["count"] >= 5


def test_no_reference_is_explicit() -> None:
    r = check_item(item("0902100000", "CN", 4.0), DAY, index(), BOOK, P)
    assert r["status"] == NO_REFERENCE and not r["flagged"]
    assert r["reason"].startswith("no price reference: fewer than 5 declarations of HS 0902100000")
    other_unit = check_item(item("0901210000", "BR", 4.0, unit="LTR"), DAY, index(), BOOK, P)
    assert other_unit["status"] == NO_REFERENCE


def test_no_value_is_explicit() -> None:
    r = check_item(item("0901210000", "BR", 4.0, quantity=None), DAY, index(), BOOK, P)
    assert r["status"] == NO_VALUE and "no quantity" in r["reason"]
    r = check_item(item("0901210000", "BR", 4.0, customs_value=None), DAY, index(), BOOK, P)
    assert r["status"] == NO_VALUE
    # a currency with no rate: the reason names it
    r = check_item(item("0901210000", "BR", 4.0, customs_value=None, invoice_amount=10.0, currency="JPY"),
                   DAY, index(), BOOK, P)  # fmt: skip
    assert r["status"] == NO_VALUE and "JPY" in r["reason"]


def test_reason_text() -> None:
    ref = Reference(1, "090121", "BR", "KGM", 312, 0, 4.8, 4.0, 5.5, 0.1)
    idx = ReferenceIndex(refs={("090121", "BR", "KGM"): ref}, period_months=12)
    r = check_item(item("0901210000", "BR", 1.1), DAY, idx, BOOK, P)
    assert r["reason"].startswith(
        "declared 1.10 USD/kg, reference median 4.80 USD/kg from 312 declarations of HS 090121 from BR "
        "in the last 12 months; 77 % below it (score 9.9 above the threshold 3.5)"
    )
    assert r["flagged"] and r["score"] == pytest.approx((math.log(4.8) - math.log(1.1)) / (1.4826 * 0.1), abs=0.01)
    # undervalued: (4.80 - 1.10) USD/kg * 100 kg * 100 RUB/USD; duty at 10 %
    assert r["undervalued_amount"] == pytest.approx(37000.0)
    assert r["duty_at_stake"] == pytest.approx(3700.0)
    assert "estimated undervaluation 37,000.00 RUB, duty at stake 3,700.00 RUB" in r["reason"]
    pooled = ReferenceIndex(refs={("090121", "*", "KGM"): Reference(3, "090121", "*", "KGM", 40, 12, 4.8, 4, 5, 0.1)},
                            period_months=12)  # fmt: skip
    r = check_item(item("0901210000", "BR", 4.7), DAY, pooled, BOOK, P)
    assert r["reason"] == (
        "declared 4.70 USD/kg, reference median 4.80 USD/kg from 40 declarations of HS 090121 from all origins "
        "in the last 12 months (12 of them reported by partners)"
    )
    assert not r["flagged"] and r["undervalued_amount"] == 0.0


def test_threshold() -> None:
    ref = Reference(0, "0901210000", "BR", "KGM", 50, 0, 4.0, 3.5, 4.5, 0.1)
    idx = ReferenceIndex(refs={("0901210000", "BR", "KGM"): ref}, period_months=12)
    # sigma = 0.14826: 3.5 sigma below the median is a factor exp(-0.519) = 0.595
    assert not check_item(item("0901210000", "BR", 4.0 * 0.60), DAY, idx, BOOK, P)["flagged"]
    assert check_item(item("0901210000", "BR", 4.0 * 0.59), DAY, idx, BOOK, P)["flagged"]


def test_manual_minimum_and_maximum() -> None:
    idx = ReferenceIndex(period_months=12)
    idx.manual[("0901", "*", "KGM")] = Manual("0901", "*", "KGM", 3.0, 9.0, "analyst note")
    idx.manual[("090121", "BR", "KGM")] = Manual("090121", "BR", "KGM", 5.0, None)
    # the most specific manual value applies: HS6 + BR, minimum 5
    r = check_item(item("0901210000", "BR", 4.0), DAY, idx, BOOK, P)
    assert r["flagged"] and r["status"] == "checked" and r["group"]["name"] == "manual"
    assert "below the manual minimum 5.00 USD/kg for HS 090121 from BR" in r["reason"]
    assert r["undervalued_amount"] == pytest.approx(10000.0)  # (5 - 4) * 100 kg * 100
    # another origin falls to the heading's value for all origins: 4.0 is within 3..9
    r = check_item(item("0901210000", "CO", 4.0), DAY, idx, BOOK, P)
    assert not r["flagged"] and r["manual"]["min_value"] == 3.0
    assert r["reason"] == "declared 4.00 USD/kg is within the manual values for HS 0901 from all origins"
    r = check_item(item("0901210000", "CO", 12.0), DAY, idx, BOOK, P)
    assert not r["flagged"] and r["above_max"]
    assert "above the manual maximum 9.00 USD/kg for HS 0901 from all origins" in r["reason"]


def test_declaration_summary() -> None:
    goods = [item("0901210000", "BR", 1.0), item("0902100000", "CN", 4.0, seq=2)]
    r = check_declaration(goods, DAY, index(), BOOK, P)
    assert r["status"] == "partial" and r["flagged"]
    assert r["undervalued_amount"] == r["items"][0]["undervalued_amount"] > 0
    assert [i["seq"] for i in r["items"]] == [1, 2]


def _refs(median: float) -> ReferenceIndex:
    return ReferenceIndex(
        refs={("090121", "BR", "KGM"): Reference(1, "090121", "BR", "KGM", 312, 7, median, 4.0, 5.5, 0.1)},
        period_months=12,
    )


def test_reason_made_once_per_reference_is_that_reference() -> None:
    # the sentence of a reference is cached: another index (a new build) with another median gets its own
    first = check_item(item("0901210000", "BR", 1.1), DAY, _refs(4.8), BOOK, P)
    second = check_item(item("0901210000", "BR", 2.2), DAY, _refs(9.6), BOOK, P)
    assert first["reason"].startswith("declared 1.10 USD/kg, reference median 4.80 USD/kg from 312 declarations")
    assert second["reason"].startswith("declared 2.20 USD/kg, reference median 9.60 USD/kg from 312 declarations")
    assert "(7 of them reported by partners)" in second["reason"]
    other_period = check_item(item("0901210000", "BR", 1.1), DAY, _refs(4.8), BOOK, Params(3.5, 5, 6, "RUB"))
    assert "in the last 6 months" in other_period["reason"]


def test_reason_follows_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    import gettext

    from cix import i18n

    class Fake(gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return message.replace("declared", "заявлено").replace("reference median", "медиана")

    real = i18n.translation
    monkeypatch.setattr(i18n, "translation", lambda lang: Fake() if lang == "ru" else real(lang))
    idx = _refs(4.8)
    monkeypatch.setenv("CIX_LANG", "en")
    en = check_item(item("0901210000", "BR", 1.1), DAY, idx, BOOK, P)["reason"]
    monkeypatch.setenv("CIX_LANG", "ru")
    ru = check_item(item("0901210000", "BR", 1.1), DAY, idx, BOOK, P)["reason"]
    assert en.startswith("declared 1.10 USD/kg, reference median 4.80")
    assert ru.startswith("заявлено 1.10 USD/kg, медиана 4.80")
    monkeypatch.setenv("CIX_LANG", "en")
    assert check_item(item("0901210000", "BR", 1.1), DAY, idx, BOOK, P)["reason"] == en


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["0901210000", "0901219900", "0901110000", "0902100000", "0903000000"]),
            st.sampled_from(["BR", "CO", "CN"]),
            st.floats(min_value=0.01, max_value=50.0),
            st.sampled_from(["KGM", "LTR"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_memoised_look_ups_equal_fresh_ones(rows: list[tuple[str, str, float, str]]) -> None:
    # the declaration check shares one memo of look-ups and one text cache; each item alone, with an
    # empty memo, gives the same result
    idx = index()
    idx.manual[("0903", "*", "KGM")] = Manual("0903", "*", "KGM", 3.0, 9.0)
    goods = [item(c, o, v, seq=i, unit=u) for i, (c, o, v, u) in enumerate(rows, 1)]
    together = check_declaration(goods, DAY, idx, BOOK, P)["items"]
    alone = [check_item(g, DAY, idx, BOOK, P, found={}) for g in goods]
    assert together == alone
    for g, r in zip(goods, alone, strict=True):
        assert r["reason"]
        ref = idx.lookup(g["hs_code"], g["origin"], g["unit"], P.min_count)
        assert r["reference_median"] == (ref.median if ref else None)
