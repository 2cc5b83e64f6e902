"""Matching through the declaration path and in bulk, on SQLite and PostgreSQL: outcomes and every discrepancy kind."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import orjson
import pytest

from cix.generate import GeneratorConfig, generate
from cix.ingest.records import Incoming
from cix.matching import service
from cix.pipeline.lodge import lodge_batch
from cix.settings import Settings

END = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def dataset() -> Any:
    return generate(GeneratorConfig(partners=("FI", "CN"), days=3, per_day=20, seed=5, end_date=END, fraud_share=0.0))


def _pair(ds: Any, items: int = 1) -> tuple[dict[str, Any], dict[str, Any]]:
    exports = {e["ucr"]: e for e in ds.exports if e.get("ucr")}
    for imp in ds.imports:
        exp = exports.get(imp.get("ucr"))
        if exp is not None and len(imp["goods"]) >= items and imp["goods"][0].get("currency"):
            return copy.deepcopy(exp), copy.deepcopy(imp)
    raise AssertionError("no pair")


def _lodge(store: Any, recs: list[dict[str, Any]], source: str) -> None:
    batch = [Incoming(orjson.dumps(r).decode(), "json", r, f"t{i}") for i, r in enumerate(recs)]
    s = lodge_batch(store, batch, source=source, today=END)
    assert s.stored == len(recs), s.to_dict()


def _node(store: Any, tmp_path: Path) -> Settings:
    store.settings = Settings(home=tmp_path)
    return store.settings


def _show(store: Any, imp: dict[str, Any]) -> dict[str, Any]:
    with store.read() as conn:
        return service.show(conn, f"lrn:{imp['declarant']['identifier']}:{imp['lrn']}", store.settings)


def _kinds(result: dict[str, Any]) -> set[str]:
    return {d["kind"] for d in result["discrepancies"]}


def test_clean_pair_matches_whichever_arrives_first(store: Any, tmp_path: Path, dataset: Any) -> None:
    _node(store, tmp_path)
    exp, imp = _pair(dataset)
    _lodge(store, [imp], "api:test")  # the import first: pending
    assert _show(store, imp)["status"] == "pending"
    _lodge(store, [exp], "partner:FI")  # the partner record arrives and matches the earlier import
    res = _show(store, imp)
    assert res["status"] == "matched" and res["method"] == "ucr"
    assert res["discrepancies"] == [] and res["clean"] is True


def test_rerun_is_idempotent_and_agrees_with_the_step(store: Any, tmp_path: Path, dataset: Any) -> None:
    settings = _node(store, tmp_path)
    exp, imp = _pair(dataset)
    imp["goods"][0]["quantity"] = imp["goods"][0]["quantity"] * 0.5
    _lodge(store, [exp], "partner:FI")
    _lodge(store, [imp], "api:test")
    before = _show(store, imp)
    for _ in range(2):
        with store.write() as conn:
            service.run_bulk(conn, settings)
    after = _show(store, imp)
    assert after["discrepancies"] == before["discrepancies"]
    with store.read() as conn:
        n = conn.exec_driver_sql("SELECT count(*) FROM match_discrepancies").scalar_one()
        m = conn.exec_driver_sql("SELECT count(*) FROM matches").scalar_one()
    assert n == len(after["discrepancies"]) and m == 1


def test_bulk_rerun_that_rebuilds_the_indexes_keeps_outcomes_and_indexes(
    sqlite_store: Any, tmp_path: Path, dataset: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = sqlite_store
    settings = _node(store, tmp_path)
    exp, imp = _pair(dataset)
    imp["goods"][0]["quantity"] = imp["goods"][0]["quantity"] * 0.5  # one discrepancy at least
    _lodge(store, [exp, *(e for e in dataset.exports[:30] if e.get("ucr") != exp.get("ucr"))], "partner:FI")
    _lodge(store, [imp, *(i for i in dataset.imports[:30] if i.get("lrn") != imp.get("lrn"))], "api:test")
    query = {
        "indexes": "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
        " AND tbl_name IN ('matches', 'match_discrepancies') ORDER BY name",
        "matches": "SELECT declaration_id, side, status, counterpart_id, method, discrepancies FROM matches ORDER BY 1",
        "disc": "SELECT declaration_id, kind, item, ours, theirs FROM match_discrepancies ORDER BY 1, 2, 3",
    }

    def state() -> dict[str, list[Any]]:
        with store.read() as conn:
            return {k: [tuple(r) for r in conn.exec_driver_sql(q)] for k, q in query.items()}

    with store.write() as conn:
        service.run_bulk(conn, settings)
    before = state()
    monkeypatch.setattr(service, "BULK_REINDEX_ROWS", 1)  # every outcome written with the indexes off
    with store.write() as conn:
        service.run_bulk(conn, settings)
    after = state()
    assert len(before["indexes"]) == 3 and before["disc"]
    assert any(m[2] == "matched" for m in before["matches"])
    assert after == before


def test_missing_ucr_matches_on_transport_document(store: Any, tmp_path: Path, dataset: Any) -> None:
    _node(store, tmp_path)
    exp, imp = _pair(dataset)
    imp.pop("ucr")
    _lodge(store, [exp], "partner:FI")
    _lodge(store, [imp], "api:test")
    res = _show(store, imp)
    assert res["status"] == "matched" and res["method"] in ("document", "container")


def test_fallback_without_keys(store: Any, tmp_path: Path, dataset: Any) -> None:
    _node(store, tmp_path)
    exp, imp = _pair(dataset)
    imp.pop("ucr")
    imp["consignment"]["transport_documents"] = []
    imp["consignment"]["containers"] = []
    _lodge(store, [exp], "partner:FI")
    _lodge(store, [imp], "api:test")
    res = _show(store, imp)
    assert res["status"] == "matched" and res["method"] == "fallback"


def test_ambiguous_lists_candidates(store: Any, tmp_path: Path, dataset: Any) -> None:
    _node(store, tmp_path)
    exp, imp = _pair(dataset)
    twin = copy.deepcopy(exp)
    twin["mrn"] = exp["mrn"][:-1] + ("B" if exp["mrn"][-1] != "B" else "C")
    twin["lrn"] = exp["lrn"] + "X"
    _lodge(store, [exp], "partner:FI")
    with store.read():
        pass
    from cix.model import rules

    _decl, problems = rules.validate(twin, today=END)
    if any(p.severity == "error" for p in problems):
        pytest.skip("twin MRN check character")  # pragma: no cover
    _lodge(store, [twin], "partner:FI")
    _lodge(store, [imp], "api:test")
    res = _show(store, imp)
    assert res["status"] == "ambiguous" and len(res["candidates"]) == 2


def test_unmatched_past_time_limit(store: Any, tmp_path: Path, dataset: Any) -> None:
    settings = _node(store, tmp_path)
    _exp, imp = _pair(dataset)
    _lodge(store, [imp], "api:test")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=settings.match_unmatched_after_hours + 1)
    with store.read() as conn:
        assert (
            service.show(conn, str(_show(store, imp)["declaration_id"]), settings, now=later)["status"] == "unmatched"
        )
        total, rows = service.list_matches(conn, settings, status="unmatched", now=later)
    assert total == 1 and rows[0]["status"] == "unmatched"


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("customs_value", lambda g, d: g.update(invoice_amount=g["invoice_amount"] * 0.4)),
        ("quantity", lambda g, d: g.update(quantity=g["quantity"] * 0.7)),
        ("net_mass", lambda g, d: g.update(net_mass=g["net_mass"] * 0.7)),
        ("gross_mass", lambda g, d: g.update(gross_mass=g["gross_mass"] * 1.5)),
        ("origin", lambda g, d: g.update(origin="BY" if g.get("origin") != "BY" else "KZ")),
        ("importer", lambda g, d: d["importer"].update(identifier=d["declarant"]["identifier"] + "0")),
        ("exporter", lambda g, d: d["exporter"].update(identifier=d["exporter"]["identifier"] + "0")),
        ("item_missing", lambda g, d: d["goods"].append(copy.deepcopy(g))),
    ],
)
def test_each_discrepancy_kind(store: Any, tmp_path: Path, dataset: Any, kind: str, change: Any) -> None:
    _node(store, tmp_path)
    exp, imp = _pair(dataset)
    change(imp["goods"][0], imp)
    _lodge(store, [exp], "partner:FI")
    from cix.model import rules

    _d, problems = rules.validate(imp, today=END)
    errors = [p for p in problems if p.severity == "error"]
    assert not errors, errors
    _lodge(store, [imp], "api:test")
    res = _show(store, imp)
    assert res["status"] == "matched"
    assert kind in _kinds(res), res["discrepancies"]
    found = next(d for d in res["discrepancies"] if d["kind"] == kind)
    assert found["severity"] in ("low", "medium", "high") and found["ours"] != found["theirs"]
    assert res["clean"] is False


def test_hs_code_discrepancy(store: Any, tmp_path: Path, dataset: Any) -> None:
    _node(store, tmp_path)
    exp, imp = _pair(dataset)
    other = next(
        i["goods"][0]["hs_code"]
        for i in dataset.imports
        if i["goods"][0]["hs_code"][:6] != imp["goods"][0]["hs_code"][:6]
    )
    imp["goods"][0]["hs_code"] = other
    _lodge(store, [exp], "partner:FI")
    _lodge(store, [imp], "api:test")
    res = _show(store, imp)
    hs = [d for d in res["discrepancies"] if d["kind"] == "hs_code"]
    assert hs and hs[0]["ours"] == other[:6]
