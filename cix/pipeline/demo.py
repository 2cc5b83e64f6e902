"""Demo data for a node: generated trade loaded through the real import path (idempotent).

Until the three-node demo of the console issue, ``cix demo`` and ``cix serve --demo`` use this: it
generates a fortnight of seeded synthetic trade into ``<home>/demo-data/``, installs its tariff and
synthetic exchange-rate table as the node's reference data, and imports the import declarations,
the partners' export declarations and the preliminary information. Running it again stores nothing
twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cix.generate import GeneratorConfig, generate, write_dataset
from cix.pipeline.imports import import_file
from cix.reference.rates import add_rates_file
from cix.reference.tariff import add_tariff_file
from cix.settings import Settings
from cix.store.db import open_store


def load_demo(settings: Settings, *, days: int = 14, per_day: int = 60, seed: int = 1) -> dict[str, Any]:
    """Generate (once per day and seed) and import the demo data; returns what each file gave."""
    end = dt.date.today() - dt.timedelta(days=1)
    out = settings.home / "demo-data" / f"{end.isoformat()}-s{seed}"
    if not (out / "imports.jsonl").exists():
        cfg = GeneratorConfig(
            importer="RU", partners=("FI", "CN", "DE", "TR"), days=days, per_day=per_day, seed=seed, end_date=end
        )
        write_dataset(generate(cfg), out)
    add_tariff_file(settings.home, out / "tariff.csv")
    add_rates_file(settings.home, out / "rates.csv")
    store = open_store(settings.store_url)
    summary: dict[str, Any] = {"data": str(out)}
    for name in ("imports", "exports", "preliminary"):
        s = import_file(store, out / f"{name}.jsonl", "jsonl", batch_size=settings.batch_size)
        summary[name] = {"read": s.read, "stored": s.stored, "duplicates": s.duplicates, "quarantined": s.quarantined}
    return summary
