"""Injected fraud on the import side, with its ground truth.

Five kinds, each changing only what a dishonest declarant would change and keeping the
declaration valid and self-consistent (customs value and duty rate follow the false figures):

- ``undervaluation``: the invoice amount of some items cut by 30 to 80 %;
- ``misclassification``: one item declared under a lower-duty subheading of the same heading (or
  chapter) and unit, with that subheading's description and rate;
- ``origin``: the items' origin changed to a country with a tariff preference, and the
  preferential rate claimed;
- ``quantity``: quantity, masses and invoice amount of some items cut by 20 to 60 % (the unit
  value stays plausible; the surplus is smuggled);
- ``split``: one shipment declared as two to eight import declarations, each under the value
  threshold, sharing UCR, transport document and containers.

The export and preliminary records keep the truth, as the partner and the carrier saw it. Every
function returns the truth entries of the items it changed (``index``, ``declared``, ``true``),
or None when the shipment offers nothing to change (then another kind is tried).
"""

from __future__ import annotations

import math
import random
from typing import Any

from cix.generate.fx import USD_VALUE
from cix.generate.records import Factory, Shipment, natural_key

Truth = list[dict[str, Any]]


def _pick_items(rng: random.Random, candidates: list[int], p: float) -> list[int]:
    chosen = [i for i in candidates if rng.random() < p]
    return chosen or [rng.choice(candidates)]


def undervaluation(f: Factory, sh: Shipment, rec: dict[str, Any]) -> Truth | None:
    rng = f.rng
    goods = rec["goods"]
    out = []
    for i in _pick_items(rng, list(range(len(goods))), 0.7):
        item, it = goods[i], sh.items[i]
        true = {"invoice_amount": item["invoice_amount"], "customs_value": item["customs_value"]}
        cut = rng.uniform(0.3, 0.8)
        item["invoice_amount"] = max(0.01, round(item["invoice_amount"] * (1 - cut), 2))
        item["customs_value"] = round((item["invoice_amount"] + it.add) * sh.rate, 2)
        declared = {"invoice_amount": item["invoice_amount"], "customs_value": item["customs_value"]}
        out.append({"index": i, "kind": "undervaluation", "declared": declared, "true": true, "cut": round(cut, 4)})
    return out


def misclassification(f: Factory, sh: Shipment, rec: dict[str, Any]) -> Truth | None:
    cat = f.world.catalogue
    goods = rec["goods"]
    candidates = [i for i, it in enumerate(sh.items) if cat.goods[it.goods].cheaper]
    if not candidates:
        return None
    i = f.rng.choice(candidates)
    item, it = goods[i], sh.items[i]
    target = cat.goods[f.rng.choice(cat.goods[it.goods].cheaper)]
    true = {k: item[k] for k in ("hs_code", "description", "tax_rate")}
    duty, _pref = cat.duty(target.index, item["origin"])
    item["hs_code"] = target.code + target.national
    item["description"] = target.description
    item["tax_rate"] = duty
    declared = {k: item[k] for k in ("hs_code", "description", "tax_rate")}
    return [{"index": i, "kind": "misclassification", "declared": declared, "true": true}]


def origin(f: Factory, sh: Shipment, rec: dict[str, Any]) -> Truth | None:
    cat = f.world.catalogue
    prefs = sorted(o for o, share in cat.preferences.items() if share < 1.0 and o != f.world.importer)
    if not prefs:
        return None
    free = [o for o in prefs if cat.preferences[o] == 0.0]
    target = f.rng.choice(free or prefs)
    goods = rec["goods"]
    out = []
    for i, item in enumerate(goods):
        if item["origin"] in cat.preferences:
            continue
        duty, _pref = cat.duty(sh.items[i].goods, target)
        if duty >= item["tax_rate"]:
            continue
        true = {k: item[k] for k in ("origin", "tax_rate", "preference")}
        item["origin"], item["tax_rate"], item["preference"] = target, duty, "300"
        declared = {k: item[k] for k in ("origin", "tax_rate", "preference")}
        out.append({"index": i, "kind": "origin", "declared": declared, "true": true})
    return out or None


