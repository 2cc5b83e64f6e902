"""Routes, customs offices, means of transport, containers and transport documents.

A :class:`Route` ties a partner country to the importing country by one mode of transport (UN/ECE
Rec 19: 1 sea, 2 rail, 3 road, 4 air) with its offices of departure and exit on the partner side
and of entry on ours, the countries crossed, the transit time and the kind of transport document
(bill of lading, CMR, rail consignment note, air waybill). Known corridors to Russia (FI by road
through Vaalimaa, CN by sea, rail through Zabaikalsk, road and air, DE by road through PL and BY,
TR by sea to Novorossiysk) are written out; any other pair of countries gets a generic sea, road
and air route with made-up office codes of the usual shape. Vehicles are built once per run: trucks
with plates in their country's style, ships with valid IMO numbers, flights with IATA designators,
trains. Container and document numbers come from counters through a bijective scramble, so they
look random but never repeat within a run; container check digits follow ISO 6346.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from cix.identifiers import imo as imo_id
from cix.identifiers._util import iso6346_check_digit

SEA, RAIL, ROAD, AIR = "1", "2", "3", "4"
DOC_TYPE = {SEA: "N705", RAIL: "N720", ROAD: "N730", AIR: "N740"}  # B/L, CIM/SMGS, CMR, AWB
TRANSIT_DAYS = {SEA: (6, 30), RAIL: (8, 18), ROAD: (1, 5), AIR: (1, 2)}

# Offices of the importing side by mode (entry) and inland offices of destination.
RU_ENTRY = {
    "FI": {ROAD: ["RU10206040", "RU10206050"], SEA: ["RU10216100", "RU10218010"]},
    "CN": {SEA: ["RU10702030", "RU10702070", "RU10216100"], RAIL: ["RU10612020"], ROAD: ["RU10612010"],
           AIR: ["RU10005020", "RU10005030"]},
    "DE": {ROAD: ["RU10013010", "RU10113020"], SEA: ["RU10216100", "RU10218010"], AIR: ["RU10005020"]},
    "TR": {SEA: ["RU10317100", "RU10317110"], ROAD: ["RU10801020"], AIR: ["RU10005020", "RU10005030"]},
}
RU_DESTINATION = ["RU10129010", "RU10130010", "RU10013160", "RU10210010", "RU10502010", "RU10609010",
                  "RU10702010", "RU10317010"]
RU_ROUTES: dict[str, list[tuple[str, float, list[str], list[str]]]] = {
    # partner: (mode, weight, carrier countries, countries of routing)
    "FI": [(ROAD, 0.85, ["FI", "RU"], ["FI", "RU"]), (SEA, 0.15, ["FI", "RU"], ["FI", "RU"])],
    "CN": [(SEA, 0.45, ["CN"], ["CN", "RU"]), (RAIL, 0.25, ["RU", "CN"], ["CN", "RU"]),
           (ROAD, 0.15, ["CN", "RU"], ["CN", "RU"]), (AIR, 0.15, ["RU", "CN"], ["CN", "RU"])],
    "DE": [(ROAD, 0.6, ["PL", "BY", "DE", "RU"], ["DE", "PL", "BY", "RU"]), (SEA, 0.25, ["DE"], ["DE", "RU"]),
           (AIR, 0.15, ["DE", "RU"], ["DE", "RU"])],
    "TR": [(SEA, 0.6, ["TR"], ["TR", "RU"]), (ROAD, 0.3, ["TR", "RU"], ["TR", "GE", "RU"]),
           (AIR, 0.1, ["TR", "RU"], ["TR", "RU"])],
}
# Partner offices: departure (inland) and exit by mode.
PARTNER_OFFICES = {
    "FI": {"departure": ["FI001000", "FI002100", "FI003300"],
           ROAD: ["FI000510", "FI000520"], SEA: ["FI002110", "FI001010"]},
    "DE": {"departure": ["DE004853", "DE003302", "DE007302", "DE002350"],
           ROAD: ["PL301010", "PL302010"], SEA: ["DE004852"], AIR: ["DE003304"]},
    "CN": {"departure": ["CN224800", "CN310100", "CN530100", "CN290500"],
           SEA: ["CN224800", "CN310100", "CN530100"], RAIL: ["CN060700"], ROAD: ["CN060700", "CN190300"],
           AIR: ["CN010100", "CN220900"]},
    "TR": {"departure": ["TR340100", "TR330100", "TR060100"],
           SEA: ["TR340200", "TR330100"], ROAD: ["TR080100"], AIR: ["TR340300"]},
}
GENERIC_MODES = [(SEA, 0.4), (ROAD, 0.35), (AIR, 0.25)]

AIRLINES = {"RU": [("SU", "555"), ("S7", "421")], "CN": [("CA", "999"), ("MU", "781"), ("CZ", "784")],
            "DE": [("LH", "020")], "TR": [("TK", "235")], "FI": [("AY", "105")]}
FLAGS = ["PA", "LR", "MH", "MT", "HK", "SG", "CY", "RU", "CN", "TR", "DE", "AG"]
CONTAINER_OWNERS = ["MSKU", "MSCU", "CMAU", "CSNU", "CBHU", "HLXU", "OOLU", "TGHU", "TCNU", "FCIU", "SEGU",
                    "TRHU", "BMOU", "CAIU", "GESU", "TEMU", "TCLU", "DFSU", "EGHU", "FSCU"]
SCAC = ["MAEU", "MEDU", "CMDU", "COSU", "HLCU", "OOLU", "ONEY", "EGLV", "ZIMU", "YMLU", "FESO", "ARKU"]
_RU_PLATE = "ABEKMHOPCTYX"
_LETTERS = "ABCDEFGHIJKLMNOPRSTUVWXYZ"
_CN_PROVINCES = ["MENG", "HEI", "JI", "LU", "HU", "YUE", "ZHE", "SU", "JING", "XIN"]


@dataclass(slots=True)
class Route:
    partner: str
    mode: str
    weight: float
    departure: list[str]
    exits: list[str]
    entries: list[str]
    routing: list[str]
    carrier_countries: list[str]
    transit: tuple[int, int]
    container_share: float
    doc_type: str = ""
    carriers: list[int] = field(default_factory=list)  # indexes into the world's carrier list

    def __post_init__(self) -> None:
        self.doc_type = DOC_TYPE[self.mode]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _synthetic_offices(rng: random.Random, country: str, n: int) -> list[str]:
    return [f"{country}{_digits(rng, 6)}" for _ in range(n)]


def routes_for(rng: random.Random, importer: str, partner: str) -> list[Route]:
    """The routes from ``partner`` to ``importer``."""
    known = RU_ROUTES.get(partner) if importer == "RU" else None
    offices = PARTNER_OFFICES.get(partner)
    modes = known or [(m, w, [partner, importer], [partner, importer]) for m, w in GENERIC_MODES]
    out = []
    for mode, weight, carriers, routing in modes:
        if offices and mode in offices:
            departure, exits = offices["departure"], offices[mode]
        else:
            departure = _synthetic_offices(rng, partner, 3)
            exits = _synthetic_offices(rng, partner, 2)
        entries = RU_ENTRY.get(partner, {}).get(mode) if importer == "RU" else None
        if not entries:
            entries = [f"RU10{_digits(rng, 6)}" for _ in range(2)] if importer == "RU" else (
                _synthetic_offices(rng, importer, 2)
            )
        share = {SEA: 1.0, RAIL: 1.0, ROAD: 0.25 if partner == "CN" else 0.1, AIR: 0.0}[mode]
        out.append(Route(partner, mode, weight, departure, exits, entries, routing, carriers,
                         TRANSIT_DAYS[mode], share))
    return out


def destination_offices(rng: random.Random, importer: str) -> list[str]:
    return RU_DESTINATION if importer == "RU" else _synthetic_offices(rng, importer, 6)


def plate(rng: random.Random, country: str) -> str:
    """A registration plate in the style of ``country``, in compact form (2-12 ASCII letters, digits)."""
    letters = _LETTERS
    if country == "RU":
        r = _RU_PLATE
        region = rng.choice(["78", "47", "77", "125", "75"])
        return f"{rng.choice(r)}{_digits(rng, 3)}{rng.choice(r)}{rng.choice(r)}{region}"
    if country == "FI":
        return "".join(rng.choice(letters) for _ in range(3)) + _digits(rng, 3)
    if country == "DE":
        district = rng.choice(["HH", "B", "M", "F", "DU", "K"])
        return district + rng.choice(letters) + rng.choice(letters) + _digits(rng, 4)
    if country == "PL":
        return rng.choice(["WA", "PO", "LU", "WX", "GD"]) + _digits(rng, 5)
    if country == "BY":
        return _digits(rng, 4) + rng.choice(letters) + rng.choice(letters) + rng.choice("1234567")
    if country == "CN":
        return rng.choice(_CN_PROVINCES) + rng.choice(letters) + _digits(rng, 5)
    if country == "TR":
        return _digits(rng, 2) + "".join(rng.choice(letters) for _ in range(3)) + _digits(rng, 3)
    return "".join(rng.choice(letters) for _ in range(2)) + _digits(rng, 4) + rng.choice(letters)


def imo_number(rng: random.Random) -> str:
    six = str(rng.randint(9100000, 9999999))[:6]
    return six + imo_id.calc_check_digit(six)


def vehicles(rng: random.Random, mode: str, country: str, n: int) -> list[dict[str, Any]]:
    """``n`` means of transport of one carrier (its country) as model dicts."""
    out: list[dict[str, Any]] = []
    for _ in range(n):
        if mode == ROAD:
            out.append({"mode": ROAD, "nationality": country, "identity_type": "plate",
                        "identity": plate(rng, country)})
        elif mode == SEA:
            out.append({"mode": SEA, "nationality": rng.choice(FLAGS), "identity_type": "imo",
                        "identity": imo_number(rng)})
        elif mode == AIR:
            designator, _prefix = rng.choice(AIRLINES.get(country, [(country, "9" + _digits(rng, 2))]))
            out.append({"mode": AIR, "nationality": country, "identity_type": "flight",
                        "identity": f"{designator}{rng.randint(100, 9899)}"})
        else:
            out.append({"mode": RAIL, "nationality": country, "identity_type": "train",
                        "identity": rng.choice(["", "X", "K"]) + str(rng.randint(1000, 99999))})
    return out


class Numbers:
    """Unique container, document and reference numbers from counters (bijective scrambles)."""

    _CONTAINER_SPACE = len(CONTAINER_OWNERS) * 1_000_000
    _DOC_SPACE = 1_000_000_000

    def __init__(self, seed: int) -> None:
        rng = random.Random(f"numbers:{seed}")
        self._c_off = rng.randrange(self._CONTAINER_SPACE)
        self._d_off = rng.randrange(self._DOC_SPACE)
        self.container_count = 0
        self.doc_count = 0
        self._owner_sums = [sum(_VALUES[ch] << i for i, ch in enumerate(o)) for o in CONTAINER_OWNERS]
        # weighted sums of the serial's first and last three digits (positions 4-6 and 7-9)
        self._high = [sum(int(d) << (4 + i) for i, d in enumerate(f"{k:03d}")) for k in range(1000)]
        self._low = [sum(int(d) << (7 + i) for i, d in enumerate(f"{k:03d}")) for k in range(1000)]

    def container(self) -> str:
        """A container number with a valid ISO 6346 check digit (unique in this run)."""
        self.container_count += 1
        k = (self.container_count * 7_368_787 + self._c_off) % self._CONTAINER_SPACE
        owner, serial = divmod(k, 1_000_000)
        high, low = divmod(serial, 1000)
        total = self._owner_sums[owner] + self._high[high] + self._low[low]
        return f"{CONTAINER_OWNERS[owner]}{serial:06d}{total % 11 % 10}"

    def document(self, doc_type: str, carrier_code: str) -> str:
        """A transport document number of the given type (unique in this run)."""
        self.doc_count += 1
        k = (self.doc_count * 104_729 + self._d_off) % self._DOC_SPACE
        if doc_type == "N705":
            return f"{carrier_code}{k:09d}"
        if doc_type == "N740":
            serial = k % 10_000_000
            return f"{carrier_code}-{serial:07d}{serial % 7}"
        if doc_type == "N720":
            return f"{k:09d}"
        return f"{carrier_code}{k:09d}"


_VALUES = {ch: v for ch, v in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (v for v in range(10, 39) if v % 11), strict=True)}


def mistype_container(rng: random.Random, number: str) -> str:
    """The number with one serial digit mistyped; the check digit is recomputed (as a system that
    derives it would), so the typo passes validation and only matching notices it."""
    pos = rng.randrange(4, 10)
    digit = rng.choice([d for d in "0123456789" if d != number[pos]])
    body = number[:pos] + digit + number[pos + 1 : 10]
    return body + iso6346_check_digit(body)
