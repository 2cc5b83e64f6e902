"""The built-in mapping of the Korea Customs Service synthetic import declarations (``--format kcs``).

Each row is one import declaration with one goods item; columns are read by name and optional ones
may be absent. ``Declaration ID`` is the natural key (stored as the MRN: the number customs gave the
declaration); ``HS6 Code`` lost its leading zero in the source and is left-padded to six digits;
``Item Price`` is in KRW; the labels ``Fraud`` and ``Critical Fraud``, where present, become the
recorded inspection outcome. Problems are reported against the row's own columns (``/HS6 Code``).
Besides the general rules, the layout adds: an HS code that is not exactly six digits after padding
is an error, and an empty ``Seller ID`` or ``Courier ID`` is a warning (``kcs.optional_missing``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import orjson

from cix.i18n import _
from cix.ingest.records import Incoming, dedupe, mapped_record
from cix.model import rules
from cix.model.problems import Problem

COLUMNS: dict[str, str] = {
    "Declaration ID": "/mrn",
    "Date": "/date",
    "Office ID": "/declaration_office",
    "Declarant ID": "/declarant/identifier",
    "Importer ID": "/importer/identifier",
    "Seller ID": "/seller/identifier",
    "Courier ID": "/carrier/identifier",
    "HS6 Code": "/goods/0/hs_code",
    "Country of Departure": "/consignment/country_of_dispatch",
    "Country of Origin": "/goods/0/origin",
    "Tax Rate": "/goods/0/tax_rate",
    "Tax Type": "/goods/0/tax_type",
    "Country of Origin Indicator": "/goods/0/preference",
    "Net Mass": "/goods/0/net_mass",
    "Item Price": "/goods/0/invoice_amount",
}
EXTRAS = {
    "Process Type": "kcs.process_type",
    "Import Type": "kcs.import_type",
    "Import Use": "kcs.import_use",
    "Payment Type": "kcs.payment_type",
    "Mode of Transport": "kcs.mode_of_transport",
}
LABELS = ("Fraud", "Critical Fraud")
CONSTANTS = {"/kind": "import", "/goods/0/currency": "KRW", "/goods/0/unit": "KGM", "/hs_edition": None}
PATHS: dict[str, str] = {ptr: "/" + col.replace("~", "~0").replace("/", "~1") for col, ptr in COLUMNS.items()}
PATHS.update(
    {
        "/importer": "/Importer ID",
        "/goods": "/HS6 Code",
        "/consignment/arrival_transport/mode": "/Mode of Transport",
        "/goods/0/quantity": "/Net Mass",
    }
)
# KCS transport mode codes by their first digit, to UN/ECE Recommendation 19.
_MODES = {"1": "1", "2": "2", "3": "3", "4": "4", "5": "5", "9": "9"}


def pad_hs(code: str) -> str:
    """Left-pad a numeric HS code that lost its leading zero.

    >>> pad_hs("90121"), pad_hs("870323"), pad_hs("12a")
    ('090121', '870323', '12a')
    """
    code = code.strip()
    return code.zfill(6) if code.isdigit() and len(code) < 6 else code


def _record(row: Mapping[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    constants = {k: v for k, v in CONSTANTS.items() if v is not None}
    doc = mapped_record(row, COLUMNS, constants)
    problems: list[Problem] = []
    hs = row.get("HS6 Code")
    if hs:
        padded = pad_hs(hs)
        doc["goods"][0]["hs_code"] = padded
        if not (padded.isdigit() and len(padded) == 6):
            problems.append(Problem("hs.format", "/HS6 Code", hs, _("A KCS HS6 code has six digits.")))
    else:
        problems.append(Problem("schema.required", "/HS6 Code", None, _("The HS6 code is missing.")))
        doc.setdefault("goods", [{}])[0]["hs_code"] = ""
    g = doc["goods"][0]
    if "net_mass" in g:
        g["quantity"] = g["net_mass"]
    mode = (row.get("Mode of Transport") or "").strip()
    if mode[:1] in _MODES:
        doc.setdefault("consignment", {})["arrival_transport"] = {"mode": _MODES[mode[:1]]}
    extras = {name: row[col] for col, name in EXTRAS.items() if row.get(col)}
    if extras:
        doc["extras"] = extras
    for col in ("Seller ID", "Courier ID"):
        if col in row and not (row.get(col) or "").strip():
            problems.append(
                Problem("kcs.optional_missing", "/" + col, "", _("Optional identifier is empty."), "warning")
            )
    return doc, problems


def _inspection(row: Mapping[str, str]) -> dict[str, Any] | None:
    fraud = (row.get("Fraud") or "").strip()
    if fraud not in ("0", "1"):
        return None
    crit = (row.get("Critical Fraud") or "0").strip()
    date = row.get("Date") or ""
    try:
        at = dt.datetime.fromisoformat(date).replace(tzinfo=dt.UTC)
    except ValueError:
        at = None
    return {
        "inspected_at": at,
        "officer": None,
        "result": "fraud" if fraud == "1" else "no_fraud",
        "duty_recovered": None,
        "critical": int(crit) if crit in ("0", "1", "2") else 0,
        "source": "kcs-label",
    }


def to_incoming(row: Mapping[str, str], locator: str | None = None) -> Incoming:
    """A KCS row as an :class:`Incoming` record (labels, where present, as its inspection outcome)."""
    raw = orjson.dumps(dict(row)).decode()
    doc, problems = _record(row)
    return Incoming(raw, "kcs", doc, locator, problems, _inspection(row), PATHS)


def validate_kcs_row(row: Mapping[str, str], *, today: dt.date) -> list[Problem]:
    """Every problem of one KCS row (errors and warnings), with paths to the row's columns."""
    inc = to_incoming(row)
    assert inc.data is not None
    _, found = rules.validate(inc.data, today=today)
    return dedupe(inc.problems + inc.translate(found))
