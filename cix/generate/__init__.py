"""Synthetic trade: seeded, reproducible declarations with matching partner data and injected fraud.

``generate(GeneratorConfig(...))`` builds a whole :class:`Dataset` (imports, exports, preliminary
information, fraud truth, consignment links, traders, tariff and synthetic rates) and
``write_dataset`` writes it to a directory (what ``cix generate`` does); ``iter_declarations``
and ``iter_pairs`` stream records for the ingest and matching benchmarks. ``docs/generator.md``
describes what is generated, the knobs, the fraud kinds and the file formats.
"""

from __future__ import annotations

from cix.generate.dataset import FILES, Dataset, Pair, generate, iter_declarations, iter_pairs, write_dataset
from cix.generate.records import natural_key
from cix.generate.world import DEFAULT_FRAUD_MIX, DEFAULT_PARTNERS, FRAUD_KINDS, GeneratorConfig

__all__ = [
    "DEFAULT_FRAUD_MIX",
    "DEFAULT_PARTNERS",
    "FILES",
    "FRAUD_KINDS",
    "Dataset",
    "GeneratorConfig",
    "Pair",
    "generate",
    "iter_declarations",
    "iter_pairs",
    "natural_key",
    "write_dataset",
]
