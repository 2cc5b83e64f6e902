"""``cix demo``: three customs nodes on one laptop, exchanging live.

Russia imports; Finland sends its export declaration data under ``green-corridor`` (authorized
exporters only, as the agreement says); China sends the carriers' preliminary information under
``apec-preliminary``. Each node has its own directory, store (SQLite), keys and console
port. The run:

1. sets up the three nodes (keys, endpoints, partners, agreements) and their demo users;
2. generates seeded trade ending today (:mod:`cix.generate`), installs its tariff and exchange rates
   at the Russian node;
3. starts the three ``cix serve`` processes and prints one address per node, Russia's first;
4. loads a fortnight of history into Russia (partner data, import declarations, inspection results
   taken from the generator's fraud truth), builds price references and trains a first model where
   those capabilities are present;
5. then plays today's traffic: for each consignment the partner node lodges its own record and sends
   it over the exchange, and a few seconds later Russia lodges the import declaration, which is
   matched, valued, scored and routed to a channel (its answer names the channel); fraud injected by
   the generator gets caught.

Everything is under ``<home>/demo3``; a new run starts from an empty directory (the demo's data is
disposable). Ctrl-C stops the traffic and the three servers.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cix.demo.network import Network, Node
from cix.generate import Dataset, GeneratorConfig, generate, write_dataset
from cix.i18n import _

IMPORTER, EXPORTER, PRELIMINARY = "RU", "FI", "CN"
DEMO_PASSWORD = "demo-2026"
# user name → role, created on every node
DEMO_USERS = {
    "officer": "officer",
    "analyst": "risk_analyst",
    "cooperation": "cooperation_officer",
    "admin": "administrator",
}

Log = Callable[[str], None]


@dataclass
class DemoStats:
    sent: int = 0
    lodged: int = 0
    channels: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    last_error: str | None = None


def _print(msg: str) -> None:
    print(msg, flush=True)


def set_up(root: Path, *, seed: int = 1, history_days: int = 14, per_day: int = 40) -> tuple[Network, Dataset]:
    """The three nodes, linked, with users, reference data and the generated trade (servers not started)."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    net = Network(root)
    for country in (IMPORTER, EXPORTER, PRELIMINARY):
        net.add(country, "CUSTOMS")
    net.link("green-corridor", [EXPORTER, IMPORTER], "green-corridor-fi-ru")
    net.link("apec-preliminary", [PRELIMINARY, IMPORTER], "apec-preliminary-cn-ru")
    cfg = GeneratorConfig(
        importer=IMPORTER,
        partners=(EXPORTER, PRELIMINARY),
        days=history_days + 1,
        per_day=per_day,
        seed=seed,
        end_date=dt.date.today(),
        fraud_share=0.08,
        aeo_share=0.3,
    )
    ds = generate(cfg)
    data = root / "data"
    write_dataset(ds, data)
    from cix.reference.rates import add_rates_file
    from cix.reference.tariff import add_tariff_file

    for n in net.nodes.values():
        add_tariff_file(n.home, data / "tariff.csv")
        add_rates_file(n.home, data / "rates.csv")
        add_users(n)
    return net, ds


def add_users(node: Node) -> bool:
    """The demo users of a node (when the node has sign-in); False when it has none."""
    try:
        from cix.auth import users as auth_users
    except ImportError:
        return False
    with node.store().write() as conn:
        for name, role in DEMO_USERS.items():
            auth_users.add(conn, name, DEMO_PASSWORD, role=role, administration=node.id)
    return True


def _partner_source(net: Network, country: str) -> str:
    return f"partner:{net.nodes[country].id}"


