"""The undervaluation check of goods items against the price references.

For each goods item: unit value = customs value (national currency; the invoice amount in its
currency where none) in USD at the rate of the declaration's date, per unit of quantity. Its
reference is the first group of :data:`~cix.valuation.stats.LEVELS` with enough declarations. The
robust score is ``(ln median − ln unit value) / σ`` with ``σ = max(1.4826 · MAD of logs, 0.05)``;
above ``valuation_threshold`` the item is flagged, and so it is below an analyst's manual minimum.
A flagged item carries the estimated undervalued amount (reference value minus customs value, in
the national currency) and the duty at stake (that amount at the item's tax rate). Every item gets
a result and a reason a person can read; an item without a usable reference or unit value is
reported so (status ``no_reference`` / ``no_value``), never passed silently.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from cix.errors import ReferenceDataError
from cix.i18n import _
from cix.reference.fx import RateBook
from cix.valuation.index import Manual, Reference, ReferenceIndex
from cix.valuation.stats import ALL_ORIGINS, LEVELS

MIN_SIGMA = 0.05
CHECKED, NO_REFERENCE, NO_VALUE = "checked", "no_reference", "no_value"
UNIT_LABELS = {"KGM": "kg", "LTR": "l", "MTK": "m²", "MTQ": "m³", "MTR": "m", "H87": "piece", "PR": "pair"}


@dataclass(frozen=True, slots=True)
class Params:
    threshold: float
    min_count: int
    period_months: int
    national: str
    fx_window_days: int = 7


def money(v: float) -> str:
    """Two decimals from 1 up, three significant digits below (0.0123)."""
    return f"{v:,.2f}" if abs(v) >= 0.995 else f"{v:.3g}"


def unit_label(unit: str | None) -> str:
    return UNIT_LABELS.get(unit or "", unit or "?")


def group_text(ref: Reference | Manual) -> str:
    origin = ref.origin
    where = _("from all origins") if origin == ALL_ORIGINS else _("from {origin}").format(origin=origin)
    return _("HS {code} {where}").format(code=ref.hs_code, where=where)


def reference_text(uv: float, ref: Reference, p: Params) -> str:
    u = unit_label(ref.unit)
    text = _(
        "declared {uv} USD/{u}, reference median {median} USD/{u} from {n} declarations of {group} "
        "in the last {m} months"
    ).format(uv=money(uv), u=u, median=money(ref.median), n=ref.count, group=group_text(ref), m=p.period_months)
    if ref.partner_count:
        text += _(" ({n} of them reported by partners)").format(n=ref.partner_count)
    return text


def unit_value(
    item: dict[str, Any], on: dt.date, book: RateBook, p: Params
) -> tuple[float | None, float | None, str | None]:
    """(unit value in USD, value in the national currency, why not) of a goods row."""
    qty = item.get("quantity")
    if qty is None or not qty > 0:
        return None, None, _("no quantity to divide the value by")
    if item.get("unit") is None:
        return None, None, _("no unit of quantity")
    cv = item.get("customs_value")
    if cv is not None and cv > 0:
        amount, ccy = float(cv), p.national
    elif item.get("invoice_amount") and item.get("currency"):
        amount, ccy = float(item["invoice_amount"]), str(item["currency"])
    else:
        return None, None, _("no customs value or invoice amount")
    try:
        usd = book.convert(amount, ccy, "USD", on, p.fx_window_days).amount
        national = amount if ccy == p.national else book.convert(amount, ccy, p.national, on, p.fx_window_days).amount
    except ReferenceDataError as exc:
        return None, None, exc.message
    return usd / float(qty), national, None


def check_item(item: dict[str, Any], on: dt.date, idx: ReferenceIndex, book: RateBook, p: Params) -> dict[str, Any]:
    """The check of one goods row (``seq``, ``hs_code``, ``origin``, ``quantity``, ``unit``, values, ``tax_rate``)."""
    out: dict[str, Any] = {
        "seq": item.get("seq"),
        "status": NO_VALUE,
        "unit_value": None,
        "unit": item.get("unit"),
        "currency": "USD",
        "reference_median": None,
        "score": None,
        "flagged": False,
        "group": None,
        "count": 0,
        "undervalued_amount": 0.0,
        "duty_at_stake": 0.0,
        "manual": None,
        "reason": "",
    }
    uv, value, why = unit_value(item, on, book, p)
    if uv is None or value is None:
        out["reason"] = _("no unit value: {why}").format(why=why)
        return out
    out["unit_value"] = uv
    code, origin, unit = str(item.get("hs_code") or ""), item.get("origin"), item.get("unit")
    ref = idx.lookup(code, origin, unit, p.min_count)
    manual = idx.manual_for(code, origin, unit)
    reasons: list[str] = []
    expected = 0.0  # the reference unit value the undervaluation is estimated against
    if ref is not None:
        out["status"] = CHECKED
        sigma = max(1.4826 * ref.mad_log, MIN_SIGMA)
        score = (math.log(ref.median) - math.log(uv)) / sigma
        level = LEVELS[ref.level]
        out.update(
            reference_median=ref.median,
            reference_q1=ref.q1,
            reference_q3=ref.q3,
            score=round(score, 4),
            count=ref.count,
            group={"level": ref.level, "name": level.name, "hs_code": ref.hs_code, "origin": ref.origin, "unit": unit},
        )
        reasons.append(reference_text(uv, ref, p))
        if score > p.threshold:
            out["flagged"] = True
            expected = ref.median
            reasons.append(
                _("{pct:.0f} % below it (score {score:.1f} above the threshold {t})").format(
                    pct=100 * (1 - uv / ref.median), score=score, t=p.threshold
                )
            )
    if manual is not None:
        out["manual"] = manual.to_dict()
        u = unit_label(unit)
        if manual.min_value is not None and uv < manual.min_value:
            out["flagged"] = True
            expected = max(expected, manual.min_value)
            reasons.append(
                _("declared {uv} USD/{u} is below the manual minimum {lo} USD/{u} for {group}").format(
                    uv=money(uv), u=u, lo=money(manual.min_value), group=group_text(manual)
                )
            )
        elif manual.max_value is not None and uv > manual.max_value:
            out["above_max"] = True
            reasons.append(
                _("declared {uv} USD/{u} is above the manual maximum {hi} USD/{u} for {group}").format(
                    uv=money(uv), u=u, hi=money(manual.max_value), group=group_text(manual)
                )
            )
        if out["status"] != CHECKED:
            out["status"] = CHECKED
            out["group"] = {"level": None, "name": "manual", "hs_code": manual.hs_code, "origin": manual.origin,
                            "unit": unit}  # fmt: skip
    if out["status"] != CHECKED:
        out["status"] = NO_REFERENCE
        out["reason"] = _(
            "no price reference: fewer than {n} declarations of HS {code} (down to its heading {h}, "
            "all origins) with unit {u} in the last {m} months"
        ).format(n=p.min_count, code=code, h=code[:4], u=unit_label(unit), m=p.period_months)
        return out
    if out["flagged"]:
        under = value * (expected / uv - 1.0)
        out["undervalued_amount"] = round(under, 2)
        rate = item.get("tax_rate")
        out["duty_at_stake"] = round(under * float(rate) / 100.0, 2) if rate else 0.0
        reasons.append(
            _("estimated undervaluation {amount} {ccy}, duty at stake {duty} {ccy}").format(
                amount=money(under), ccy=p.national, duty=money(out["duty_at_stake"])
            )
        )
    out["reason"] = "; ".join(reasons)
    return out


def check_declaration(
    goods: list[dict[str, Any]], on: dt.date, idx: ReferenceIndex, book: RateBook, p: Params
) -> dict[str, Any]:
    """The check of every goods item of one declaration and the declaration's summary."""
    items = [check_item(g, on, idx, book, p) for g in goods]
    scores = [i["score"] for i in items if i["score"] is not None]
    statuses = {i["status"] for i in items}
    status = CHECKED if statuses == {CHECKED} else (NO_REFERENCE if CHECKED not in statuses else "partial")
    if not items:
        status = NO_VALUE
    return {
        "status": status,
        "flagged": any(i["flagged"] for i in items),
        "max_score": max(scores) if scores else 0.0,
        "undervalued_amount": round(sum(i["undervalued_amount"] for i in items), 2),
        "duty_at_stake": round(sum(i["duty_at_stake"] for i in items), 2),
        "currency": p.national,
        "build_id": idx.build_id,
        "items": items,
    }
