"""Three real nodes on loopback: FI and CN send export data, preliminary information and price records to RU.

RU's import declarations, lodged over its API, come out matched (or not) with the discrepancies the
generator's injected fraud implies, and valued against price references that include the partners'
price records. This is the "done when" of the matching and valuation issue, on real processes.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from cix.demo.network import Network, Node
from cix.exchange import node as node_mod
from cix.generate import GeneratorConfig, generate, write_dataset
from cix.ingest.readers import from_json_bytes
from cix.pipeline.lodge import lodge
from cix.reference.rates import add_rates_file
from cix.reference.tariff import add_tariff_file
from cix.settings import Settings
from cix.store.schema import declarations, inbox

TODAY = dt.date.today()


def _settings(n: Node) -> Settings:
    return Settings(home=n.home, country=n.country, authority=n.authority)


def _lodge_local(n: Node, rows: list[dict[str, Any]], source: str) -> int:
    store = n.store()
    store.settings = _settings(n)
    docs = [from_json_bytes(orjson.dumps(r), "json", f"{source}:{i}") for i, r in enumerate(rows)]
    return lodge(store, docs, source=source).stored


def _reference_data(n: Node, ds: Any, tmp: Path) -> None:
    out = tmp / f"data-{n.country}"
    write_dataset(ds, out)
    add_tariff_file(n.home, out / "tariff.csv")
    add_rates_file(n.home, out / "rates.csv")


def _wait(what: str, fn: Any, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _count_inbox(n: Node, mtype: str) -> int:
    with n.store().read() as conn:
        return int(conn.execute(select(func.count()).select_from(inbox).where(inbox.c.type == mtype)).scalar_one())


@pytest.fixture
def space(tmp_path: Path) -> Any:
    net = Network(tmp_path / "nodes")
    for c in ("RU", "FI", "CN"):
        net.add(c, "CUSTOMS")
    net.link("green-corridor", ["FI", "RU"], "gc-fi-ru")
    net.link("price-information", ["FI", "RU"], "prices-fi-ru")
    net.link("apec-preliminary", ["CN", "RU"], "apec-cn-ru")
    yield net
    net.stop()


def test_partners_data_and_prices_reach_ru_and_its_declarations_are_matched_and_valued(
    space: Network, tmp_path: Path
) -> None:
    from cix.matching import service as matching
    from cix.valuation import records as price_records
    from cix.valuation.build import build
    from cix.valuation.step import result_of

    net = space
    ru, fi, cn = (net.nodes[c] for c in ("RU", "FI", "CN"))
    # RU's trade: history and today, every FI exporter authorized (the green corridor's condition).
    trade = generate(
        GeneratorConfig(importer="RU", partners=("FI", "CN"), days=6, per_day=50, seed=5, end_date=TODAY,
                        fraud_share=0.3, aeo_share=1.0, fraud_mix={"undervaluation": 0.4, "quantity": 0.2,
                        "origin": 0.2, "misclassification": 0.2})
    )  # fmt: skip
    _reference_data(ru, trade, tmp_path)
    # FI's and CN's own imports, from which their price records are made.
    for partner, others, seed in ((fi, ("CN", "DE"), 6), (cn, ("DE", "TR"), 7)):
        own = generate(
            GeneratorConfig(importer=partner.country, partners=others, days=20, per_day=30, seed=seed, end_date=TODAY)
        )
        _reference_data(partner, own, tmp_path)
        assert _lodge_local(partner, own.imports, "own") == len(own.imports)
    net.start()

    # Price records: FI under price-information, CN under apec-preliminary.
    for sender, agreement in ((fi, "prices-fi-ru"), (cn, "apec-cn-ru")):
        me = node_mod.load(sender.home)
        sent = price_records.send(sender.store(), _settings(sender), me, ru.id, agreement_id=agreement)
        assert sent["records"] > 0
    _wait("price records at RU", lambda: _count_inbox(ru, "price_record") >= 2)

    # RU's history, then its price references (own declarations + the partners' records).
    past = [r for r in trade.imports if r["date"] < TODAY.isoformat()]
    assert _lodge_local(ru, past, "history") == len(past)
    summary = build(ru.store(), _settings(ru))
    assert summary["partner_records"] >= 2 and summary["groups"] > 0

    # Today: FI sends export data, CN preliminary information; then RU lodges the imports over its API.
    todays = [r for r in trade.imports if r["date"] == TODAY.isoformat()]
    keys = {f"lrn:{r['declarant']['identifier']}:{r['lrn']}" for r in todays}
    links = [lk for lk in trade.links if any(k in keys for k in lk["imports"])]
    ucrs = {lk["ucr"] for lk in links}
    exports = [r for r in trade.exports if r.get("ucr") in ucrs and r["exporter"]["country"] == "FI"]
    prelim = [r for r in trade.preliminary if r.get("ucr") in ucrs and r["declarant"]["country"] == "CN"]
    assert exports and prelim
    for sender, mtype, agreement, rows in (
        (fi, "export_declaration", "gc-fi-ru", exports),
        (cn, "preliminary_information", "apec-cn-ru", prelim),
    ):
        r = httpx.post(
            f"{sender.base}/api/v1/exchange/outbox",
            json={"to": ru.id, "type": mtype, "agreement": agreement, "payloads": rows},
            timeout=60,
        )
        assert r.status_code == 202, r.text

    def partner_records_stored() -> bool:
        with ru.store().read() as conn:
            n = conn.execute(
                select(func.count()).select_from(declarations).where(declarations.c.source.like("partner:%"))
            ).scalar_one()
        return n >= len(exports) + len(prelim)

    _wait("partner records lodged at RU", partner_records_stored)
    # One planted, gross undervaluation (a tenth of the value) on an honest FI consignment.
    fi_ucrs = {e.get("ucr") for e in exports}
    truth = {t["key"]: t for t in trade.truth}
    planted = next(
        r for r in todays
        if r.get("ucr") in fi_ucrs and f"lrn:{r['declarant']['identifier']}:{r['lrn']}" not in truth
    )  # fmt: skip
    g0 = planted["goods"][0]
    g0["invoice_amount"] = round(g0["invoice_amount"] / 10, 2)
    g0["customs_value"] = round(g0["customs_value"] / 10, 2)
    planted_key = f"lrn:{planted['declarant']['identifier']}:{planted['lrn']}"
    with httpx.Client(base_url=ru.base, timeout=30) as http:
        for rec in todays:
            r = http.post("/api/v1/declarations", json=rec)
            assert r.status_code == 201, r.text

    # Every import of today has a match outcome and a valuation result.
    settings = _settings(ru)
    expected = {"undervaluation": "customs_value", "quantity": "quantity", "origin": "origin",
                "misclassification": "hs_code"}  # fmt: skip
    seen_kinds: dict[str, int] = {}
    diag: list[Any] = []
    with ru.store().read() as conn:
        for key in sorted(keys):
            m = matching.show(conn, key, settings)
            did = m["declaration_id"]
            v = result_of(conn, did)
            assert v is not None, key
            link = next(lk for lk in links if key in lk["imports"])
            has_partner = link["ucr"] in {e.get("ucr") for e in exports} or link["ucr"] in {
                p.get("ucr") for p in prelim
            }
            if has_partner and not link.get("defects"):
                assert m["status"] == "matched", (key, m["status"], m.get("candidates"))
            t = truth.get(key)
            kinds = {d["kind"] for d in m["discrepancies"]}
            diag.append((key[-6:], m["status"], t and t["kinds"], sorted(kinds), link["ucr"][:3], v.get("flagged")))
            if t is None or m["status"] != "matched" or "split" in t["kinds"]:
                continue
            for k in t["kinds"]:
                want = expected.get(k)
                counterpart_is_export = link["ucr"] in {e.get("ucr") for e in exports}
                if want and (counterpart_is_export or want in ("hs_code", "origin")):
                    # preliminary information carries no values: only code/origin/quantity compare there
                    if want == "customs_value" and not counterpart_is_export:
                        continue
                    assert want in kinds, (key, k, kinds)
                    seen_kinds[k] = seen_kinds.get(k, 0) + 1
        m = matching.show(conn, planted_key, settings)
        v = result_of(conn, m["declaration_id"])
    assert m["status"] == "matched"
    d = next(d for d in m["discrepancies"] if d["kind"] == "customs_value" and d["item"] == 1)
    assert d["severity"] == "high" and d["duty_at_stake"] > 0
    assert v is not None and v["flagged"], v
    item = next(i for i in v["items"] if i["seq"] == 1)
    assert item["flagged"] and item["undervalued_amount"] > 0 and "reference median" in item["reason"], item
    assert sum(seen_kinds.values()) > 0, diag  # the generator's own frauds showed as their discrepancies
