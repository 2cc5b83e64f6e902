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
from cix.i18n import _, current_language
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


def _esc(v: object) -> str:
    return str(v).replace("{", "{{").replace("}", "}}")


class _Texts:
    """The translated sentences of one language, and each reference's sentence with all but the unit value filled.

    The path checks thousands of items a second; translating and formatting the same reference's
    sentence for every item costs more than the check itself, so each reference's text is made once
    (per language and period) and only the declared unit value is put in per item.
    """

    __slots__ = ("below", "manual_max", "manual_min", "manual_ok", "no_reference", "no_value", "refs", "undervalued")

    def __init__(self) -> None:
        self.below = _("{pct:.0f} % below it (score {score:.1f} above the threshold {t})")
        self.manual_min = _("declared {uv} USD/{u} is below the manual minimum {lo} USD/{u} for {group}")
        self.manual_max = _("declared {uv} USD/{u} is above the manual maximum {hi} USD/{u} for {group}")
        self.manual_ok = _("declared {uv} USD/{u} is within the manual values for {group}")
        self.undervalued = _("estimated undervaluation {amount} {ccy}, duty at stake {duty} {ccy}")
        self.no_value = _("no unit value: {why}")
        self.no_reference = _(
            "no price reference: fewer than {n} declarations of HS {code} (down to its heading {h}, "
            "all origins) with unit {u} in the last {m} months"
        )
        # id(reference) -> (reference, months, template with the single field {uv})
        self.refs: dict[int, tuple[Reference, int, str]] = {}

    def reference(self, ref: Reference, months: int) -> str:
        hit = self.refs.get(id(ref))
        if hit is not None and hit[0] is ref and hit[1] == months:
            return hit[2]
        u = _esc(unit_label(ref.unit))
        template = _(
            "declared {uv} USD/{u}, reference median {median} USD/{u} from {n} declarations of {group} "
            "in the last {m} months"
        ).format(uv="{uv}", u=u, median=_esc(money(ref.median)), n=ref.count, group=_esc(group_text(ref)), m=months)
        if ref.partner_count:
            template += _esc(_(" ({n} of them reported by partners)").format(n=ref.partner_count))
        if len(self.refs) >= _TEXT_LIMIT:
            self.refs.clear()
        self.refs[id(ref)] = (ref, months, template)  # the entry keeps ref alive, so its id is not reused
        return template


_TEXT_LIMIT = 200_000
_TEXTS: dict[str, _Texts] = {}


def _texts() -> _Texts:
    lang = current_language()
    t = _TEXTS.get(lang)
    if t is None:
        t = _TEXTS[lang] = _Texts()
    return t


def reference_text(uv: float, ref: Reference, p: Params) -> str:
    return _texts().reference(ref, p.period_months).format(uv=money(uv))


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


_Found = tuple[Reference | None, Manual | None]
# id(index) -> (index, sizes of its tables, min_count, {(code, origin, unit): (reference, manual)})
_FOUND: dict[int, tuple[ReferenceIndex, int, int, int, dict[tuple[str, str | None, str | None], _Found]]] = {}


def _finder(idx: ReferenceIndex, min_count: int) -> dict[tuple[str, str | None, str | None], _Found]:
    """The memo of look-ups in ``idx`` (an index is built once and then only read; the same groups recur)."""
    hit = _FOUND.get(id(idx))
    if (
        hit is not None
        and hit[0] is idx
        and hit[1] == len(idx.refs)
        and hit[2] == len(idx.manual)
        and hit[3] == min_count
    ):
        return hit[4]
    if len(_FOUND) >= 8:
        _FOUND.clear()
    memo: dict[tuple[str, str | None, str | None], _Found] = {}
    _FOUND[id(idx)] = (idx, len(idx.refs), len(idx.manual), min_count, memo)
    return memo


texts = _texts  # the texts of the current language, for a batch
finder = _finder  # the look-up memo of an index, for a batch


