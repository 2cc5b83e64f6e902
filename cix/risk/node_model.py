"""The node's targeting model: the KCS :class:`TargetingModel` over the node's own declarations.

A stored declaration becomes one row of the KCS shape (:data:`cix.risk.targeting.data.COLUMNS`),
so the same learner, the same strictly-earlier history features and the same explanation serve the
node: the office, procedure, declaration kind, incoterm, transport mode, declarant, importer, seller
(the exporter), carrier, the HS6 code / origin / tax rate / tax type / preference of the goods item
with the largest customs value, the country of dispatch, the total net mass and the total customs
value. To these the node adds what the earlier steps of the path found (:data:`EXTRAS`): the
valuation score and flag, the undervalued amount, the matching status, the number and severity of
discrepancies, the duty at stake, and the importer's AEO status. The same values are stored with
each decision (``risk_decisions.inputs``) so that retraining sees exactly what the decision saw.

Labels come from the ``inspections`` table: ``Fraud`` is 1 when an inspection found fraud,
``Critical Fraud`` is 2 when it was critical (1 for other fraud, 0 for none).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from cix.errors import InputError
from cix.i18n import _
from cix.risk.targeting import data as kcs
from cix.risk.targeting.model import TargetingModel
from cix.store.schema import declarations, goods_items, inspections
from cix.store.tables_risk import risk_decisions

EXTRAS = (
    "x_val_score",
    "x_val_flag",
    "x_val_under",
    "x_match_status",
    "x_disc_n",
    "x_disc_high",
    "x_disc_duty",
    "x_aeo",
)
#: Fewer, faster trees than the KCS model: the node scores every batch of the declaration path with it.
ROUNDS = {"fraud": 150, "critical": 80, "general": 80}
LEARNING_RATE = 0.08
_MATCH_CODES = {"matched": 1.0, "pending": 2.0, "ambiguous": 3.0, "unmatched": 4.0}


def inputs_of(valuation: Mapping[str, Any] | None, matching: Mapping[str, Any] | None, aeo: bool) -> dict[str, float]:
    """The extra model inputs of one declaration from the valuation and matching results (missing → NaN)."""
    nan = math.nan
    out = dict.fromkeys(EXTRAS, nan)
    if valuation:
        out["x_val_score"] = float(valuation.get("max_score") or 0.0)
        out["x_val_flag"] = 1.0 if valuation.get("flagged") else 0.0
        out["x_val_under"] = math.log1p(max(float(valuation.get("undervalued_amount") or 0.0), 0.0))
    if matching:
        disc = matching.get("discrepancies") or []
        out["x_match_status"] = _MATCH_CODES.get(str(matching.get("status")), 0.0)
        out["x_disc_n"] = float(len(disc))
        out["x_disc_high"] = float(sum(1 for d in disc if d.get("severity") == "high"))
        duty = sum(float(d.get("duty_at_stake") or 0.0) for d in disc)
        out["x_disc_duty"] = math.log1p(max(duty, 0.0))
    out["x_aeo"] = 1.0 if aeo else 0.0
    return out


def _main_item(goods: list[dict[str, Any]]) -> dict[str, Any]:
    if not goods:
        return {}
    return max(goods, key=lambda g: g.get("customs_value") or g.get("invoice_amount") or 0.0)


def kcs_row(row: Mapping[str, Any], goods: list[dict[str, Any]], decl: Any) -> dict[str, Any]:
    """One declaration as a row of the KCS shape (text columns, as :func:`kcs.read_kcs` gives them)."""
    g = _main_item(goods)
    cons = getattr(decl, "consignment", None)
    transport = getattr(cons, "arrival_transport", None) or getattr(cons, "border_transport", None)
    carrier = getattr(decl, "carrier", None)
    gi = None
    if decl is not None and decl.goods:
        seq = int(g.get("seq") or 1)
        gi = decl.goods[seq - 1] if 0 < seq <= len(decl.goods) else decl.goods[0]
    mass = sum(float(x.get("net_mass") or 0.0) for x in goods)
    value = sum(float(x.get("customs_value") or x.get("invoice_amount") or 0.0) for x in goods)
    tax = g.get("tax_rate")
    declared_on = row.get("declared_on")
    return {
        kcs.ID: str(row.get("id", "")),
        kcs.DATE: declared_on.isoformat() if isinstance(declared_on, dt.date) else declared_on,
        "Office ID": row.get("office") or "",
        "Process Type": getattr(decl, "procedure", None) or "",
        "Import Type": row.get("kind") or "",
        "Import Use": "",
        "Payment Type": (gi.incoterm if gi is not None else None) or "",
        "Mode of Transport": transport.mode.value if transport is not None else "",
        "Declarant ID": row.get("declarant_id") or "",
        "Importer ID": row.get("importer_id") or "",
        "Seller ID": row.get("exporter_id") or "",
        "Courier ID": (carrier.identifier if carrier is not None else None) or "",
        "HS6 Code": str(g.get("hs_code") or "")[:6],
        "Country of Departure": (cons.country_of_dispatch if cons is not None else None) or "",
        "Country of Origin": g.get("origin") or "",
        "Tax Rate": "" if tax is None else str(tax),
        "Tax Type": (gi.tax_type if gi is not None else None) or "",
        "Country of Origin Indicator": (gi.preference if gi is not None else None) or "",
        "Net Mass": str(mass) if mass > 0 else None,
        "Item Price": str(value) if value > 0 else None,
    }


_SCHEMA = {c: pl.String for c in kcs.COLUMNS if c not in kcs.LABELS}


def frame(rows: Iterable[dict[str, Any]], inputs: Iterable[Mapping[str, float]]) -> pl.DataFrame:
    """Prepared KCS-shaped rows with the extra inputs as float columns (labels, if given, kept)."""
    rows = list(rows)
    base = pl.DataFrame([{c: r.get(c) for c in _SCHEMA} for r in rows], schema=_SCHEMA, orient="row")
    df = kcs.prepare(base)
    extra = pl.DataFrame(
        [[float(i.get(c, math.nan)) for c in EXTRAS] for i in inputs],
        schema=dict.fromkeys(EXTRAS, pl.Float64),
        orient="row",
    )
    if extra.height != df.height:
        extra = pl.DataFrame({c: [math.nan] * df.height for c in EXTRAS}, schema=dict.fromkeys(EXTRAS, pl.Float64))
    df = pl.concat([df, extra.fill_nan(None)], how="horizontal")
    for c in kcs.LABELS:
        if rows and c in rows[0]:
            df = df.with_columns(pl.Series(c, [str(r[c]) for r in rows]))
    return df


def training_rows(conn: Connection, *, since: dt.date | None = None, until: dt.date | None = None) -> pl.DataFrame:
    """The node's inspected import declarations as labelled rows (the last inspection of each counts)."""
    from cix.model.declaration import Declaration

    q = (
        select(declarations, inspections.c.result, inspections.c.critical, risk_decisions.c.inputs)
        .join(inspections, inspections.c.declaration_id == declarations.c.id)
        .outerjoin(risk_decisions, risk_decisions.c.declaration_id == declarations.c.id)
        .where(declarations.c.kind == "import")
        .order_by(declarations.c.id, inspections.c.id)
    )
    if since is not None:
        q = q.where(declarations.c.declared_on >= since)
    if until is not None:
        q = q.where(declarations.c.declared_on <= until)
    by_id: dict[int, dict[str, Any]] = {}
    for m in conn.execute(q).mappings():
        by_id[m["id"]] = dict(m)  # later inspections of the same declaration win
    goods: dict[int, list[dict[str, Any]]] = {}
    ids = list(by_id)
    for i in range(0, len(ids), 900):
        for g in conn.execute(select(goods_items).where(goods_items.c.declaration_id.in_(ids[i : i + 900]))).mappings():
            goods.setdefault(g["declaration_id"], []).append(dict(g))
    rows, inputs = [], []
    for did, r in by_id.items():
        decl = Declaration.model_validate_json(r["data"])
        k = kcs_row(r, sorted(goods.get(did, []), key=lambda g: g["seq"]), decl)
        fraud = r["result"] == "fraud"
        k[kcs.FRAUD] = 1 if fraud else 0
        k[kcs.CRITICAL] = (2 if r["critical"] else 1) if fraud else 0
        rows.append(k)
        stored_inputs = r["inputs"] or inputs_of(None, None, bool(decl.importer and decl.importer.aeo))
        inputs.append({c: (math.nan if stored_inputs.get(c) is None else stored_inputs[c]) for c in EXTRAS})
    return frame(rows, inputs)


def fit(rows: pl.DataFrame, *, seed: int = 0) -> TargetingModel:
    """Train the node model on labelled rows (time-split validation inside, as for KCS)."""
    if rows.height < 10:
        raise InputError(_("too few inspected declarations to train on: {n}").format(n=rows.height))
    return TargetingModel.fit(rows, seed=seed, extras=EXTRAS, rounds=ROUNDS, learning_rate=LEARNING_RATE)


def to_bytes(model: TargetingModel) -> bytes:
    """The model directory as one zip (what the registry stores)."""
    with tempfile.TemporaryDirectory(prefix="cix-model-") as tmp:
        model.save(Path(tmp))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for p in sorted(Path(tmp).rglob("*")):
                if p.is_file():
                    z.write(p, p.relative_to(tmp).as_posix())
        return buf.getvalue()


def from_bytes(blob: bytes) -> TargetingModel:
    with tempfile.TemporaryDirectory(prefix="cix-model-") as tmp:
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            z.extractall(tmp)
        return TargetingModel.load(Path(tmp))
