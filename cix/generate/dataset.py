"""The generator's three entry points: a whole dataset, a stream of imports, a stream of pairs.

- :func:`generate` builds a :class:`Dataset` in memory for a :class:`GeneratorConfig`: ``per_day``
  consignments a day for ``days`` days ending on ``end_date`` (by import date), each rendered as
  the partner's export declaration, our import declaration(s) and, for a share of them, the
  carrier's preliminary information; fraud injected on the import side with its truth; the
  matching defects applied; plus the tariff, the synthetic rates and the traders.
  :func:`write_dataset` writes it to a directory.
- :func:`iter_declarations` streams import declarations of the default mix (fraud included) for
  the ingest benchmark, without keeping anything.
- :func:`iter_pairs` streams exactly ``n`` export and ``n`` import records with the matching
  defects of issue 4, as :class:`Pair` tuples (one side None for a record with no counterpart).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from cix.generate import fraud
from cix.generate.records import Factory, Shipment, natural_key
from cix.generate.transport import mistype_container
from cix.generate.world import DEFAULT_PARTNERS, FRAUD_KINDS, GeneratorConfig, World
from cix.reference.rates import RateRow

FILES = ("imports.jsonl", "exports.jsonl", "preliminary.jsonl", "truth.jsonl", "links.jsonl",
         "traders.jsonl", "tariff.csv", "rates.csv")


@dataclass
class Dataset:
    """Everything one run generated, in memory (records are JSON-ready dicts)."""

    config: GeneratorConfig
    imports: list[dict[str, Any]] = field(default_factory=list)
    exports: list[dict[str, Any]] = field(default_factory=list)
    preliminary: list[dict[str, Any]] = field(default_factory=list)
    truth: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    traders: list[dict[str, Any]] = field(default_factory=list)
    tariff: list[dict[str, str]] = field(default_factory=list)
    rates: list[RateRow] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for t in self.truth:
            for k in t["kinds"]:
                kinds[k] = kinds.get(k, 0) + 1
        return {
            "imports": len(self.imports), "exports": len(self.exports), "preliminary": len(self.preliminary),
            "truth": len(self.truth), "consignments": len(self.links), "tariff_rows": len(self.tariff),
            "rate_rows": len(self.rates), "traders": len(self.traders),
        } | {f"fraud_{k}": kinds.get(k, 0) for k in FRAUD_KINDS}


class _Decisions:
    """The per-consignment choices, from their own random stream."""

    def __init__(self, cfg: GeneratorConfig) -> None:
        self.cfg = cfg
        self.rng = random.Random(f"decisions:{cfg.seed}")
        mix = {k: w for k, w in cfg.fraud_mix.items() if w > 0}
        self.kinds = sorted(mix)
        self.weights = [mix[k] for k in self.kinds]

    def fraud_order(self) -> list[str]:
        """The kind to inject first (by the mix), then the others as fall-backs."""
        if not self.kinds:
            return []
        first = self.rng.choices(self.kinds, self.weights)[0]
        return [first] + [k for k in self.kinds if k != first]


def _imports_with_fraud(
    f: Factory, sh: Shipment, order: list[str], threshold: float, export_key: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The import record(s) of a shipment, with the first applicable fraud kind of ``order``."""
    for kind in order:
        if kind == "split":
            parts = fraud.split(f, sh, threshold)
            if parts is None:
                continue
            keys = [natural_key(p) for p in parts]
            truth = []
            for part in parts:
                part_items: list[dict[str, Any]] = [
                    {"index": i, "kind": "split",
                     "declared": {"quantity": g["quantity"], "invoice_amount": g["invoice_amount"]},
                     "true": {"quantity": it.quantity, "invoice_amount": it.amount}}
                    for i, (g, it) in enumerate(zip(part["goods"], sh.items, strict=True))
                ]
                entry = fraud.truth_entry(part, sh, ["split"], part_items, export_key)
                entry["split"] = {"parts": keys, "threshold_usd": threshold}
                truth.append(entry)
            return parts, truth
        rec = f.import_record(sh)
        items = fraud.INJECTORS[kind](f, sh, rec)
        if items is not None:
            return [rec], [fraud.truth_entry(rec, sh, [kind], items, export_key)]
    return [f.import_record(sh)], []