def load_history(net: Network, ds: Dataset, today: dt.date, log: Log = _print) -> dict[str, Any]:
    """Russia's past: partner data as received, import declarations, inspections from the fraud truth."""
    from cix.ingest.readers import from_json_bytes
    from cix.pipeline.lodge import lodge

    ru = net.nodes[IMPORTER]
    store = ru.store()
    past = [r for r in ds.imports if r["date"] < today.isoformat()]
    keys = {_import_key(r) for r in past}
    exports = [r for r in ds.exports if r["exporter"]["country"] == EXPORTER and r["exporter"].get("aeo")]
    prelim = [r for r in ds.preliminary if r["declarant"]["country"] == PRELIMINARY]
    links = {lk["ucr"]: lk for lk in ds.links}
    past_exports = [r for r in exports if any(k in keys for k in links.get(r.get("ucr") or "", {}).get("imports", []))]
    past_prelim = [r for r in prelim if any(k in keys for k in links.get(r.get("ucr") or "", {}).get("imports", []))]

    def incoming(rows: list[dict[str, Any]], name: str) -> list[Any]:
        import orjson

        return [from_json_bytes(orjson.dumps(r), "json", f"{name}:{i + 1}") for i, r in enumerate(rows)]

    out: dict[str, Any] = {}
    out["exports"] = lodge(
        store, incoming(past_exports, "history-exports"), source=_partner_source(net, EXPORTER)
    ).stored
    out["preliminary"] = lodge(
        store, incoming(past_prelim, "history-preliminary"), source=_partner_source(net, PRELIMINARY)
    ).stored
    out["imports"] = lodge(store, incoming(past, "history-imports"), source="demo-history").stored
    out["inspections"] = _inspect_history(store, ds, past)
    out["prices"] = _build_prices(ru)
    out["model"] = _train_model(ru)
    log(_("history at {id}: {d}").format(id=ru.id, d=out))
    return out


def _import_key(r: dict[str, Any]) -> str:
    return f"lrn:{r['declarant']['identifier']}:{r['lrn']}"


def _inspect_history(store: Any, ds: Dataset, past: list[dict[str, Any]]) -> int:
    """Inspection results for a fifth of the past declarations and every past fraud (as if found)."""
    from sqlalchemy import insert, select

    from cix.store.schema import declarations, inspections

    fraud = {t["key"]: t for t in ds.truth}
    rng = random.Random(7)
    rows = []
    with store.write() as conn:
        ids = dict(conn.execute(select(declarations.c.natural_key, declarations.c.id)).all())
        now = dt.datetime.now(dt.UTC)
        for r in past:
            key = _import_key(r)
            did = ids.get(key)
            if did is None:
                continue
            t = fraud.get(key)
            if t is None and rng.random() > 0.2:
                continue
            duty = _duty_recovered(r, t) if t is not None else 0.0
            rows.append(
                {
                    "declaration_id": did,
                    "inspected_at": now,
                    "officer": "demo",
                    "result": "fraud" if t else "no_fraud",
                    "duty_recovered": duty or None,
                    "critical": 0,
                    "source": "demo-history",
                    "recorded_at": now,
                }
            )
        if rows:
            conn.execute(insert(inspections), rows)
    return len(rows)


def _duty_recovered(record: dict[str, Any], truth: dict[str, Any]) -> float:
    """Duty an inspection of an injected fraud recovers: the value hidden times the item's rate (a demo
    approximation; where the value was not cut — a false code or origin — 5 % of the declared value)."""
    total = 0.0
    for t in truth.get("items", []):
        item = record["goods"][t["index"]] if t["index"] < len(record["goods"]) else {}
        rate = float(item.get("tax_rate") or 0.0)
        declared = float((t.get("declared") or {}).get("customs_value") or item.get("customs_value") or 0.0)
        true = float((t.get("true") or {}).get("customs_value") or 0.0)
        total += (true - declared) * rate / 100 if true > declared else declared * 0.05
    return round(total, 2)


def _build_prices(node: Node) -> Any:
    """Price references from the node's history (the valuation step uses them from then on)."""
    from cix.settings import load_settings
    from cix.valuation.build import build

    summary = build(node.store(), load_settings(node.home))
    return {k: summary[k] for k in ("groups", "observations") if k in summary}


def _train_model(node: Node) -> Any:
    """A first targeting model from the history's inspection results, promoted; None if it cannot learn yet."""
    from cix.errors import CixError
    from cix.risk import registry

    store = node.store()
    try:
        model = registry.train(store, created_by="demo")
        with store.write() as conn:
            registry.promote(conn, model["version"], actor="demo")
    except (CixError, ValueError) as exc:
        return {"error": str(exc)}
    return model["version"]


