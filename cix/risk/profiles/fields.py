"""The facts a risk profile condition can read: every field, its type and what it means.

Facts of one declaration are a flat dict keyed by the dotted field name (``"importer.aeo"``), plus
``"items"`` (one dict per goods item, keyed by the part after ``item.``) and ``"discrepancies"``
(one dict per matching discrepancy, keyed by the part after ``discrepancy.``), and ``"_chapters"``
(the set of the items' HS chapters, a shortcut for ``any``; optional). Any value may be
``None`` (unknown): a comparison with an unknown value is false (except ``== null``), arithmetic
with it is unknown. :mod:`cix.risk.profiles.facts` builds them; ``docs/risk-profiles.md`` lists them.
"""

from __future__ import annotations

BOOL, NUMBER, STRING, DATE, LIST, NULL = "bool", "number", "string", "date", "list", "null"

# scope "" = the declaration; "item" and "discrepancy" exist only inside any/all/count/sum/min/max.
COLLECTIONS = {"item": "items", "discrepancy": "discrepancies"}

FIELDS: dict[str, tuple[str, str]] = {
    # the declaration
    "declaration.kind": (STRING, "import, export, transit or preliminary"),
    "declaration.office": (STRING, "declaration office (else office of entry)"),
    "declaration.procedure": (STRING, "customs procedure code, e.g. 4000"),
    "declaration.date": (DATE, "acceptance date"),
    "declaration.weekday": (NUMBER, "day of the week of the date, 1 = Monday ... 7 = Sunday"),
    "declaration.source": (STRING, "where the record came from (file, partner)"),
    "declaration.dispatch_country": (STRING, "country of dispatch / export"),
    "declaration.destination_country": (STRING, "country of destination"),
    "declaration.routing": (LIST, "countries of routing, in order"),
    "declaration.transport_mode": (STRING, "UN/ECE Rec 19 mode at the border (else on arrival): 1 sea ... 5 post"),
    "declaration.transport_nationality": (STRING, "nationality of the means of transport at the border"),
    "declaration.item_count": (NUMBER, "number of goods items"),
    "declaration.container_count": (NUMBER, "number of containers"),
    "declaration.total_value": (NUMBER, "sum of the items' customs values (national currency)"),
    "declaration.total_invoice": (NUMBER, "sum of the items' invoice amounts (their currencies mixed)"),
    "declaration.total_duty": (NUMBER, "sum over items of customs value x tax rate / 100"),
    "declaration.gross_mass": (NUMBER, "total gross mass, kg (else the sum over items)"),
    "declaration.has_ucr": (BOOL, "whether a UCR was declared"),
    # parties
    "importer.id": (STRING, "importer identifier"),
    "importer.country": (STRING, "importer country"),
    "importer.aeo": (BOOL, "importer is an authorised economic operator"),
    "importer.declarations": (NUMBER, "declarations of this importer stored with an earlier date"),
    "importer.days_known": (NUMBER, "days since the importer's first stored declaration (null: first one)"),
    "importer.inspections": (NUMBER, "inspections of the importer's declarations done before the date"),
    "importer.frauds": (NUMBER, "of those, inspections that found fraud"),
    "importer.hit_rate": (NUMBER, "frauds / inspections (null: never inspected)"),
    "exporter.id": (STRING, "exporter identifier"),
    "exporter.country": (STRING, "exporter country"),
    "exporter.aeo": (BOOL, "exporter is an authorised economic operator"),
    "declarant.id": (STRING, "declarant (customs broker) identifier"),
    "declarant.country": (STRING, "declarant country"),
    "declarant.aeo": (BOOL, "declarant is an authorised economic operator"),
    "declarant.inspections": (NUMBER, "inspections of the declarant's declarations done before the date"),
    "declarant.frauds": (NUMBER, "of those, inspections that found fraud"),
    "declarant.hit_rate": (NUMBER, "frauds / inspections (null: never inspected)"),
    "carrier.id": (STRING, "carrier identifier"),
    "carrier.country": (STRING, "carrier country"),
    "carrier.aeo": (BOOL, "carrier is an authorised economic operator"),
    # matching with partner export data (null when matching did not run)
    "matching.status": (STRING, "matched, pending, ambiguous or unmatched"),
    "matching.clean": (BOOL, "matched with no discrepancy above severity low"),
    "matching.discrepancy_count": (NUMBER, "number of discrepancies"),
    "matching.max_severity": (STRING, "none, low, medium or high"),
    "matching.duty_at_stake": (NUMBER, "duty at stake over all discrepancies"),
    # valuation (null when valuation did not run)
    "valuation.flagged": (BOOL, "an item's unit value is far below its price reference"),
    "valuation.max_score": (NUMBER, "highest undervaluation score over the items"),
    "valuation.undervalued_amount": (NUMBER, "value missing against the references"),
    "valuation.duty_at_stake": (NUMBER, "duty on that missing value"),
    # goods items (inside any/all/count/sum/min/max)
    "item.seq": (NUMBER, "position of the item, from 1"),
    "item.hs_code": (STRING, "HS / national code, digits only"),
    "item.chapter": (STRING, "first two digits of the code"),
    "item.heading": (STRING, "first four digits of the code"),
    "item.origin": (STRING, "country of origin"),
    "item.description": (STRING, "goods description"),
    "item.quantity": (NUMBER, "quantity in the unit"),
    "item.unit": (STRING, "UN/ECE Rec 20 unit code"),
    "item.net_mass": (NUMBER, "net mass, kg"),
    "item.gross_mass": (NUMBER, "gross mass, kg"),
    "item.invoice_amount": (NUMBER, "invoice amount in its currency"),
    "item.currency": (STRING, "invoice currency"),
    "item.customs_value": (NUMBER, "customs value (national currency)"),
    "item.tax_rate": (NUMBER, "duty rate, percent"),
    "item.duty": (NUMBER, "customs value x tax rate / 100"),
    "item.unit_value": (NUMBER, "customs value per unit of quantity"),
    "item.value_per_kg": (NUMBER, "customs value per kg net"),
    "item.incoterm": (STRING, "Incoterms code"),
    "item.preference": (STRING, "duty regime / preference code (100 general, 300 preferential)"),
    "item.value_score": (NUMBER, "the valuation score of this item (null: not valued)"),
    "item.price_flagged": (BOOL, "valuation flagged this item"),
    # matching discrepancies (inside any/all/count/sum/min/max)
    "discrepancy.kind": (STRING, "what differs: e.g. hs_code, origin, quantity, value, mass"),
    "discrepancy.severity": (STRING, "low, medium or high"),
    "discrepancy.item": (NUMBER, "item position, null for the whole declaration"),
    "discrepancy.duty_at_stake": (NUMBER, "duty at stake"),
}

# Functions: name -> (argument kinds, result type). "cond" = a condition over a collection,
# "value" = a number over a collection.
FUNCTIONS: dict[str, str] = {
    "any": "true when the condition holds for at least one element",
    "all": "true when the condition holds for every element (and there is at least one)",
    "count": "number of elements for which the condition holds",
    "sum": "sum of a number over the elements (unknown ones skipped; 0 when none)",
    "min": "smallest value over the elements (null when none)",
    "max": "largest value over the elements (null when none)",
    "len": "number of elements of a list field",
    "date": 'a date from a literal "YYYY-MM-DD"',
    "lower": "a text in lower case",
    "upper": "a text in upper case",
}


def scope_of(name: str) -> str:
    """The collection a field belongs to ("" for the declaration).

    >>> scope_of("item.origin"), scope_of("importer.aeo")
    ('item', '')
    """
    head = name.split(".", 1)[0]
    return head if head in COLLECTIONS else ""