def generate(config: GeneratorConfig | None = None) -> Dataset:
    """Generate a whole dataset in memory (see the module docstring)."""
    cfg = config or GeneratorConfig()
    world = World(cfg, cfg.per_day * cfg.days)
    f = Factory(world, cfg.seed)
    dec = _Decisions(cfg)
    rand = dec.rng.random
    ds = Dataset(cfg, tariff=world.catalogue.tariff_rows(), rates=world.rates.rows(), traders=world.traders())
    s = cfg.no_counterpart_share
    p_orphan = s / (1 + s)  # so that the orphans are a share s of the records on each side
    for day in range(world.start, world.end + 1):
        for _ in range(cfg.per_day):
            r = rand()
            side = "export" if r < p_orphan else "import" if r < 2 * p_orphan else "both"
            both = side == "both"
            mistype = both and rand() < cfg.mistyped_container_share
            drop_ucr = both and rand() < cfg.missing_ucr_share
            sh = f.shipment(day, need_container=mistype)
            export = f.export_record(sh) if side != "import" else None
            export_key = natural_key(export) if export else None
            imports: list[dict[str, Any]] = []
            kinds: list[str] = []
            if side != "export":
                order = dec.fraud_order() if rand() < world.fraud_p[sh.importer] else []
                imports, truth = _imports_with_fraud(f, sh, order, cfg.split_threshold, export_key)
                ds.truth.extend(truth)
                kinds = truth[0]["kinds"] if truth else []
            prelim = f.preliminary_record(sh) if side != "export" and rand() < cfg.preliminary_share else None
            defects = []
            if drop_ucr:
                on_export = rand() < 0.5
                for rec in [export] if on_export else imports:
                    assert rec is not None
                    rec.pop("ucr", None)
                defects.append("missing_ucr:" + ("export" if on_export else "import"))
            if mistype and sh.containers:
                on_export = rand() < 0.5
                j = int(rand() * len(sh.containers))
                wrong = mistype_container(dec.rng, sh.containers[j])
                for rec in [export] if on_export else imports:
                    assert rec is not None
                    rec["consignment"]["containers"][j]["number"] = wrong
                defects.append("mistyped_container:" + ("export" if on_export else "import"))
            if export is not None:
                ds.exports.append(export)
            ds.imports.extend(imports)
            if prelim is not None:
                ds.preliminary.append(prelim)
            ds.links.append({
                "ucr": sh.ucr,
                "export": export_key,
                "imports": [natural_key(r) for r in imports],
                "preliminary": natural_key(prelim) if prelim else None,
                "fraud": kinds,
                "defects": defects,
            })
    ds.exports.sort(key=lambda r: r["date"])
    ds.preliminary.sort(key=lambda r: r["date"])
    return ds


def _write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    dumps = orjson.dumps
    with path.open("wb") as handle:
        for rec in records:
            handle.write(dumps(rec))
            handle.write(b"\n")
    return path


def write_dataset(ds: Dataset, out: Path) -> dict[str, Path]:
    """Write the dataset's files (:data:`FILES`) into ``out`` (created when missing)."""
    from cix.reference.rates import write_rates_csv

    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "imports": _write_jsonl(out / "imports.jsonl", ds.imports),
        "exports": _write_jsonl(out / "exports.jsonl", ds.exports),
        "preliminary": _write_jsonl(out / "preliminary.jsonl", ds.preliminary),
        "truth": _write_jsonl(out / "truth.jsonl", ds.truth),
        "links": _write_jsonl(out / "links.jsonl", ds.links),
        "traders": _write_jsonl(out / "traders.jsonl", ds.traders),
        "tariff": out / "tariff.csv",
        "rates": write_rates_csv(out / "rates.csv", ds.rates),
    }
    import csv

    with paths["tariff"].open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ("hs_code", "origin", "rate", "description"), lineterminator="\n")
        writer.writeheader()
        writer.writerows(ds.tariff)
    return paths


def _stream_config(
    n: int, seed: int, importer: str, partners: Sequence[str], end_date: date | None, days: int, **knobs: Any
) -> GeneratorConfig:
    return replace(
        GeneratorConfig(importer=importer, partners=tuple(partners), seed=seed, end_date=end_date, days=days),
        per_day=max(1, math.ceil(n / days)),
        **knobs,
    )


