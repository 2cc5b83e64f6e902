"""The generator's configuration and the world it builds once per run: goods, traders, routes, rates.

:class:`GeneratorConfig` holds every knob (importing country, partners, days, volume, seed, fraud
share and mix, preliminary information share, matching defects). :class:`World` turns it into the
pools the record factory draws from: the catalogue and tariff, exporters per partner with their
product ranges, currencies and origins, importers with their regular suppliers and risk,
declarants (customs brokers) and forwarders, carriers with their vehicles, routes with offices, and
the synthetic exchange rates covering every date a record can carry. Everything is drawn from
``random.Random`` seeded with the config's seed, and pool sizes grow with the volume asked for.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from cix.generate import parties, transport
from cix.generate.catalogue import Catalogue, build_catalogue, preferences_for
from cix.generate.fx import SyntheticRates, national_currency

DEFAULT_PARTNERS = ("FI", "CN", "DE", "TR")
FRAUD_KINDS = ("undervaluation", "misclassification", "origin", "quantity", "split")
DEFAULT_FRAUD_MIX: Mapping[str, float] = {
    "undervaluation": 0.4, "misclassification": 0.2, "origin": 0.15, "quantity": 0.15, "split": 0.1,
}
PARTNER_WEIGHT = {"CN": 0.45, "DE": 0.2, "TR": 0.15, "FI": 0.1}
PARTNER_CURRENCIES = {"FI": [("EUR", 0.85), ("USD", 0.15)], "DE": [("EUR", 0.85), ("USD", 0.15)],
                      "CN": [("USD", 0.6), ("CNY", 0.35), ("EUR", 0.05)], "TR": [("USD", 0.6), ("EUR", 0.4)]}
GENERIC_CURRENCIES = [("USD", 0.7), ("EUR", 0.3)]
PARTNER_CHAPTERS = {
    "FI": ["03", "04", "44", "48", "84", "85", "34", "39", "73", "90"],
    "DE": ["84", "85", "87", "30", "33", "38", "39", "90", "73", "22"],
    "CN": ["85", "84", "61", "62", "64", "94", "95", "39", "73", "82", "63", "42", "87", "69"],
    "TR": ["08", "07", "61", "62", "52", "72", "17", "20", "15", "69", "84"],
}
THIRD_ORIGINS = ["CN", "DE", "IT", "US", "JP", "KR", "VN", "IN", "TR", "PL", "FR"]
MAX_TRANSIT = 32


@dataclass(frozen=True)
class GeneratorConfig:
    """Every knob of the generator (``docs/generator.md`` explains each one)."""

    importer: str = "RU"
    partners: tuple[str, ...] = DEFAULT_PARTNERS
    days: int = 30
    per_day: int = 200
    seed: int = 1
    end_date: date | None = None  # default: today
    fraud_share: float = 0.05
    fraud_mix: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_FRAUD_MIX))
    preliminary_share: float = 0.6
    aeo_share: float = 0.15
    split_threshold: float = 10_000.0  # USD equivalent each part of a split consignment stays under
    missing_ucr_share: float = 0.0
    mistyped_container_share: float = 0.0
    no_counterpart_share: float = 0.0

    def __post_init__(self) -> None:
        if self.days < 1 or self.per_day < 0:
            raise ValueError("days must be at least 1 and per_day not negative")
        for name in ("fraud_share", "preliminary_share", "aeo_share", "missing_ucr_share",
                     "mistyped_container_share", "no_counterpart_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie between 0 and 1, not {value}")
        unknown = set(self.fraud_mix) - set(FRAUD_KINDS)
        if unknown:
            raise ValueError(f"unknown fraud kinds {sorted(unknown)}; known: {', '.join(FRAUD_KINDS)}")
        if self.importer in self.partners:
            raise ValueError("the importing country cannot be its own partner")
        if not self.partners:
            raise ValueError("give at least one partner country")

    @property
    def last_day(self) -> date:
        return self.end_date or date.today()

    @property
    def first_day(self) -> date:
        return self.last_day - timedelta(days=self.days - 1)


class Sampler:
    """Weighted choice of an index by bisection over cumulative weights."""

    __slots__ = ("cum", "total")

    def __init__(self, weights: Sequence[float]) -> None:
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> int:
        return bisect_right(self.cum, rng.random() * self.total)


def _clamp(x: float, lo: int, hi: int) -> int:
    return int(max(lo, min(hi, x)))


class World:
    """The pools of one run; ``volume`` is the number of consignments expected (sizes the pools)."""

    def __init__(self, cfg: GeneratorConfig, volume: int) -> None:
        self.cfg = cfg
        rng = random.Random(f"world:{cfg.seed}")
        self.importer = cfg.importer
        self.partners = list(cfg.partners)
        self.start = cfg.first_day.toordinal()
        self.end = cfg.last_day.toordinal()
        self.catalogue: Catalogue = build_catalogue(preferences_for(cfg.importer, cfg.partners))
        self.national = national_currency(cfg.importer)
        used: set[str] = set()
        history = (self.start - 15 * 365, self.start - 30)
        P = len(self.partners)

        # Exporters by partner, with product ranges, origins and currencies.
        self.partner_sampler = Sampler([PARTNER_WEIGHT.get(p, 0.1) for p in self.partners])
        self.exporters: list[parties.Trader] = []
        self.exporter_ccy: list[str] = []
        self.exporters_of: dict[str, list[int]] = {}
        by_chapter: dict[str, list[int]] = {}
        for g in self.catalogue.goods:
            by_chapter.setdefault(g.code[:2], []).append(g.index)
        chapters = sorted(by_chapter)
        n_exp = _clamp(volume / (P * 15), 25, 3000)
        for p in self.partners:
            made = parties.make_traders(rng, parties.ROLE_EXPORTER, p, n_exp, aeo_share=cfg.aeo_share,
                                        since_range=history, used=used)
            ccys = PARTNER_CURRENCIES.get(p, GENERIC_CURRENCIES)
            special = [c for c in PARTNER_CHAPTERS.get(p, chapters) if c in by_chapter] or chapters
            for t in made:
                t.chapters = sorted({rng.choice(special) if rng.random() < 0.75 else rng.choice(chapters)
                                     for _ in range(rng.randint(1, 3))})
                pool = [i for c in t.chapters for i in by_chapter[c]]
                picks = rng.sample(pool, min(len(pool), rng.randint(3, 10)))
                t.goods = [(i, p if rng.random() < 0.88 else rng.choice(THIRD_ORIGINS)) for i in picks]
                self.exporter_ccy.append(rng.choices([c for c, _w in ccys], [w for _c, w in ccys])[0])
            self.exporters_of[p] = list(range(len(self.exporters), len(self.exporters) + len(made)))
            self.exporters.extend(made)
        self.export_volume = [t.volume for t in self.exporters]

        # Importers with their suppliers; declarants (brokers); forwarders abroad.
        n_imp = _clamp(volume / 25, 40, 5000)
        window = (self.start - 15 * 365, self.end - 5)
        self.importers = parties.make_traders(rng, parties.ROLE_IMPORTER, cfg.importer, n_imp,
                                              aeo_share=cfg.aeo_share, since_range=window, used=used)
        parties.assign_risk(rng, self.importers, self.start)
        exporter_samplers = {p: Sampler([self.export_volume[i] for i in ids]) for p, ids in self.exporters_of.items()}
        for t in self.importers:
            for _ in range(rng.randint(1, 6)):
                p = self.partners[self.partner_sampler(rng)]
                ids = self.exporters_of[p]
                t.suppliers.append(ids[exporter_samplers[p](rng)])
        self.importer_sampler = Sampler([t.volume for t in self.importers])
        mean_risk = sum(t.risk * t.volume for t in self.importers) / sum(t.volume for t in self.importers)
        self.fraud_p = [min(1.0, cfg.fraud_share * t.risk / mean_risk) for t in self.importers]
        self.declarants = parties.make_traders(rng, parties.ROLE_DECLARANT, cfg.importer, _clamp(volume / 300, 8, 200),
                                               aeo_share=cfg.aeo_share, since_range=history, used=used,
                                               activity="Customs Broker")
        self.declarant_sampler = Sampler([t.volume for t in self.declarants])
        self.forwarders = {
            p: parties.make_traders(rng, parties.ROLE_FORWARDER, p, _clamp(volume / 500, 5, 100),
                                    aeo_share=cfg.aeo_share, since_range=history, used=used, activity="Forwarding")
            for p in self.partners
        }
        dest = transport.destination_offices(rng, cfg.importer)
        self.home_office = [rng.choice(dest) for _ in self.importers]

        # Routes, carriers and vehicles.
        self.routes: dict[str, list[transport.Route]] = {}
        self.route_sampler: dict[str, Sampler] = {}
        self.carriers: list[parties.Trader] = []
        self.carrier_code: list[str] = []
        self.vehicles: list[list[dict[str, Any]]] = []
        made_carriers: dict[tuple[str, str], list[int]] = {}
        n_car = _clamp(volume / 2000, 3, 40)
        for p in self.partners:
            routes = transport.routes_for(rng, cfg.importer, p)
            for r in routes:
                for country in r.carrier_countries:
                    key = (r.mode, country)
                    if key not in made_carriers:
                        made_carriers[key] = self._carriers(rng, r.mode, country, n_car, used, history)
                    r.carriers.extend(made_carriers[key])
            self.routes[p] = routes
            self.route_sampler[p] = Sampler([r.weight for r in routes])

        currencies = {c for cs in PARTNER_CURRENCIES.values() for c, _w in cs} | {c for c, _w in GENERIC_CURRENCIES}
        self.rates = SyntheticRates(self.national, sorted(currencies | {self.national}),
                                    date.fromordinal(self.start - MAX_TRANSIT - 8), cfg.last_day, cfg.seed)

    def _carriers(self, rng: random.Random, mode: str, country: str, n: int, used: set[str],
                  history: tuple[int, int]) -> list[int]:
        made = parties.make_traders(rng, parties.ROLE_CARRIER, country, n if mode == transport.ROAD else max(2, n // 3),
                                    aeo_share=self.cfg.aeo_share, since_range=history, used=used,
                                    activity=parties._CARRIER_ACTIVITY[mode])
        out = []
        for t in made:
            t.mode = mode
            fleet = transport.vehicles(rng, mode, country, rng.randint(3, 25))
            if mode == transport.SEA:
                code = rng.choice(transport.SCAC)
            elif mode == transport.AIR:
                airlines = transport.AIRLINES.get(country)
                designator, code = rng.choice(airlines) if airlines else (country, str(rng.randint(100, 999)))
                for v in fleet:
                    v["identity"] = designator + v["identity"][2:]
            else:
                code = country
            out.append(len(self.carriers))
            self.carriers.append(t)
            self.carrier_code.append(code)
            self.vehicles.append(fleet)
        return out

    def traders(self) -> list[dict[str, Any]]:
        """Every trader of the run as a plain dict (for ``traders.jsonl``)."""
        out = [t.to_dict() for t in self.exporters]
        out += [
            t.to_dict() | {"suppliers": [self.exporters[i].identifier for i in t.suppliers]} for t in self.importers
        ]
        out += [t.to_dict() for t in self.declarants]
        out += [t.to_dict() for ts in self.forwarders.values() for t in ts]
        out += [t.to_dict() for t in self.carriers]
        return out
