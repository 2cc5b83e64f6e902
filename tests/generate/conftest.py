"""Datasets shared by the generator's tests: generated once per session with a fixed end date."""

from __future__ import annotations

import datetime as dt

import pytest

from cix.generate import Dataset, GeneratorConfig, generate

END = dt.date(2024, 5, 31)


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    """1,200 consignments over 12 days, the default mix (5 % fraud)."""
    return generate(GeneratorConfig(end_date=END, days=12, per_day=100, seed=7))


@pytest.fixture(scope="session")
def fraudulent() -> Dataset:
    """A third of the consignments fraudulent, for the truth tests."""
    return generate(GeneratorConfig(end_date=END, days=5, per_day=120, seed=11, fraud_share=0.33))


@pytest.fixture(scope="session")
def defective() -> Dataset:
    """The matching defects of issue 4 on 2,000 consignments."""
    return generate(GeneratorConfig(
        end_date=END, days=10, per_day=200, seed=5, preliminary_share=0.0, fraud_share=0.0,
        missing_ucr_share=0.2, mistyped_container_share=0.1, no_counterpart_share=0.05,
    ))