def iter_declarations(
    n: int,
    seed: int = 1,
    *,
    importer: str = "RU",
    partners: Sequence[str] = DEFAULT_PARTNERS,
    end_date: date | None = None,
    days: int = 30,
    fraud_share: float = 0.05,
) -> Iterator[dict[str, Any]]:
    """Exactly ``n`` import declarations of the default mix, dated over ``days`` days ending on
    ``end_date`` (default today), as JSON-ready dicts; nothing is kept in memory."""
    cfg = _stream_config(n, seed, importer, partners, end_date, days, fraud_share=fraud_share)
    world = World(cfg, n)
    f = Factory(world, seed, "imports")
    dec = _Decisions(cfg)
    rand = dec.rng.random
    per_day = cfg.per_day
    made = 0
    i = 0
    while made < n:
        sh = f.shipment(world.start + min(i // per_day, cfg.days - 1))
        i += 1
        order = dec.fraud_order() if rand() < world.fraud_p[sh.importer] else []
        records, _truth = _imports_with_fraud(f, sh, order, cfg.split_threshold, None)
        yield from records[: n - made]
        made += len(records)


class Pair(NamedTuple):
    """One consignment of the matching benchmark: its export and import records (one of them None
    when the record has no counterpart) and the defects applied (``missing_ucr:<side>``,
    ``mistyped_container:<side>``)."""

    export: dict[str, Any] | None
    imp: dict[str, Any] | None
    defects: tuple[str, ...]


def iter_pairs(
    n: int,
    seed: int = 1,
    *,
    missing_ucr_share: float = 0.2,
    mistyped_container_share: float = 0.1,
    no_counterpart_share: float = 0.05,
    fraud_share: float = 0.0,
    importer: str = "RU",
    partners: Sequence[str] = DEFAULT_PARTNERS,
    end_date: date | None = None,
    days: int = 30,
) -> Iterator[Pair]:
    """Exactly ``n`` export and ``n`` import records for the matching benchmark (issue 4).

    ``round(no_counterpart_share * n)`` records on each side have no counterpart; of the pairs, a
    share ``missing_ucr_share`` lacks the UCR on one side (either, at random) and a share
    ``mistyped_container_share`` carries one container number mistyped on one side (with a valid
    check digit, so that it passes validation). The counterpart of an export is the import of the
    same :class:`Pair`; split fraud is left out, so that every pair is one import.
    """
    orphans = round(no_counterpart_share * n)
    slots = n + orphans
    cfg = _stream_config(
        slots, seed, importer, partners, end_date, days, fraud_share=fraud_share,
        fraud_mix={"undervaluation": 0.45, "misclassification": 0.2, "origin": 0.15, "quantity": 0.2},
    )
    world = World(cfg, slots)
    f = Factory(world, seed, "pairs")
    dec = _Decisions(cfg)
    rng = dec.rng
    rand = rng.random
    lonely = rng.sample(range(slots), 2 * orphans)
    only_export = set(lonely[:orphans])
    only_import = set(lonely[orphans:])
    per_day = cfg.per_day
    for i in range(slots):
        day = world.start + min(i // per_day, days - 1)
        if i in only_export:
            yield Pair(f.export_record(f.shipment(day)), None, ())
            continue
        if i in only_import:
            sh = f.shipment(day)
            order = dec.fraud_order() if rand() < world.fraud_p[sh.importer] else []
            yield Pair(None, _imports_with_fraud(f, sh, order, cfg.split_threshold, None)[0][0], ())
            continue
        mistype = rand() < mistyped_container_share
        drop_ucr = rand() < missing_ucr_share
        sh = f.shipment(day, need_container=mistype)
        export = f.export_record(sh)
        order = dec.fraud_order() if rand() < world.fraud_p[sh.importer] else []
        imp = _imports_with_fraud(f, sh, order, cfg.split_threshold, None)[0][0]
        defects: list[str] = []
        if drop_ucr:
            side = "export" if rand() < 0.5 else "import"
            (export if side == "export" else imp).pop("ucr", None)
            defects.append("missing_ucr:" + side)
        if mistype and sh.containers:
            side = "export" if rand() < 0.5 else "import"
            j = int(rand() * len(sh.containers))
            rec = export if side == "export" else imp
            rec["consignment"]["containers"][j]["number"] = mistype_container(rng, sh.containers[j])
            defects.append("mistyped_container:" + side)
        yield Pair(export, imp, tuple(defects))