@dataclass
class Traffic:
    """Today's consignments played out: partner data sent, then the import declaration lodged."""

    net: Network
    ds: Dataset
    today: dt.date
    pace_s: float = 1.0
    delay_s: float = 3.0
    stats: DemoStats = field(default_factory=DemoStats)

    def run(self, stop: threading.Event) -> None:
        todays = [r for r in self.ds.imports if r["date"] == self.today.isoformat()]
        by_key = {_import_key(r): r for r in todays}
        exports = {r.get("ucr"): r for r in self.ds.exports}
        prelim = {r.get("ucr"): r for r in self.ds.preliminary}
        pending: list[tuple[float, dict[str, Any]]] = []
        with httpx.Client(timeout=30) as http:
            for link in self.ds.links:
                imports = [by_key[k] for k in link["imports"] if k in by_key]
                if not imports:
                    continue
                if stop.is_set():
                    return
                exp = exports.get(link["ucr"])
                if exp is not None and exp["exporter"]["country"] == EXPORTER and exp["exporter"].get("aeo"):
                    self._send(http, EXPORTER, "export_declaration", "green-corridor-fi-ru", exp)
                pre = prelim.get(link["ucr"])
                if pre is not None and pre["declarant"]["country"] == PRELIMINARY:
                    self._send(http, PRELIMINARY, "preliminary_information", "apec-preliminary-cn-ru", pre)
                due = time.monotonic() + self.delay_s
                pending.extend((due, r) for r in imports)
                self._lodge_due(http, pending)
                stop.wait(self.pace_s)
            while pending and not stop.is_set():
                self._lodge_due(http, pending)
                stop.wait(0.2)

    def _send(self, http: httpx.Client, frm: str, mtype: str, agreement: str, record: dict[str, Any]) -> None:
        node = self.net.nodes[frm]
        try:
            if record.get("kind") == "export":
                http.post(f"{node.base}/api/v1/declarations", json=record)  # the partner's own copy
            r = http.post(
                f"{node.base}/api/v1/exchange/outbox",
                json={"to": self.net.nodes[IMPORTER].id, "type": mtype, "agreement": agreement, "payloads": [record]},
            )
            if r.status_code >= 400:
                raise RuntimeError(f"{r.status_code} {r.text[:200]}")
            self.stats.sent += 1
        except (httpx.HTTPError, RuntimeError) as exc:
            self.stats.errors += 1
            self.stats.last_error = f"{frm} {mtype}: {exc}"

    def _lodge_due(self, http: httpx.Client, pending: list[tuple[float, dict[str, Any]]]) -> None:
        now = time.monotonic()
        ru = self.net.nodes[IMPORTER]
        while pending and pending[0][0] <= now:
            _due, record = pending.pop(0)
            try:
                r = http.post(f"{ru.base}/api/v1/risk/declarations", json=record)  # lodged and routed
                if r.status_code >= 400:
                    raise RuntimeError(f"{r.status_code} {r.text[:200]}")
                self.stats.lodged += 1
                channel = r.json().get("channel")
                if channel:
                    self.stats.channels[channel] = self.stats.channels.get(channel, 0) + 1
            except (httpx.HTTPError, RuntimeError, ValueError) as exc:
                self.stats.errors += 1
                self.stats.last_error = f"import: {exc}"


def run(
    root: Path,
    *,
    seed: int = 1,
    history_days: int = 14,
    per_day: int = 40,
    pace_s: float = 1.0,
    log: Log = _print,
    stop: threading.Event | None = None,
    ready: Callable[[Network], None] | None = None,
) -> DemoStats:
    """Set up, start, print the addresses, load history, play today's traffic until ``stop`` (or Ctrl-C)."""
    stop = stop or threading.Event()
    today = dt.date.today()
    net, ds = set_up(root, seed=seed, history_days=history_days, per_day=per_day)
    traffic = Traffic(net, ds, today, pace_s=pace_s)
    try:
        net.start()
        names = {IMPORTER: _("Russia (importing)"), EXPORTER: _("Finland (green-corridor)"),
                 PRELIMINARY: _("China (apec-preliminary)")}  # fmt: skip
        for country in (IMPORTER, EXPORTER, PRELIMINARY):
            n = net.nodes[country]
            log(f"{n.base}/  {n.id}  {names[country]}")
        if _has_auth():
            log(_("sign in as officer / {pw} (also analyst, cooperation, admin; same password)").format(
                pw=DEMO_PASSWORD))  # fmt: skip
        log(_("data and logs under {root}; Ctrl-C stops the three nodes").format(root=root))
        if ready is not None:
            ready(net)
        load_history(net, ds, today, log)
        traffic.run(stop)
        st = traffic.stats
        log(_("today's traffic played: {sent} partner messages sent, {lodged} import declarations lodged, "
              "channels {ch}, {err} errors{last}").format(
            sent=st.sent, lodged=st.lodged, ch=dict(sorted(st.channels.items())), err=st.errors,
            last=f" (last: {st.last_error})" if st.last_error else ""))  # fmt: skip
        while not stop.is_set():
            stop.wait(1.0)
    finally:
        net.stop()
    return traffic.stats


def _has_auth() -> bool:
    try:
        import cix.auth  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True