def check_item(
    item: dict[str, Any],
    on: dt.date,
    idx: ReferenceIndex,
    book: RateBook,
    p: Params,
    texts: _Texts | None = None,
    found: dict[tuple[str, str | None, str | None], _Found] | None = None,
) -> dict[str, Any]:
    """The check of one goods row (``seq``, ``hs_code``, ``origin``, ``quantity``, ``unit``, values, ``tax_rate``)."""
    t = texts or _texts()
    unit = item.get("unit")
    out: dict[str, Any] = {
        "seq": item.get("seq"),
        "status": NO_VALUE,
        "unit_value": None,
        "unit": unit,
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
        out["reason"] = t.no_value.format(why=why)
        return out
    out["unit_value"] = uv
    code, origin = str(item.get("hs_code") or ""), item.get("origin")
    memo = found if found is not None else _finder(idx, p.min_count)
    key = (code, origin, unit)
    pair = memo.get(key)
    if pair is None:
        pair = memo[key] = (idx.lookup(code, origin, unit, p.min_count), idx.manual_for(code, origin, unit))
    ref, manual = pair
    reasons: list[str] = []
    expected = 0.0  # the reference unit value the undervaluation is estimated against
    flagged = False
    if ref is not None:
        out["status"] = CHECKED
        sigma = max(1.4826 * ref.mad_log, MIN_SIGMA)
        score = (math.log(ref.median) - math.log(uv)) / sigma
        out["reference_median"] = ref.median
        out["reference_q1"] = ref.q1
        out["reference_q3"] = ref.q3
        out["score"] = round(score, 4)
        out["count"] = ref.count
        out["group"] = {"level": ref.level, "name": LEVELS[ref.level].name, "hs_code": ref.hs_code,
                        "origin": ref.origin, "unit": unit}  # fmt: skip
        uv_text = money(uv)
        reasons.append(t.reference(ref, p.period_months).format(uv=uv_text))
        if score > p.threshold:
            flagged = True
            expected = ref.median
            reasons.append(t.below.format(pct=100 * (1 - uv / ref.median), score=score, t=p.threshold))
    if manual is not None:
        out["manual"] = manual.to_dict()
        u = unit_label(unit)
        if manual.min_value is not None and uv < manual.min_value:
            flagged = True
            expected = max(expected, manual.min_value)
            reasons.append(t.manual_min.format(uv=money(uv), u=u, lo=money(manual.min_value), group=group_text(manual)))
        elif manual.max_value is not None and uv > manual.max_value:
            out["above_max"] = True
            reasons.append(t.manual_max.format(uv=money(uv), u=u, hi=money(manual.max_value), group=group_text(manual)))
        elif not reasons:  # no reference sentence either: say what the value was checked against
            reasons.append(t.manual_ok.format(uv=money(uv), u=u, group=group_text(manual)))
        if out["status"] != CHECKED:
            out["status"] = CHECKED
            out["group"] = {"level": None, "name": "manual", "hs_code": manual.hs_code, "origin": manual.origin,
                            "unit": unit}  # fmt: skip
    if out["status"] != CHECKED:
        out["status"] = NO_REFERENCE
        out["reason"] = t.no_reference.format(
            n=p.min_count, code=code, h=code[:4], u=unit_label(unit), m=p.period_months
        )
        return out
    if flagged:
        out["flagged"] = True
        under = value * (expected / uv - 1.0)
        out["undervalued_amount"] = round(under, 2)
        rate = item.get("tax_rate")
        out["duty_at_stake"] = round(under * float(rate) / 100.0, 2) if rate else 0.0
        reasons.append(t.undervalued.format(amount=money(under), ccy=p.national, duty=money(out["duty_at_stake"])))
    out["reason"] = reasons[0] if len(reasons) == 1 else "; ".join(reasons)
    return out


def check_declaration(
    goods: list[dict[str, Any]],
    on: dt.date,
    idx: ReferenceIndex,
    book: RateBook,
    p: Params,
    texts: _Texts | None = None,
    found: dict[tuple[str, str | None, str | None], _Found] | None = None,
) -> dict[str, Any]:
    """The check of every goods item of one declaration and the declaration's summary.

    ``texts`` (:func:`texts`) and ``found`` (:func:`finder`) may be given once for a whole batch.
    """
    texts = texts or _texts()
    found = found if found is not None else _finder(idx, p.min_count)
    items = [check_item(g, on, idx, book, p, texts, found) for g in goods]
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