def quantity(f: Factory, sh: Shipment, rec: dict[str, Any]) -> Truth | None:
    cat = f.world.catalogue
    goods = rec["goods"]
    candidates = [i for i, it in enumerate(sh.items) if not cat.goods[it.goods].counted or it.quantity >= 3]
    if not candidates:
        return None
    fields = ("quantity", "net_mass", "gross_mass", "invoice_amount", "customs_value")
    out = []
    for i in _pick_items(f.rng, candidates, 0.6):
        item, it = goods[i], sh.items[i]
        true = {k: item[k] for k in fields}
        cut = f.rng.uniform(0.2, 0.6)
        keep = 1 - cut
        if cat.goods[it.goods].counted:
            item["quantity"] = float(max(1, min(item["quantity"] - 1, round(item["quantity"] * keep))))
            keep = item["quantity"] / true["quantity"]
        elif item["unit"] == "KGM":
            item["quantity"] = round(item["quantity"] * keep, 1)
        else:
            item["quantity"] = round(item["quantity"] * keep, 2)
        item["net_mass"] = max(0.1, round(item["net_mass"] * keep, 1))
        item["gross_mass"] = max(item["net_mass"], round(item["gross_mass"] * keep, 1))
        item["invoice_amount"] = max(0.01, round(item["invoice_amount"] * keep, 2))
        item["customs_value"] = round((item["invoice_amount"] + it.add) * sh.rate, 2)
        out.append({"index": i, "kind": "quantity", "declared": {k: item[k] for k in fields}, "true": true,
                    "cut": round(1 - keep, 4)})
    rec["consignment"]["gross_mass"] = round(sum(g["gross_mass"] for g in goods), 1)
    return out


INJECTORS = {
    "undervaluation": undervaluation,
    "misclassification": misclassification,
    "origin": origin,
    "quantity": quantity,
}


def split(f: Factory, sh: Shipment, threshold_usd: float) -> list[dict[str, Any]] | None:
    """The shipment as several import declarations each under ``threshold_usd``, or None."""
    cat = f.world.catalogue
    usd = USD_VALUE[sh.currency]
    total = sum(it.amount for it in sh.items) * usd
    k = max(2, math.ceil(total / (0.85 * threshold_usd)))
    if k > 8:
        return None
    rng = f.rng
    raw = [1.0 + rng.uniform(-0.1, 0.1) for _ in range(k)]
    fractions = [r / sum(raw) for r in raw]
    per_item: list[list[float]] = []
    for it in sh.items:
        if cat.goods[it.goods].counted:
            if it.quantity < 3 * k:
                return None
            counts = [round(it.quantity * fr) for fr in fractions[:-1]]
            counts.append(int(it.quantity) - sum(counts))
            if min(counts) < 1:
                return None
            per_item.append([c / it.quantity for c in counts])
        else:
            digits = 1 if cat.goods[it.goods].unit == "KGM" else 2
            amounts = [round(it.quantity * fr, digits) for fr in fractions[:-1]]
            amounts.append(round(it.quantity - sum(amounts), digits))
            if min(amounts) <= 0:
                return None
            per_item.append([a / it.quantity for a in amounts])
    parts = []
    for j in range(k):
        scales = [s[j] for s in per_item]
        if sum(it.amount * s for it, s in zip(sh.items, scales, strict=True)) * usd >= threshold_usd:
            return None
        parts.append(scales)
    return [f.import_record(sh, scales) for scales in parts]


def truth_entry(
    rec: dict[str, Any], sh: Shipment, kinds: list[str], items: Truth, export_key: str | None
) -> dict[str, Any]:
    """One line of ``truth.jsonl``."""
    return {
        "key": natural_key(rec),
        "lrn": rec["lrn"],
        "declarant": rec["declarant"]["identifier"],
        "ucr": sh.ucr,
        "date": rec["date"],
        "export_key": export_key,
        "kinds": kinds,
        "items": items,
    }
