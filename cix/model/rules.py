"""Validation rules of a declaration: every problem of a record, at once, with rule, path and value.

:func:`validate` runs the pydantic shape check and then the rules that need reference data (HS
editions, countries, currencies, units, check digits, dates, quantities, mandatory fields by kind)
over the same input, so a record with a bad type *and* an unknown HS code reports both. Rules work
on the plain input mapping, reading defensively (a value of the wrong type is the shape check's to
report). The rule ids are listed in :data:`RULES`; ``docs/validation.md`` documents each one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pydantic import ValidationError
from stdnum.exceptions import InvalidChecksum

from cix.i18n import _
from cix.identifiers import container as container_id
from cix.identifiers import hs as hs_id
from cix.identifiers import imo as imo_id
from cix.model.declaration import Declaration
from cix.model.problems import Problem, pointer
from cix.reference import countries as ref_countries
from cix.reference import hs as ref_hs
from cix.reference.units import is_unit

RULES: dict[str, str] = {
    "schema.required": "A field the record must carry is missing.",
    "schema.type": "A value has the wrong type or shape.",
    "schema.unknown_field": "A field the model does not know (a typing error in a field name).",
    "schema.enum": "A value outside the allowed codes.",
    "schema.too_long": "A text longer than its element allows.",
    "number.format": "A number that does not parse.",
    "date.format": "A date that does not parse (ISO 8601, YYYY-MM-DD).",
    "date.future": "A date that lies in the future.",
    "required": "A field mandatory for this kind of declaration is missing.",
    "key.missing": "Neither an MRN nor a declarant identifier with an LRN: the record has no natural key.",
    "hs.format": "An HS code that is not 6 to 10 digits.",
    "hs.unknown": "An HS subheading that is not in the edition in force (nearest codes suggested).",
    "hs.other_edition": "An HS subheading of another edition than the one in force.",
    "hs.edition": "An HS edition name that cix does not know.",
    "country.unknown": "A country code that is not ISO 3166-1 alpha-2.",
    "country.unspecified": "Country ZZ (unknown) given: stored and flagged.",
    "currency.unknown": "A currency code that is not ISO 4217.",
    "unit.unknown": "A unit code that is not a UN/ECE Recommendation 20 code cix knows.",
    "incoterm.unknown": "An Incoterms code that is not in Incoterms 2020 or 2010.",
    "container.format": "A container number that is not ISO 6346 shaped.",
    "container.check_digit": "A container number whose ISO 6346 check digit is wrong.",
    "imo.format": "An IMO ship number that is not 7 digits.",
    "imo.check_digit": "An IMO ship number whose check digit is wrong.",
    "value.negative": "A negative quantity, mass, amount or rate.",
    "value.absurd": "A quantity, mass, amount or rate beyond any plausible value.",
    "value.zero": "A zero mass or amount (free samples, rounding): stored and flagged.",
    "tax_rate.high": "A tax rate above 100 % (real tariffs have them): stored and flagged.",
    "mass.net_above_gross": "Net mass above gross mass.",
}

INCOTERMS_2020 = ("EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP")
INCOTERMS = frozenset((*INCOTERMS_2020, "DAT", "DAF", "DES", "DEQ", "DDU"))  # older ones still on invoices
# Ceilings beyond which a value is taken for a keying error rather than a real consignment.
ABSURD = {"mass": 1e9, "quantity": 1e12, "amount": 1e13, "tax_rate": 1000.0}

# Mandatory fields by kind of declaration: (path parts, message).
_MANDATORY: dict[str, list[tuple[tuple[str, ...], str]]] = {
    "import": [(("importer",), "An import declaration needs an importer.")],
    "export": [(("exporter",), "An export declaration needs an exporter.")],
    "transit": [
        (("consignment", "office_of_departure"), "A transit declaration needs an office of departure."),
        (("consignment", "office_of_destination"), "A transit declaration needs an office of destination."),
    ],
    "preliminary": [
        (("consignment", "office_of_entry"), "Preliminary information needs the office of entry."),
        (("consignment", "arrival_transport"), "Preliminary information needs the means of transport."),
    ],
}

_PYDANTIC_RULES = {
    "missing": "schema.required",
    "extra_forbidden": "schema.unknown_field",
    "enum": "schema.enum",
    "literal_error": "schema.enum",
    "string_too_long": "schema.too_long",
    "float_parsing": "number.format",
    "float_type": "number.format",
    "finite_number": "number.format",
    "int_parsing": "number.format",
    "date_parsing": "date.format",
    "date_from_datetime_parsing": "date.format",
    "date_type": "date.format",
    "date_from_datetime_inexact": "date.format",
}


_MESSAGES = {
    "schema.required": "This field is required.",
    "schema.unknown_field": "Unknown field.",
    "number.format": "Not a number.",
    "date.format": "Not a date (YYYY-MM-DD).",
}


def _shape_problems(exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        rule = _PYDANTIC_RULES.get(err["type"], "schema.type")
        value = None if err["type"] == "missing" else err.get("input")
        if isinstance(value, (dict, list)):
            value = None
        message = _(_MESSAGES[rule]) if rule in _MESSAGES else err["msg"]
        out.append(Problem(rule, pointer(*err["loc"]), value, message))
    return out


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            return None
        return f if math.isfinite(f) else None
    return None


def _date(v: Any) -> dt.date | None:
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


@lru_cache(maxsize=4096)
def _edition_for(date: dt.date | None, name: str | None) -> ref_hs.HsEdition | None:
    if name:
        return ref_hs.edition(name)
    if date is None:
        return None
    return ref_hs.edition_for(date)


_COUNTRIES: frozenset[str] = frozenset()  # filled on first use (pycountry is slow to import)
_CURRENCIES: frozenset[str] = frozenset()


def _load_code_sets() -> None:
    global _COUNTRIES, _CURRENCIES
    _COUNTRIES = ref_countries.country_codes() - {"ZZ"}
    _CURRENCIES = ref_countries.currency_codes()


class _Checker:
    """Collects the problems of one record."""

    __slots__ = ("edition", "out", "today")

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.out: list[Problem] = []
        self.edition: ref_hs.HsEdition | None = None

    def add(self, rule: str, path: str, value: Any, message: str, severity: str = "error") -> None:
        self.out.append(Problem(rule, path, value, message, severity))  # type: ignore[arg-type]

    def country(self, v: Any, path: str) -> None:
        if v.__class__ is not str or not v or v in _COUNTRIES:
            return
        if v == "ZZ":
            self.add("country.unspecified", path, v, _("Country ZZ (unknown)."), "warning")
        elif not ref_countries.is_country(v):
            self.add("country.unknown", path, v, _("Not an ISO 3166-1 alpha-2 country code."))

    def currency(self, v: Any, path: str) -> None:
        if v.__class__ is str and v and v not in _CURRENCIES and not ref_countries.is_currency(v):
            self.add("currency.unknown", path, v, _("Not an ISO 4217 currency code."))

    def amount(self, v: Any, path: str, kind: str, *, zero_warns: bool = False) -> float | None:
        if (v.__class__ is float or v.__class__ is int) and 0 < v <= ABSURD[kind]:
            return v
        f = _num(v)
        if f is None:
            return None
        if f < 0:
            self.add("value.negative", path, v, _("Must not be negative."))
        elif f > ABSURD[kind]:
            self.add("value.absurd", path, v, _("Beyond any plausible value."))
        elif f == 0 and zero_warns:
            self.add("value.zero", path, v, _("Zero (free sample or rounding?)."), "warning")
        return f

    def hs_code(self, v: Any, path: str) -> None:
        if v.__class__ is not str:
            return
        ed = self.edition
        if ed is not None and 6 <= len(v) <= 10 and v.isdigit() and ed.has_subheading(v[:6]):
            return
        try:
            code = hs_id.validate(v)
        except Exception:
            self.add("hs.format", path, v, _("An HS code has 6 to 10 digits."))
            return
        ed = self.edition
        if ed is None:
            return
        sub = code[:6]
        if ed.has_subheading(sub):
            return
        others = [e.name for e in ref_hs.editions() if e.name != ed.name and e.has_subheading(sub)]
        if others:
            self.add(
                "hs.other_edition",
                path,
                v,
                _("Subheading {sub} is in {others}, not in {ed}, the edition in force.").format(
                    sub=sub, others=", ".join(others), ed=ed.name
                ),
            )
        else:
            near = ed.suggest(sub, limit=3)
            self.add(
                "hs.unknown",
                path,
                v,
                _("Subheading {sub} is not in {ed}; nearest: {near}.").format(
                    sub=sub, ed=ed.name, near=", ".join(near) or "-"
                ),
            )

    def transport(self, mt: Any, path: str) -> None:
        if not isinstance(mt, dict):
            return
        self.country(mt.get("nationality"), path + "/nationality")
        ident = mt.get("identity")
        if mt.get("identity_type") == "imo" and isinstance(ident, str):
            try:
                imo_id.validate(ident)
            except InvalidChecksum:
                self.add("imo.check_digit", path + "/identity", ident, _("IMO check digit is wrong."))
            except Exception:
                self.add("imo.format", path + "/identity", ident, _("An IMO number has 7 digits."))


def _get(d: Mapping[str, Any], parts: tuple[str, ...]) -> Any:
    cur: Any = d
    for p in parts:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(p)
    return cur


def check(data: Mapping[str, Any], *, today: dt.date, max_future_days: int = 1) -> list[Problem]:
    """The reference-data rules over one input record (a mapping shaped like :class:`Declaration`)."""
    if not _COUNTRIES:
        _load_code_sets()
    c = _Checker(today)
    kind = data.get("kind")
    date = _date(data.get("date"))
    if date is not None and (date - today).days > max_future_days:
        c.add("date.future", "/date", data.get("date"), _("The date lies in the future."))
    ed_name = data.get("hs_edition")
    try:
        c.edition = _edition_for(date, ed_name if isinstance(ed_name, str) else None)
    except Exception:
        if ed_name:
            c.add("hs.edition", "/hs_edition", ed_name, _("Unknown HS edition."))
    for parts, message in _MANDATORY.get(kind, []) if isinstance(kind, str) else []:
        if not _get(data, parts):
            c.add("required", pointer(*parts), None, _(message))
    if isinstance(kind, str) and kind in _MANDATORY:
        goods = data.get("goods")
        if not goods:
            c.add("required", "/goods", None, _("A declaration needs at least one goods item."))
        decl = data.get("declarant")
        has_lrn = data.get("lrn") and isinstance(decl, dict) and decl.get("identifier")
        if not data.get("mrn") and not has_lrn:
            c.add("key.missing", "/mrn", None, _("Give an MRN, or a declarant identifier and an LRN."))
    for role in ("declarant", "exporter", "importer", "carrier", "seller", "buyer"):
        party = data.get(role)
        if isinstance(party, dict):
            c.country(party.get("country"), f"/{role}/country")
    cons = data.get("consignment")
    if isinstance(cons, dict):
        for f in ("country_of_dispatch", "country_of_destination"):
            c.country(cons.get(f), f"/consignment/{f}")
        routing = cons.get("countries_of_routing")
        if isinstance(routing, list):
            for i, v in enumerate(routing):
                c.country(v, f"/consignment/countries_of_routing/{i}")
        containers = cons.get("containers")
        if isinstance(containers, list):
            for i, cont in enumerate(containers):
                num = cont.get("number") if isinstance(cont, dict) else None
                if isinstance(num, str):
                    path = f"/consignment/containers/{i}/number"
                    try:
                        container_id.validate(num)
                    except InvalidChecksum:
                        c.add("container.check_digit", path, num, _("ISO 6346 check digit is wrong."))
                    except Exception:
                        c.add("container.format", path, num, _("Not an ISO 6346 container number."))
        c.transport(cons.get("arrival_transport"), "/consignment/arrival_transport")
        c.transport(cons.get("border_transport"), "/consignment/border_transport")
        c.amount(cons.get("freight"), "/consignment/freight", "amount")
        c.amount(cons.get("insurance"), "/consignment/insurance", "amount")
        c.amount(cons.get("gross_mass"), "/consignment/gross_mass", "mass")
        c.currency(cons.get("freight_currency"), "/consignment/freight_currency")
    goods = data.get("goods")
    if isinstance(goods, list):
        for i, item in enumerate(goods):
            if isinstance(item, dict):
                _check_item(c, item, f"/goods/{i}")
    return c.out


def _check_item(c: _Checker, item: Mapping[str, Any], p: str) -> None:
    c.hs_code(item.get("hs_code"), p + "/hs_code")
    c.country(item.get("origin"), p + "/origin")
    c.currency(item.get("currency"), p + "/currency")
    unit = item.get("unit")
    if isinstance(unit, str) and unit and not is_unit(unit):
        c.add("unit.unknown", p + "/unit", unit, _("Not a UN/ECE Recommendation 20 unit code."))
    inc = item.get("incoterm")
    if isinstance(inc, str) and inc and inc.upper() not in INCOTERMS:
        c.add("incoterm.unknown", p + "/incoterm", inc, _("Not an Incoterms code."))
    c.amount(item.get("quantity"), p + "/quantity", "quantity")
    net = c.amount(item.get("net_mass"), p + "/net_mass", "mass", zero_warns=True)
    gross = c.amount(item.get("gross_mass"), p + "/gross_mass", "mass")
    if net is not None and gross is not None and net > gross > 0:
        c.add("mass.net_above_gross", p + "/net_mass", item.get("net_mass"), _("Net mass above gross mass."))
    c.amount(item.get("invoice_amount"), p + "/invoice_amount", "amount", zero_warns=True)
    c.amount(item.get("customs_value"), p + "/customs_value", "amount")
    rate = c.amount(item.get("tax_rate"), p + "/tax_rate", "tax_rate")
    if rate is not None and 100 < rate <= ABSURD["tax_rate"]:
        c.add("tax_rate.high", p + "/tax_rate", item.get("tax_rate"), _("Tax rate above 100 %."), "warning")


def validate(
    data: Mapping[str, Any], *, today: dt.date | None = None, max_future_days: int = 1
) -> tuple[Declaration | None, list[Problem]]:
    """Shape-check and rule-check one record; the declaration is None when any problem is an error."""
    today = today or dt.date.today()
    problems: list[Problem] = []
    decl: Declaration | None
    try:
        decl = Declaration.model_validate(data)
    except ValidationError as exc:
        decl = None
        problems.extend(_shape_problems(exc))
    problems.extend(check(data, today=today, max_future_days=max_future_days))
    if any(p.severity == "error" for p in problems):
        return None, problems
    return decl, problems
