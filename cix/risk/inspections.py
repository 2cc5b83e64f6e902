"""Inspection results coming back: one through the API, many from a CSV file, bad ones kept with reasons.

A result names the declaration (its store id, or its natural key), when it was inspected, by whom,
what was found (``fraud`` or ``no_fraud``), the duty recovered (optional, ≥ 0) and whether the fraud
was critical (threatens public safety: ``1``/``0``, ``true``/``false``, ``yes``/``no``). Every problem of
a row is reported at once as ``{rule, path, value, message}``; a rejected row is kept in
``inspection_rejections`` with its raw text and problems, never dropped. Results feed the hit rates
of :mod:`cix.risk.feedback` and the training of the node model (:mod:`cix.risk.registry`).

CSV columns are read by name: ``declaration_id, inspected_at, officer, result`` are required,
``duty_recovered`` and ``critical`` optional.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, select

from cix.errors import InputError, NotFound, ValidationFailed
from cix.i18n import _
from cix.model.problems import Problem
from cix.store import audit
from cix.store.db import Store
from cix.store.schema import declarations, inspections
from cix.store.tables_risk import inspection_rejections

RESULTS = ("fraud", "no_fraud")
REQUIRED = ("declaration_id", "inspected_at", "officer", "result")
OPTIONAL = ("duty_recovered", "critical")
_TRUE = {"1", "true", "yes", "y", "2"}
_FALSE = {"0", "false", "no", "n", ""}


def _p(rule: str, field: str, value: Any, message: str) -> Problem:
    return Problem(rule, "/" + field, value, message)


def check(raw: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A raw result (text or JSON values) as a row for ``inspections``, or the problems that stop it.

    ``declaration_ref`` in the returned row is the id (int) or natural key (str) still to be resolved.
    """
    problems: list[Problem] = []
    out: dict[str, Any] = {}
    for f in REQUIRED:
        v = raw.get(f)
        if v is None or (isinstance(v, str) and not v.strip()):
            problems.append(_p("inspection.required", f, v, _("the column {field} is required").format(field=f)))
    ref = raw.get("declaration_id")
    if isinstance(ref, int) and not isinstance(ref, bool):
        out["declaration_ref"] = ref
    elif isinstance(ref, str) and ref.strip():
        s = ref.strip()
        out["declaration_ref"] = int(s) if s.isdigit() else s
    at = raw.get("inspected_at")
    if isinstance(at, str) and at.strip():
        try:
            t = dt.datetime.fromisoformat(at.strip().replace("Z", "+00:00"))
            out["inspected_at"] = t if t.tzinfo else t.replace(tzinfo=dt.UTC)
        except ValueError:
            problems.append(_p("inspection.date", "inspected_at", at, _("not an ISO 8601 date or date and time")))
    officer = raw.get("officer")
    if isinstance(officer, str) and officer.strip():
        if len(officer.strip()) > 80:
            problems.append(_p("inspection.length", "officer", officer, _("at most 80 characters")))
        out["officer"] = officer.strip()[:80]
    result = raw.get("result")
    if isinstance(result, str) and result.strip():
        r = result.strip().lower()
        if r not in RESULTS:
            problems.append(_p("inspection.result", "result", result, _("the result is fraud or no_fraud")))
        out["result"] = r
    duty = raw.get("duty_recovered")
    out["duty_recovered"] = None
    if duty is not None and str(duty).strip():
        try:
            d = float(duty)
            if not math.isfinite(d) or d < 0:
                raise ValueError
            out["duty_recovered"] = d
        except (TypeError, ValueError):
            problems.append(
                _p("inspection.amount", "duty_recovered", duty, _("the duty recovered is a number, 0 or more"))
            )
    crit = raw.get("critical")
    c = str(crit).strip().lower() if crit is not None else ""
    if isinstance(crit, bool):
        c = "1" if crit else "0"
    if c in _TRUE:
        out["critical"] = 1
    elif c in _FALSE:
        out["critical"] = 0
    else:
        problems.append(_p("inspection.critical", "critical", crit, _("critical is 1/0, true/false or yes/no")))
    if out.get("critical") and out.get("result") == "no_fraud":
        problems.append(_p("inspection.critical", "critical", crit, _("a critical result must be fraud")))
    return (None if problems else out), problems


def _resolve(conn: Connection, refs: list[int | str]) -> dict[int | str, int]:
    ids = [r for r in refs if isinstance(r, int)]
    keys = [r for r in refs if isinstance(r, str)]
    found: dict[int | str, int] = {}
    for i in range(0, len(ids), 900):
        for (did,) in conn.execute(select(declarations.c.id).where(declarations.c.id.in_(ids[i : i + 900]))):
            found[did] = did
    for i in range(0, len(keys), 900):
        q = select(declarations.c.natural_key, declarations.c.id).where(
            declarations.c.natural_key.in_(keys[i : i + 900])
        )
        for k, did in conn.execute(q):
            found[k] = did
    return found


