"""The steps' warm-up: each step's in-memory state loaded from the store ahead of the first batch."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from cix.pipeline import steps
from cix.settings import Settings


@pytest.fixture
def registry() -> Any:
    steps.load()
    saved, warm = list(steps._STEPS), dict(steps._WARM)
    yield
    steps._STEPS[:] = saved
    steps._WARM.clear()
    steps._WARM.update(warm)


def test_warm_calls_each_step_warm_hook_with_a_read_connection(sqlite_store: Any, registry: Any) -> None:
    seen: list[Any] = []
    settings = Settings.model_construct(country="RU")
    steps.register("probe", 99, lambda conn, stored, ctx: None, warm=lambda conn, s: seen.append((conn, s)))
    steps.warm(sqlite_store, settings)
    assert len(seen) == 1
    conn, given = seen[0]
    assert given is settings and conn.dialect.name == "sqlite"
    # Registering the step again without a hook drops the hook.
    steps.register("probe", 99, lambda conn, stored, ctx: None)
    steps.warm(sqlite_store, settings)
    assert len(seen) == 1


def test_a_failing_warm_up_is_logged_not_raised(
    sqlite_store: Any, registry: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(conn: Any, s: Any) -> None:
        raise RuntimeError("no model file")

    steps.register("probe", 99, lambda conn, stored, ctx: None, warm=boom)
    with caplog.at_level(logging.WARNING, logger="cix.pipeline"):
        steps.warm(sqlite_store, Settings.model_construct(country="RU"))
    assert "warming" in caplog.text


def test_built_in_warm_up_loads_references_and_inspection_books(sqlite_store: Any, tmp_path: Any) -> None:
    from cix.risk.profiles import facts
    from cix.valuation import index

    url = str(sqlite_store.engine.url)
    index.invalidate()
    facts._BOOKS.clear()
    steps.warm(sqlite_store, Settings(home=tmp_path, database_url=None))
    assert url in index._CACHE
    assert url in facts._BOOKS._db
