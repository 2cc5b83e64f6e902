"""The record factory: one consignment at a time, its export, import and preliminary records.

:meth:`Factory.shipment` draws the true consignment (importer and one of its regular suppliers,
route, carrier and vehicle, dates, goods with quantities, masses and invoice amounts, containers,
seals, transport document, UCR and MRN). The three renderings share its identifiers and traders:
the partner's export declaration (kind ``export``, an MRN of the exporting country, 8-digit codes,
no customs value — EU export data carries none), our import declaration (kind ``import``, 10-digit
national codes, masses off by a few per mille, freight and insurance where the incoterm leaves
them to the buyer, customs value in the national currency at the rate of the day, duty rate
from the tariff) and the carrier's preliminary information (kind ``preliminary``, before
arrival, 6-digit codes, with the means of transport). Records are plain JSON-ready dicts built
without pydantic; their natural keys are ``mrn:<MRN>`` and ``lrn:<declarant id>:<LRN>``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist
from typing import Any

from cix.generate.catalogue import ITEM_SIGMA, PRICE_SIGMA, TYPICAL_VALUE_USD
from cix.generate.fx import USD_VALUE
from cix.generate.transport import AIR, RAIL, ROAD, SEA, Numbers, Route
from cix.generate.world import World
from cix.identifiers._util import iso6346_check_digit

INCOTERMS = {
    SEA: (["FOB", "CFR", "CIF", "FCA", "EXW"], [30, 20, 20, 20, 10]),
    ROAD: (["FCA", "EXW", "DAP", "CPT"], [40, 20, 25, 15]),
    RAIL: (["FCA", "CPT", "DAP"], [50, 30, 20]),
    AIR: (["FCA", "CPT", "CIP", "EXW"], [45, 25, 15, 15]),
}
ADD_FREIGHT = frozenset({"EXW", "FCA", "FOB", "FAS"})  # buyer pays the main carriage: add freight
ADD_INSURANCE = ADD_FREIGHT | {"CFR", "CPT"}  # ... and insurance
FREIGHT_USD = {SEA: (0.12, 600.0), ROAD: (0.18, 500.0), RAIL: (0.2, 700.0), AIR: (3.0, 150.0)}  # per kg, minimum
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TABLE = 1 << 14


def lognormal_table(sigma: float) -> list[float]:
    """exp(sigma * z) at ``_TABLE`` evenly spaced quantiles of the standard normal: one list index
    per draw instead of a call to ``random.gauss`` (the hot loop's largest cost)."""
    inv = NormalDist().inv_cdf
    return [math.exp(sigma * inv((i + 0.5) / _TABLE)) for i in range(_TABLE)]


_PRICE_F = lognormal_table(PRICE_SIGMA)
_VALUE_F = lognormal_table(ITEM_SIGMA)
_FREIGHT_F = lognormal_table(0.25)


def base36(n: int) -> str:
    """``n`` in upper-case base 36.

    >>> base36(0), base36(35), base36(36 * 36)
    ('0', 'Z', '100')
    """
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _B36[r] + out
        if not n:
            return out


def seed_tag(seed: int) -> str:
    """Two characters derived from the seed, put in every reference so that runs differ.

    >>> seed_tag(1), seed_tag(1297)
    ('01', '01')
    """
    n = seed % 1296
    return _B36[n // 36] + _B36[n % 36]


@dataclass(slots=True)
class Item:
    """One goods item as it truly is: catalogue index, origin and the true figures."""

    goods: int
    origin: str
    quantity: float
    net: float
    gross: float
    amount: float  # invoice amount in the invoice currency
    add: float = 0.0  # its share of freight and insurance to add for the customs value


@dataclass(slots=True)
class Shipment:
    """One consignment as it truly is; the records are renderings of it."""

    number: int
    ucr: str
    mrn: str
    export_lrn: str
    day: int  # date of the import declaration (ordinal)
    arrival: int
    export_day: int
    importer: int
    exporter: int
    declarant: dict[str, Any]
    export_declarant: dict[str, Any]
    route: Route
    carrier: int
    vehicle: dict[str, Any]
    departure: str
    exit: str
    entry: str
    destination: str
    currency: str
    incoterm: str
    rate: float  # national currency per unit of the invoice currency on the import date
    freight: float | None
    insurance: float | None
    containers: list[str]
    seals: list[str]
    container_seals: list[str]
    document: str
    items: list[Item]

    @property
    def partner(self) -> str:
        return self.route.partner


class Factory:
    """Draws shipments and renders their records; one random stream per seed."""

    def __init__(self, world: World, seed: int, stream: str = "main") -> None:
        self.world = world
        self.rng = random.Random(f"{stream}:{seed}")
        self.numbers = Numbers(seed)
        self.tag = seed_tag(seed)
        self.count = 0
        self.lrn_count = 0
        self._iso: dict[int, str] = {}
        cat = world.catalogue
        self._hs_import = [g.code + g.national for g in cat.goods]
        self._hs_export = [g.code + "00" for g in cat.goods]
        self._shape = [0 if g.counted else 1 if g.unit == "KGM" else 2 for g in cat.goods]
        self._kg = [g.kg_per_unit for g in cat.goods]
        self._incoterm_cum = {m: (names, _cum(w)) for m, (names, w) in INCOTERMS.items()}

    def iso(self, day: int) -> str:
        s = self._iso.get(day)
        if s is None:
            s = self._iso[day] = date.fromordinal(day).isoformat()
        return s

    def next_lrn(self, prefix: str) -> str:
        self.lrn_count += 1
        return f"{prefix}{self.tag}{self.lrn_count:09d}"

    # -- the true consignment ---------------------------------------------------------------

    def shipment(self, day: int, *, need_container: bool = False) -> Shipment:
        w, rng = self.world, self.rng
        rand = rng.random
        self.count += 1
        n = self.count
        imp = w.importer_sampler(rng)
        importer = w.importers[imp]
        sups = importer.suppliers
        exp = sups[int(len(sups) * rand() ** 2)]
        exporter = w.exporters[exp]
        partner = exporter.country
        routes = w.routes[partner]
        route = routes[w.route_sampler[partner](rng)]
        if need_container and route.container_share == 0.0:
            route = max((r for r in routes if r.container_share > 0), key=lambda r: r.weight, default=route)
        carrier = route.carriers[int(rand() * len(route.carriers))]
        fleet = w.vehicles[carrier]
        vehicle = fleet[int(rand() * len(fleet))]
        lo, hi = route.transit
        arrival = day - (1 if rand() < 0.3 else 0)
        export_day = arrival - lo - int(rand() * (hi - lo + 1))

        # Goods: 1 to 6 items from the exporter's range.
        k = 1
        while k < 6 and rand() < 0.45:
            k += 1
        range_ = exporter.goods
        if k == 1:
            picks = [range_[int(rand() * len(range_))]]
        else:
            picks = rng.sample(range_, k) if k < len(range_) else list(range_)
        ccy = w.exporter_ccy[exp]
        usd = USD_VALUE[ccy]
        cat = w.catalogue
        levels = cat.price_levels
        price_f, value_f = _PRICE_F, _VALUE_F
        shape, kg = self._shape, self._kg
        items = []
        total_gross = 0.0
        for gi, origin in picks:
            level = levels.get((gi, origin)) or cat.origin_price(gi, origin)
            price = level * price_f[int(rand() * _TABLE)]
            qty = TYPICAL_VALUE_USD * value_f[int(rand() * _TABLE)] / price
            how = shape[gi]
            if how == 0:  # counted
                qty = float(max(1, round(qty)))
                net = round(max(0.1, qty * kg[gi]), 1)
            elif how == 1:  # kilograms
                qty = net = round(max(qty, 1.0), 1)
            else:
                qty = round(max(qty, 1.0), 2)
                net = round(max(0.1, qty * kg[gi]), 1)
            gross = round(net * (1.02 + 0.13 * rand()), 1)
            amount = round(max(0.01, qty * price / usd), 2)
            total_gross += gross
            items.append(Item(gi, origin, qty, net, gross, amount))

        names, cum = self._incoterm_cum[route.mode]
        incoterm = names[_pick(cum, rand())]
        total_amount = sum(it.amount for it in items)
        freight = insurance = None
        per_kg, minimum = FREIGHT_USD[route.mode]
        if incoterm in ADD_FREIGHT:
            freight = round(max(minimum, total_gross * per_kg) * _FREIGHT_F[int(rand() * _TABLE)] / usd, 2)
        if incoterm in ADD_INSURANCE:
            insurance = round(max(5.0, total_amount * 0.003), 2)
        additions = (freight or 0.0) + (insurance or 0.0)
        if additions:
            for it in items:
                it.add = additions * it.gross / total_gross

        containers: list[str] = []
        container_seals: list[str] = []
        seals: list[str] = []
        if need_container or rand() < route.container_share:
            count = 1 if route.mode == ROAD else min(6, max(1, math.ceil(total_gross / 22_000)))
            containers = [self.numbers.container() for _ in range(count)]
            container_seals = [f"{partner}{int(rand() * 9_000_000) + 1_000_000}" for _ in range(count)]
        elif route.mode == ROAD:
            seals = [f"{partner}{int(rand() * 9_000_000) + 1_000_000}"]

        own = importer.aeo or rand() < 0.25  # AEO importers lodge their own declarations
        declarant = importer.party if own else w.declarants[w.declarant_sampler(rng)].party
        if rand() < 0.5:
            export_declarant = exporter.party
        else:
            fw = w.forwarders[partner]
            export_declarant = fw[int(rand() * len(fw))].party

        tag = self.tag
        year = date.fromordinal(export_day).year
        mrn17 = f"{year % 100:02d}{partner}{tag}{n:010d}A"
        return Shipment(
            number=n,
            ucr=f"{year % 10}{exporter.identifier}-{tag}{base36(n)}",
            mrn=mrn17 + iso6346_check_digit(mrn17),
            export_lrn=f"E{tag}{n:09d}",
            day=day,
            arrival=arrival,
            export_day=export_day,
            importer=imp,
            exporter=exp,
            declarant=declarant,
            export_declarant=export_declarant,
            route=route,
            carrier=carrier,
            vehicle=vehicle,
            departure=route.departure[int(rand() * len(route.departure))],
            exit=route.exits[int(rand() * len(route.exits))],
            entry=route.entries[int(rand() * len(route.entries))],
            destination=w.home_office[imp],
            currency=ccy,
            incoterm=incoterm,
            rate=w.rates.rate(ccy, day),
            freight=freight,
            insurance=insurance,
            containers=containers,
            seals=seals,
            container_seals=container_seals,
            document=self.numbers.document(route.doc_type, w.carrier_code[carrier]),
            items=items,
        )

    # -- renderings --------------------------------------------------------------------------

    def _containers(self, sh: Shipment) -> list[dict[str, Any]]:
        return [{"number": c, "seals": [s]} for c, s in zip(sh.containers, sh.container_seals, strict=True)]

    def export_record(self, sh: Shipment) -> dict[str, Any]:
        w = self.world
        hs = self._hs_export
        goods = w.catalogue.goods
        ccy, inc = sh.currency, sh.incoterm
        route = sh.route
        return {
            "kind": "export",
            "mrn": sh.mrn,
            "lrn": sh.export_lrn,
            "ucr": sh.ucr,
            "declaration_office": sh.departure,
            "date": self.iso(sh.export_day),
            "procedure": "1000",
            "declarant": dict(sh.export_declarant),
            "exporter": dict(w.exporters[sh.exporter].party),
            "importer": dict(w.importers[sh.importer].party),
            "carrier": dict(w.carriers[sh.carrier].party),
            "consignment": {
                "transport_documents": [{"type": route.doc_type, "number": sh.document}],
                "containers": self._containers(sh),
                "seals": list(sh.seals),
                "country_of_dispatch": route.partner,
                "country_of_destination": w.importer,
                "countries_of_routing": list(route.routing),
                "office_of_departure": sh.departure,
                "office_of_exit": sh.exit,
                "border_transport": dict(sh.vehicle),
                "gross_mass": round(sum(it.gross for it in sh.items), 1),
            },
            "goods": [
                {
                    "hs_code": hs[it.goods],
                    "description": goods[it.goods].description,
                    "origin": it.origin,
                    "quantity": it.quantity,
                    "unit": goods[it.goods].unit,
                    "net_mass": it.net,
                    "gross_mass": it.gross,
                    "invoice_amount": it.amount,
                    "currency": ccy,
                    "incoterm": inc,
                }
                for it in sh.items
            ],
        }

    def import_record(
        self, sh: Shipment, scales: list[float] | None = None, lrn: str | None = None
    ) -> dict[str, Any]:
        """The import declaration; ``scales`` (one per item) renders one part of a split shipment."""
        w, rand = self.world, self.rng.random
        cat = w.catalogue
        goods = cat.goods
        hs = self._hs_import
        ccy, inc, rate = sh.currency, sh.incoterm, sh.rate
        out_goods = []
        total_gross = 0.0
        added = 0.0
        for i, it in enumerate(sh.items):
            s = scales[i] if scales is not None else 1.0
            g = goods[it.goods]
            if s == 1.0:
                qty = it.quantity
            elif g.counted:
                qty = float(round(it.quantity * s))
            else:
                qty = round(it.quantity * s, 1 if g.unit == "KGM" else 2)
            # the masses weighed on arrival differ from the exporter's by a few per mille
            net = round(it.net * s * (0.995 + 0.01 * rand()), 1) or 0.1
            gross = round(max(net, it.gross * s * (0.995 + 0.01 * rand())), 1)
            amount = round(it.amount * s, 2) or 0.01
            total_gross += gross
            duty, preferential = cat.duty(it.goods, it.origin)
            out_goods.append({
                "hs_code": hs[it.goods],
                "description": g.description,
                "origin": it.origin,
                "quantity": qty,
                "unit": g.unit,
                "net_mass": net,
                "gross_mass": gross,
                "invoice_amount": amount,
                "currency": ccy,
                "customs_value": round((amount + it.add * s) * rate, 2),
                "incoterm": inc,
                "tax_rate": duty,
                "tax_type": "A00",
                "preference": "300" if preferential else "100",
            })
            added += it.add * s
        route = sh.route
        consignment: dict[str, Any] = {
            "transport_documents": [{"type": route.doc_type, "number": sh.document}],
            "containers": self._containers(sh),
            "seals": list(sh.seals),
            "country_of_dispatch": route.partner,
            "country_of_destination": w.importer,
            "countries_of_routing": list(route.routing),
            "office_of_entry": sh.entry,
            "office_of_destination": sh.destination,
            "arrival_transport": dict(sh.vehicle),
            "border_transport": dict(sh.vehicle),
            "gross_mass": round(total_gross, 1),
        }
        share = 1.0 if scales is None else added / ((sh.freight or 0.0) + (sh.insurance or 0.0) or 1.0)
        if sh.freight is not None:
            consignment["freight"] = round(sh.freight * share, 2)
        if sh.insurance is not None:
            consignment["insurance"] = round(sh.insurance * share, 2)
        if sh.freight is not None or sh.insurance is not None:
            consignment["freight_currency"] = ccy
        return {
            "kind": "import",
            "lrn": lrn or self.next_lrn("I"),
            "ucr": sh.ucr,
            "declaration_office": sh.destination,
            "date": self.iso(sh.day),
            "procedure": "4000",
            "declarant": dict(sh.declarant),
            "importer": dict(w.importers[sh.importer].party),
            "exporter": dict(w.exporters[sh.exporter].party),
            "carrier": dict(w.carriers[sh.carrier].party),
            "consignment": consignment,
            "goods": out_goods,
        }

    def preliminary_record(self, sh: Shipment) -> dict[str, Any]:
        """The carrier's advance information, lodged up to three days before arrival."""
        w, rand = self.world, self.rng.random
        goods = w.catalogue.goods
        route = sh.route
        carrier = w.carriers[sh.carrier].party
        day = max(sh.export_day, sh.arrival - int(rand() * 3))
        return {
            "kind": "preliminary",
            "lrn": self.next_lrn("P"),
            "ucr": sh.ucr,
            "date": self.iso(day),
            "declarant": dict(carrier),
            "carrier": dict(carrier),
            "exporter": dict(w.exporters[sh.exporter].party),
            "importer": dict(w.importers[sh.importer].party),
            "consignment": {
                "transport_documents": [{"type": route.doc_type, "number": sh.document}],
                "containers": self._containers(sh),
                "seals": list(sh.seals),
                "country_of_dispatch": route.partner,
                "country_of_destination": w.importer,
                "countries_of_routing": list(route.routing),
                "office_of_entry": sh.entry,
                "office_of_destination": sh.destination,
                "arrival_transport": dict(sh.vehicle),
                "border_transport": dict(sh.vehicle),
                "gross_mass": round(sum(it.gross for it in sh.items), 1),
            },
            "goods": [
                {
                    "hs_code": goods[it.goods].code,
                    "description": goods[it.goods].description,
                    "quantity": it.quantity,
                    "unit": goods[it.goods].unit,
                    "gross_mass": it.gross,
                    "invoice_amount": it.amount,
                    "currency": sh.currency,
                }
                for it in sh.items
            ],
        }


def _cum(weights: list[int]) -> list[float]:
    total = float(sum(weights))
    out, acc = [], 0.0
    for w in weights:
        acc += w / total
        out.append(acc)
    out[-1] = 1.0
    return out


def _pick(cum: list[float], r: float) -> int:
    for i, c in enumerate(cum):
        if r < c:
            return i
    return len(cum) - 1


def natural_key(record: dict[str, Any]) -> str | None:
    """The record's natural key, as :attr:`cix.model.declaration.Declaration.natural_key` gives it."""
    if record.get("mrn"):
        return f"mrn:{record['mrn']}"
    declarant = record.get("declarant") or {}
    if record.get("lrn") and declarant.get("identifier"):
        return f"lrn:{declarant['identifier']}:{record['lrn']}"
    return None