def record_many(
    conn: Connection, raws: Iterable[tuple[str, Mapping[str, Any]]], *, source: str | None = None
) -> dict[str, Any]:
    """Record results (``(locator, raw)`` pairs); bad ones go to ``inspection_rejections``. Returns counts."""
    checked: list[tuple[str, Mapping[str, Any], dict[str, Any] | None, list[Problem]]] = []
    for loc, raw in raws:
        row, problems = check(raw)
        checked.append((loc, raw, row, problems))
    found = _resolve(conn, [r["declaration_ref"] for _l, _r, r, _p in checked if r is not None])
    now = dt.datetime.now(dt.UTC)
    good: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for loc, raw, row, problems in checked:
        if row is not None and row["declaration_ref"] not in found:
            problems = [
                _p("inspection.declaration", "declaration_id", row["declaration_ref"], _("no such declaration"))
            ]
            row = None
        if row is None:
            entry = {"locator": loc, "problems": [p.to_dict() for p in problems]}
            rejected.append(entry)
            bad.append(
                {"created_at": now, "source": source[:200] if source else None, "locator": loc,
                 "raw": orjson.dumps(dict(raw), default=str).decode(), "problems": entry["problems"]}
            )  # fmt: skip
            continue
        ref = row.pop("declaration_ref")
        good.append(
            row | {"declaration_id": found[ref], "source": source[:200] if source else None, "recorded_at": now}
        )
    if good:
        conn.execute(inspections.insert(), good)
        audit.append(
            conn,
            [
                {
                    "event": "inspection.recorded",
                    "actor": row.get("officer") or (source or "")[:80] or None,
                    "subject": str(row["declaration_id"]),
                    "details": {"result": row["result"], "duty_recovered": row.get("duty_recovered"),
                                "critical": row.get("critical")},
                }
                for row in good
            ],
        )  # fmt: skip
    if bad:
        conn.execute(inspection_rejections.insert(), bad)
    return {
        "read": len(checked),
        "recorded": len(good),
        "rejected": len(bad),
        "rejections": rejected,
        "declaration_ids": [g["declaration_id"] for g in good],
    }


def record_one(store: Store, raw: Mapping[str, Any], *, source: str | None = None) -> dict[str, Any]:
    """Record one result and return it; a bad one is kept in ``inspection_rejections``, then refused.

    Raises NotFound (no such declaration) or ValidationFailed (with every problem) after the
    rejection has been committed, so it is kept.
    """
    with store.write() as conn:
        r = record_many(conn, [("api", raw)], source=source)
    if r["rejected"]:
        problems = r["rejections"][0]["problems"]
        if any(p["rule"] == "inspection.declaration" for p in problems):
            raise NotFound(_("no such declaration"), details={"problems": problems})
        raise ValidationFailed(_("the inspection result has errors"), details={"problems": problems})
    with store.read() as conn:
        return for_declaration(conn, r["declaration_ids"][0])[-1]


def import_csv(store: Store, path: Path) -> dict[str, Any]:
    """Record every row of a CSV file in one transaction (columns by name)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(_("cannot read {path}: {reason}").format(path=path, reason=exc.strerror)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(_("{path} is not UTF-8 text").format(path=path)) from exc
    reader = csv.DictReader(io.StringIO(text))
    names = [n.strip() for n in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise InputError(_("{path} has no column {column}").format(path=path, column=", ".join(missing)))
    reader.fieldnames = names
    rows = [(f"{Path(path).name}:{n}", {k: v for k, v in r.items() if k}) for n, r in enumerate(reader, 2)]
    with store.write() as conn:
        out = record_many(conn, rows, source=Path(path).name)
    out.pop("declaration_ids")
    return out


def for_declaration(conn: Connection, declaration_id: int) -> list[dict[str, Any]]:
    """The recorded inspections of a declaration, oldest first."""
    q = select(inspections).where(inspections.c.declaration_id == declaration_id).order_by(inspections.c.id)
    return [dict(r) for r in conn.execute(q).mappings()]


def rejections(conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
    q = select(inspection_rejections).order_by(inspection_rejections.c.id.desc()).limit(limit)
    return [dict(r) for r in conn.execute(q).mappings()]


def get_declaration_id(conn: Connection, ref: str | int) -> int:
    found = _resolve(conn, [int(ref) if isinstance(ref, str) and ref.isdigit() else ref])
    if not found:
        raise NotFound(_("no such declaration: {ref}").format(ref=ref))
    return next(iter(found.values()))
