"""The incremental matching run in plain Python, for the small and medium batches of the declaration path.

:func:`run_incremental` gives the same outcomes as :func:`cix.matching.service.run_incremental` —
the same key index rows, candidate look-up, decision rules (:mod:`cix.matching.engine`),
discrepancies (:mod:`cix.matching.compare`), rows in ``matches`` and ``match_discrepancies`` and ctx
results — without building Polars frames: a batch of a few records costs a few hundred small lazy
collects in Polars, here a few dict look-ups. The Polars run stays the one for bulk work; the step
picks this one up to :data:`cix.matching.step.FAST_MAX` records. Values are formatted the way Polars
formats them (``round(2)`` half to even on ``x * 100``, shortest float text) so that both runs
store the same text.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, text

from cix.matching import compare, engine
from cix.settings import Settings
from cix.store import declarations as decl_store
from cix.store.tables_matching import match_keys

SEP = decl_store.SEP  # how the row joins several numbers in one column
_NORM = re.compile(r"[\s\-./]")
_CHUNK = 900

# Matching's fields are plain columns of the row (cix.store.declarations.MATCH_COLUMNS): no JSON here.
_RECORDS = """
SELECT d.id, d.kind, d.source, d.office, d.ucr, d.importer_id, d.exporter_id, d.declared_on, d.lodged_at,
  d.dispatch_country, d.transport_docs, d.containers, d.hs_edition, d.incoterm, d.freight, d.insurance,
  d.freight_currency
FROM declarations d
WHERE d.kind IN ('import', 'export', 'preliminary') AND d.status != 'cancelled' AND d.id IN ({ids})
"""
_GOODS = """
SELECT g.declaration_id, g.seq, g.hs_code, g.origin, g.quantity, g.unit, g.net_mass, g.gross_mass,
  g.invoice_amount, g.currency, g.customs_value, g.tax_rate
FROM goods_items g WHERE g.declaration_id IN ({ids})
"""  # goods of records the record query left out (cancelled, other kinds) are dropped when read


@dataclass(slots=True)
class Item:
    seq: int
    hs_code: str | None
    origin: str | None
    quantity: float | None
    unit: str | None
    net_mass: float | None
    gross_mass: float | None
    invoice_amount: float | None
    currency: str | None
    customs_value: float | None
    tax_rate: float | None


@dataclass(slots=True)
class Rec:
    """One import declaration or partner record, as :func:`cix.matching.records.prepare` makes it."""

    id: int
    kind: str
    side: str
    ucr: str | None
    docs: list[str]
    containers: list[str]
    importer_id: str | None
    exporter_id: str | None
    declared_on: dt.date | None
    lodged_at: dt.datetime | None
    country: str | None
    hs_edition: str | None
    incoterm: str | None
    freight: float | None
    insurance: float | None
    freight_currency: str | None
    goods: list[Item] = field(default_factory=list)
    mass: float | None = None
    heads: frozenset[str] = frozenset()
    keys: list[str] | None = None


# -- reading -----------------------------------------------------------------------------------


def _norm(s: str) -> str:
    return _NORM.sub("", s.upper())


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


def _split(v: Any) -> list[str]:
    return [_norm(s) for s in str(v).split(SEP)] if v else []


def _date(v: Any) -> dt.date | None:
    return None if v is None else dt.date.fromisoformat(str(v)[:10])


def _stamp(v: Any) -> dt.datetime | None:
    if v is None:
        return None
    return dt.datetime.fromisoformat(str(v)[:19].replace("T", " ")).replace(tzinfo=dt.UTC)


def _side(kind: str, source: str | None, office: str | None, country: str) -> str | None:
    if kind == "import":
        return "import"
    if kind == "preliminary":
        return "partner"
    if kind == "export" and ((source or "").startswith("partner:") or (office is not None and office[:2] != country)):
        return "partner"
    return None


def read(conn: Connection, ids: Iterable[int], *, country: str = "") -> dict[int, Rec]:
    """Records (with their goods) of the declarations ``ids``, by id in id order."""
    wanted = sorted({int(i) for i in ids})
    out: dict[int, Rec] = {}
    if not wanted:
        return out
    for a in range(0, len(wanted), _CHUNK):
        chunk = ",".join(str(i) for i in wanted[a : a + _CHUNK])
        for r in conn.exec_driver_sql(_RECORDS.format(ids=chunk)).fetchall():
            side = _side(r[1], r[2], r[3], country)
            if side is None:
                continue
            ucr = r[4]
            did = int(r[0])
            out[did] = Rec(
                did,
                r[1],
                side,
                None if ucr is None else _norm(ucr),
                _split(r[10]),
                _split(r[11]),
                r[5],
                r[6],
                _date(r[7]),
                _stamp(r[8]),
                r[9],
                r[12],
                r[13],
                _float(r[14]),
                _float(r[15]),
                r[16],
            )
        for g in conn.exec_driver_sql(_GOODS.format(ids=chunk)).fetchall():
            rec = out.get(g[0])
            if rec is not None:
                rec.goods.append(Item(*g[1:]))
    for rec in out.values():
        _finish(rec)
    return out


def from_stored(stored: Iterable[Any], *, country: str = "") -> dict[int, Rec]:
    """Records of declarations a batch has just stored, made from what was stored rather than read back.

    ``stored`` holds :class:`cix.pipeline.steps.Stored` (id, row, goods rows, validated declaration);
    the records are those :func:`read` would give for the same ids, in the same transaction. A record
    made ahead by :func:`ahead` (an import worker, while it checked the batch) is taken as it is.
    """
    out: dict[int, Rec] = {}
    for s in stored:
        made = s.prepared.pre.get(PRE) if hasattr(s, "prepared") else None
        rec = made[1] if made is not None and made[0] == country else record_of(s.row, s.goods, s.decl, country)
        if rec is None:
            continue
        rec.id = int(s.id)
        out[rec.id] = rec
    return dict(sorted(out.items()))


PRE = "matching"


def ahead(prepared: Iterable[Any], country: str) -> None:
    """Make the records of a batch's declarations before they are stored (their id set when they are)."""
    for p in prepared:
        p.pre[PRE] = (country, record_of(p.row, p.goods, p.decl, country))


def record_of(row: dict[str, Any], goods: list[dict[str, Any]], decl: Any, country: str) -> Rec | None:
    """The record of one declaration row (None when matching does not take it); its id is the row's, or 0."""
    kind = row.get("kind")
    if decl is None or kind not in ("import", "export", "preliminary") or row.get("status") == "cancelled":
        return None
    side = _side(kind, row.get("source"), row.get("office"), country)
    if side is None:
        return None
    ucr = row.get("ucr")
    lodged = row.get("lodged_at")
    if isinstance(lodged, dt.datetime):
        lodged = (lodged.astimezone(dt.UTC) if lodged.tzinfo else lodged.replace(tzinfo=dt.UTC)).replace(microsecond=0)
    else:
        lodged = _stamp(lodged)
    rec = Rec(
        int(row.get("id") or 0),
        kind,
        side,
        None if ucr is None else _norm(ucr),
        _split(row.get("transport_docs")),
        _split(row.get("containers")),
        row.get("importer_id"),
        row.get("exporter_id"),
        _date(row.get("declared_on")),
        lodged,
        row.get("dispatch_country"),
        row.get("hs_edition"),
        row.get("incoterm"),
        row.get("freight"),
        row.get("insurance"),
        row.get("freight_currency"),
    )
    rec.goods = [_item(g) for g in goods]
    _finish(rec)
    return rec


def _item(g: dict[str, Any]) -> Item:
    return Item(int(g["seq"]), g.get("hs_code"), g.get("origin"), _float(g.get("quantity")), g.get("unit"),
                _float(g.get("net_mass")), _float(g.get("gross_mass")), _float(g.get("invoice_amount")),
                g.get("currency"), _float(g.get("customs_value")), _float(g.get("tax_rate")))  # fmt: skip


def _finish(rec: Rec) -> None:
    if rec.goods:
        rec.mass = sum((it.gross_mass for it in rec.goods if it.gross_mass is not None), 0.0)
    rec.heads = frozenset(it.hs_code[:4] for it in rec.goods if it.hs_code is not None)


# -- the key index -----------------------------------------------------------------------------


def _keys(r: Rec) -> list[str]:
    """The index keys of one record, cut to the column's length, without repeats."""
    if r.keys is None:
        keys: list[str] = []
        if r.ucr is not None:
            keys.append("u:" + r.ucr)
        keys.extend(["d:" + d for d in r.docs])
        keys.extend(["c:" + c for c in r.containers])
        if r.importer_id is not None and r.exporter_id is not None:
            keys.append("t:" + r.importer_id + "/" + r.exporter_id)
        r.keys = list(dict.fromkeys(k[:120] for k in keys))
    return r.keys


def key_rows(recs: Iterable[Rec]) -> list[tuple[str, int, str]]:
    """The index keys of ``recs``, as :func:`cix.matching.records.key_rows` gives them."""
    return [(k, r.id, r.side) for r in recs for k in _keys(r)]


def index(conn: Connection, recs: Sequence[Rec], fresh: set[int] | frozenset[int] = frozenset()) -> int:
    """(Re)write the key rows of ``recs``; records in ``fresh`` were stored by this transaction and have none."""
    rows = key_rows(recs)
    ids = [r.id for r in recs if r.id not in fresh]
    _delete_ids(conn, "match_keys", ids)
    if rows:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("INSERT INTO match_keys (key, declaration_id, side) VALUES (?, ?, ?)", rows)
        else:
            conn.execute(match_keys.insert(), [{"key": k, "declaration_id": d, "side": s} for k, d, s in rows])
    return len(rows)


def lookup(conn: Connection, keys: Iterable[str], side: str) -> set[int]:
    found: set[int] = set()
    uniq = list(dict.fromkeys(keys))
    sqlite = conn.dialect.name == "sqlite"
    for a in range(0, len(uniq), _CHUNK):
        chunk = uniq[a : a + _CHUNK]
        if sqlite:
            sql = f"SELECT declaration_id FROM match_keys WHERE side = ? AND key IN ({','.join('?' * len(chunk))})"
            found.update(r[0] for r in conn.exec_driver_sql(sql, (side, *chunk)).fetchall())
        else:
            q = (
                match_keys.select()
                .with_only_columns(match_keys.c.declaration_id)
                .where(match_keys.c.key.in_(chunk), match_keys.c.side == side)
            )
            found.update(conn.execute(q).scalars())
    return found


def fallback_candidates(conn: Connection, wanted: dict[str, list[Rec]], side: str, window: int) -> set[int]:
    """Records of ``side`` under the trader keys of ``wanted`` that could be a fall-back candidate of
    one of that key's records: declared within ``window`` days, gross mass within the tolerance, an
    HS heading in common (as :func:`_pool` requires; the country is left to it)."""
    found: set[int] = set()
    uniq = list(wanted)
    sql = (
        "SELECT k.key, k.declaration_id, d.declared_on, g.seq, g.gross_mass, g.hs_code FROM match_keys k"
        " JOIN declarations d ON d.id = k.declaration_id LEFT JOIN goods_items g ON g.declaration_id = d.id"
        " WHERE k.side = :side AND k.key IN :keys"
    )
    q = text(sql).bindparams(bindparam("keys", expanding=True))
    for a in range(0, len(uniq), _CHUNK):
        chunk = uniq[a : a + _CHUNK]
        seen: dict[tuple[str, int], list[Any]] = {}  # (key, id) -> [day, mass, heads]
        for key, did, on, seq, mass, hs in conn.execute(q, {"side": side, "keys": chunk}):
            c = seen.get((key, did))
            if c is None:
                c = seen[(key, did)] = [_date(on), None, set()]
            if seq is not None:  # a goods item (none: the record has no goods, so no mass)
                c[1] = (c[1] or 0.0) + (float(mass) if mass is not None else 0.0)
                if hs is not None:
                    c[2].add(str(hs)[:4])
        for (key, did), (day, mass, heads) in seen.items():
            if day is None or mass is None:
                continue
            for r in wanted[key]:
                mi = r.mass
                if r.declared_on is None or mi is None or abs((day - r.declared_on).days) > window:
                    continue
                if abs(mi - mass) <= engine.MASS_TOLERANCE * (mi if mi > mass else mass) and not r.heads.isdisjoint(
                    heads
                ):
                    found.add(int(did))
                    break
    return found


def _by_export_key(d: Decision, known: dict[int, Rec]) -> bool:
    """Whether a decision is a match with an export record on a key (decided before any fall-back)."""
    cp = known.get(d[1]) if d[0] == "matched" and d[1] is not None and d[2] != "fallback" else None
    return cp is not None and cp.kind == "export"


def _delete_ids(conn: Connection, table: str, ids: Sequence[int], extra: str = "") -> None:
    for a in range(0, len(ids), _CHUNK):
        chunk = ",".join(str(int(i)) for i in ids[a : a + _CHUNK])
        conn.exec_driver_sql(f"DELETE FROM {table} WHERE declaration_id IN ({chunk}){extra}")


# -- deciding (engine.py) ----------------------------------------------------------------------

Decision = tuple[str, int | None, str | None, float | None, list[int]]  # status, counterpart, method, score, cands
_METHOD = {3: "ucr", 2: "document", 1: "container", 0: "fallback"}


def _decide(hits: dict[tuple[int, int], list[int]]) -> dict[int, Decision]:
    per: dict[int, list[tuple[int, int, int]]] = {}
    for (iid, pid), (score, m) in hits.items():
        per.setdefault(iid, []).append((score, pid, m))
    out: dict[int, Decision] = {}
    for iid, cands in per.items():
        best = max(c[0] for c in cands)
        top = [c for c in cands if c[0] == best]
        pids = sorted(c[1] for c in top)
        m = max(c[2] for c in top)
        if len(pids) == 1:
            out[iid] = ("matched", pids[0], _METHOD[m], float(best), pids)
        else:
            out[iid] = ("ambiguous", None, None, float(best), pids)
    return out


def _days_apart(a: dt.date | None, b: dt.date | None, window: int) -> bool:
    return a is not None and b is not None and abs((a - b).days) <= window


def _pool(imp: list[Rec], par: list[Rec], window: int) -> dict[int, Decision]:
    if not imp or not par:
        return {}
    by_ucr: dict[str, list[Rec]] = {}
    by_doc: dict[str, list[Rec]] = {}
    by_con: dict[str, list[Rec]] = {}
    for p in par:
        if p.ucr is not None:
            by_ucr.setdefault(p.ucr, []).append(p)
        for d in p.docs:
            by_doc.setdefault(d, []).append(p)
        for c in p.containers:
            by_con.setdefault(c, []).append(p)
    raw: dict[tuple[int, int], list[Any]] = {}

    def add(i: Rec, p: Rec, w: int, m: int) -> None:
        hit = raw.get((i.id, p.id))
        if hit is None:
            raw[(i.id, p.id)] = [w, m, i, p]
        else:
            hit[0] += w
            hit[1] = max(hit[1], m)

    for i in imp:
        if i.ucr is not None:
            for p in by_ucr.get(i.ucr, ()):
                add(i, p, engine.W_UCR, 3)
        for d in i.docs:
            for p in by_doc.get(d, ()):
                add(i, p, engine.W_DOC, 2)
        for c in i.containers:
            for p in by_con.get(c, ()):
                add(i, p, engine.W_CONTAINER, 1)
    hits: dict[tuple[int, int], list[int]] = {}
    for key, (score, m, i, p) in raw.items():
        if not _days_apart(i.declared_on, p.declared_on, window):
            continue
        score += engine.W_TRADER * (i.importer_id is not None and i.importer_id == p.importer_id)
        score += engine.W_TRADER * (i.exporter_id is not None and i.exporter_id == p.exporter_id)
        hits[key] = [score, m]
    decided = _decide(hits)
    hit_p = {pid for _i, pid in hits}
    rest = [i for i in imp if i.id not in decided]
    free = [p for p in par if p.id not in hit_p]
    if not rest or not free:
        return decided
    groups: dict[tuple[str, str, str], list[Rec]] = {}
    for p in free:
        if p.importer_id is not None and p.exporter_id is not None and p.country is not None:
            groups.setdefault((p.importer_id, p.exporter_id, p.country), []).append(p)
    fb: dict[tuple[int, int], list[int]] = {}
    for i in rest:
        if i.importer_id is None or i.exporter_id is None or i.country is None:
            continue
        di, mi = i.declared_on, i.mass
        if di is None or mi is None:
            continue
        for p in groups.get((i.importer_id, i.exporter_id, i.country), ()):
            dp, mp = p.declared_on, p.mass
            if dp is None or mp is None or abs((di - dp).days) > window:
                continue
            if abs(mi - mp) <= engine.MASS_TOLERANCE * (mi if mi > mp else mp) and not i.heads.isdisjoint(p.heads):
                fb[(i.id, p.id)] = [1, 0]
    decided.update(_decide(fb))
    return decided


def match(
    recs: dict[int, Rec], imports: set[int], *, window_days: int, unmatched_after_hours: int, now: dt.datetime
) -> tuple[dict[int, Decision], list[tuple[int, str]]]:
    """Decisions of the imports ``imports`` and the lonely (pending/unmatched) partner records:
    (import id → decision, [(partner id, status)])."""
    imp = [r for r in recs.values() if r.side == "import" and r.id in imports]
    par = [r for r in recs.values() if r.side == "partner"]
    first = _pool(imp, [p for p in par if p.kind == "export"], window_days)
    matched = {i for i, d in first.items() if d[0] == "matched"}
    first.update(
        _pool([i for i in imp if i.id not in matched], [p for p in par if p.kind == "preliminary"], window_days)
    )
    limit = now - dt.timedelta(hours=unmatched_after_hours)

    def lonely(r: Rec) -> str:
        return "unmatched" if r.lodged_at is not None and r.lodged_at < limit else "pending"

    for i in imp:
        if i.id not in first:
            first[i.id] = (lonely(i), None, None, None, [])
    chosen = {c for d in first.values() for c in d[4]}
    return first, [(p.id, lonely(p)) for p in par if p.id not in chosen]


# -- comparing (compare.py) --------------------------------------------------------------------

Row = tuple[int, int, str, str, int | None, str | None, str | None, float]


def fmt(x: float | None) -> str | None:
    """A float as Polars' ``round(2).cast(Utf8)`` writes it."""
    if x is None:
        return None
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    y = x * 100
    if not math.isfinite(y):
        return repr(x)
    return repr(math.copysign(float(round(y)), y) / 100)


def _sev(rel: float) -> str:
    a = abs(rel)
    return "low" if a <= 0.10 else "medium" if a <= 0.30 else "high"


def _duty(x: float | None) -> float:
    return 0.0 if x is None else max(x, 0.0)


def _adjust(incoterm: str | None, f: float | None, ins: float | None) -> float | None:
    t = (incoterm or "").upper()
    if t in compare.BUYER_PAYS_BOTH:
        return None if f is None or ins is None else f + ins
    if t in compare.BUYER_PAYS_INSURANCE:
        return ins
    return 0.0


def _mul(*xs: float | None) -> float | None:
    out = 1.0
    first = True
    for x in xs:
        if x is None:
            return None
        out = x if first else out * x
        first = False
    return out


class _Cached:
    """The reference look-ups, each called once per distinct arguments within a run."""

    def __init__(self, ref: compare.Reference) -> None:
        self.ref = ref
        self._memo: dict[tuple[Any, ...], Any] = {}

    def _get(self, fn: Callable[..., Any], tag: str, *args: Any) -> Any:
        key = (tag, *args)
        if key not in self._memo:
            self._memo[key] = fn(*args)
        return self._memo[key]

    def rate(self, f: str | None, t: str | None, on: dt.date | None) -> float | None:
        v = self._get(self.ref.rate, "r", f, t, on)
        return None if v is None else float(v)

    def tariff(self, code: str | None, origin: str | None) -> float | None:
        v = self._get(self.ref.tariff, "t", code, origin)
        return None if v is None else float(v)

    def edition(self, on: dt.date | None) -> str | None:
        v = self._get(self.ref.edition_of, "e", on)
        return None if v is None else str(v)


def compare_pair(i: Rec, p: Rec, ref: _Cached) -> list[Row]:
    """Discrepancies of the import ``i`` matched with the partner record ``p``, in the stored order."""
    rows: list[Row] = []
    key = (i.id, p.id)
    for who, ours, theirs in (("importer", i.importer_id, p.importer_id), ("exporter", i.exporter_id, p.exporter_id)):
        if ours is not None and theirs is not None and ours != theirs:
            rows.append((*key, who, "medium", None, ours, theirs, 0.0))
    ed_i = i.hs_edition if i.hs_edition is not None else ref.edition(i.declared_on)
    ed_p = p.hs_edition if p.hs_edition is not None else ref.edition(p.declared_on)
    gi = {g.seq: g for g in i.goods}
    gp = {g.seq: g for g in p.goods}
    both = [(gi[s], gp[s]) for s in gi if s in gp and gi[s].hs_code is not None and gp[s].hs_code is not None]
    total = 0.0
    for a, _b in both:
        total += a.gross_mass if a.gross_mass is not None else 0.0
    n = len(both)
    in_both = ref.ref.in_both
    for a, b in both:
        seq = a.seq
        tariff_i = ref.tariff(a.hs_code, a.origin)
        tariff_their_code = ref.tariff(b.hs_code, a.origin)
        tariff_their_origin = ref.tariff(a.hs_code, b.origin)
        fx = ref.rate(b.currency, a.currency, i.declared_on)
        fx_freight = ref.rate(i.freight_currency, a.currency, i.declared_on)
        share = (a.gross_mass if a.gross_mass is not None else 0.0) / total if total > 0 else 1.0 / n
        freight_cur = fx_freight if fx_freight is not None else (1.0 if i.freight_currency is None else None)
        rate = a.tax_rate if a.tax_rate is not None else tariff_i if tariff_i is not None else 0.0
        f = _mul(i.freight, freight_cur, share)
        if f is None:
            f = _mul(a.invoice_amount, compare.FREIGHT_SHARE)
        ins = _mul(i.insurance, freight_cur, share)
        if ins is None:
            ins = _mul(a.invoice_amount, compare.INSURANCE_SHARE)
        adj_i = _adjust(i.incoterm, f, ins)
        adj_p = _adjust(p.incoterm, f, ins)
        cif_i = None if a.invoice_amount is None or adj_i is None else a.invoice_amount + adj_i
        cif_p_raw = _mul(b.invoice_amount, fx)
        cif_p = None if cif_p_raw is None or adj_p is None else cif_p_raw + adj_p
        nat = a.customs_value / cif_i if a.customs_value is not None and cif_i is not None and cif_i > 0 else 1.0
        cv_or_cif = a.customs_value if a.customs_value is not None else cif_i
        base = (cv_or_cif if cv_or_cif is not None else 0.0) * rate / 100.0
        cur_i, cur_p = a.currency or "", b.currency or ""
        # Value.
        if a.invoice_amount is not None and b.invoice_amount is not None:
            if fx is None:
                rows.append(
                    (
                        *key,
                        "value_not_compared",
                        "low",
                        seq,
                        f"{fmt(a.invoice_amount)} {cur_i}",
                        f"{fmt(b.invoice_amount)} {cur_p}",
                        0.0,
                    )
                )
            elif cif_p is not None and cif_p > 0 and cif_i is not None:
                rel = (cif_p - cif_i) / cif_p
                if abs(rel) > compare.TOLERANCE["customs_value"]:
                    rows.append(
                        (
                            *key,
                            "customs_value",
                            _sev(rel),
                            seq,
                            f"{fmt(cif_i)} {cur_i}",
                            f"{fmt(cif_p)} {cur_i}",
                            _duty((cif_p - cif_i) * nat * rate / 100.0),
                        )
                    )
        # Quantity and masses.
        for kind, o, t in (
            ("quantity", a.quantity, b.quantity),
            ("net_mass", a.net_mass, b.net_mass),
            ("gross_mass", a.gross_mass, b.gross_mass),
        ):
            if o is None or t is None:
                continue
            if kind == "quantity":
                if a.unit is not None and b.unit is not None and a.unit != b.unit:
                    rows.append((*key, kind, "medium", seq, f"{fmt(o)} {a.unit}", f"{fmt(t)} {b.unit or ''}", 0.0))
                    continue
                if a.unit != b.unit:  # one side without unit: neither compared nor reported
                    continue
                suffix = " " + (a.unit or "")
            else:
                suffix = " kg"
            if not t > 0:
                continue
            rel = (t - o) / t
            if abs(rel) > compare.TOLERANCE[kind]:
                rows.append(
                    (
                        *key,
                        kind,
                        _sev(rel),
                        seq,
                        f"{fmt(o)}{suffix}",
                        f"{fmt(t)}{suffix}",
                        _duty((t / o - 1.0) * base if o > 0 else None),
                    )
                )
        # HS code at six digits.
        assert a.hs_code is not None and b.hs_code is not None
        h_i, h_p = a.hs_code[:6], b.hs_code[:6]
        if h_i != h_p:
            if ed_i != ed_p and not (h_i in in_both and h_p in in_both):
                rows.append(
                    (
                        *key,
                        "hs_edition_mismatch",
                        "low",
                        seq,
                        f"{h_i} ({ed_i if ed_i is not None else '?'})",
                        f"{h_p} ({ed_p if ed_p is not None else '?'})",
                        0.0,
                    )
                )
            else:
                hs_duty = (
                    None
                    if tariff_their_code is None or cv_or_cif is None
                    else (tariff_their_code - rate) * cv_or_cif / 100.0
                )
                sev = "high" if hs_duty is not None and hs_duty > 0 else "medium" if h_i[:4] != h_p[:4] else "low"
                rows.append((*key, "hs_code", sev, seq, h_i, h_p, _duty(hs_duty)))
        # Origin.
        if a.origin is not None and b.origin is not None and a.origin != b.origin:
            o_duty = (
                None
                if tariff_their_origin is None or cv_or_cif is None
                else (tariff_their_origin - rate) * cv_or_cif / 100.0
            )
            rows.append(
                (
                    *key,
                    "origin",
                    "high" if o_duty is not None and o_duty > 0 else "medium",
                    seq,
                    a.origin,
                    b.origin,
                    _duty(o_duty),
                )
            )
    # Items on one side only.
    for s in sorted(set(gi) | set(gp)):
        a2, b2 = gi.get(s), gp.get(s)
        hi = a2.hs_code if a2 is not None else None
        hp = b2.hs_code if b2 is not None else None
        if hi is not None and hp is not None:
            continue
        if hi is None:
            amt = b2.invoice_amount if b2 is not None else None
            tr = b2.tax_rate if b2 is not None and b2.tax_rate is not None else 0.0
            rows.append((*key, "item_missing", "high", s, hi, hp, _duty(None if amt is None else amt * tr / 100.0)))
        else:
            rows.append((*key, "item_missing", "medium", s, hi, hp, 0.0))
    rows.sort(key=lambda r: (r[4] is None, r[4] or 0, r[2]))
    return rows


def summarise(rows: list[Row]) -> tuple[int, str | None, float, bool]:
    """Count, worst severity, duty at stake (sum over items of the largest) and clean flag of one pair."""
    real = [r for r in rows if r[2] not in compare.NOT_DISCREPANCY]
    if not real:
        return 0, None, 0.0, True
    worst = max(compare.SEVERITY_RANK[r[3]] for r in real)
    per_item: dict[int | None, float] = {}
    for r in real:
        per_item[r[4]] = max(per_item.get(r[4], r[7]), r[7])
    duty = 0.0
    for v in per_item.values():
        duty += v
    names = {v: k for k, v in compare.SEVERITY_RANK.items()}
    return len(real), names[worst], duty, worst <= 1


# -- the run -----------------------------------------------------------------------------------


def run_incremental(
    conn: Connection,
    ids: Sequence[int],
    settings: Settings,
    *,
    now: dt.datetime | None = None,
    reference: compare.Reference | None = None,
    records: dict[int, Rec] | None = None,
) -> dict[int, dict[str, Any]]:
    """Match newly stored records (``ids``) as :func:`cix.matching.service.run_incremental` does and
    store the same rows; returns the ctx result of each import decided (new or earlier).

    ``records``, when given, are those records already made (:func:`from_stored`): the path passes the
    declarations it has just stored instead of reading them back.

    The cyclic garbage collector is paused for the run: it allocates many small acyclic objects,
    and in a process holding a large heap each collection pass over them costs more than the run."""
    from cix.pipeline.lodge import paused_gc

    with paused_gc():
        return _run(conn, ids, settings, now=now, reference=reference, records=records)


def _run(
    conn: Connection,
    ids: Sequence[int],
    settings: Settings,
    *,
    now: dt.datetime | None,
    reference: compare.Reference | None,
    records: dict[int, Rec] | None = None,
) -> dict[int, dict[str, Any]]:
    from cix.matching import service

    country = settings.country
    new = records if records is not None else read(conn, ids, country=country)
    if not new:
        return {}
    recs = list(new.values())
    # Records handed over by the path were stored by this very transaction: they have no rows yet.
    fresh = set(new) if records is not None else set()
    index(conn, recs, fresh)
    new_imp = {r.id for r in recs if r.side == "import"}
    new_par = [r for r in recs if r.side == "partner"]
    new_par_ids = {r.id for r in new_par}
    imports = new_imp | lookup(conn, (k for k, _d, _s in key_rows(new_par)), "import")
    known = dict(new)
    old = imports - new_imp
    if old:
        known.update(read(conn, old, country=country))
    imp_recs = [known[i] for i in sorted(imports) if i in known and known[i].side == "import"]
    now = now or dt.datetime.now(dt.UTC)

    def decide(partners: set[int]) -> tuple[dict[int, Rec], dict[int, Decision], list[tuple[int, str]]]:
        missing = partners - set(known)
        if missing:
            known.update(read(conn, missing, country=country))
        pool = {i: known[i] for i in sorted(imports | partners) if i in known}
        decided, lonely = match(
            pool,
            imports,
            window_days=settings.match_window_days,
            unmatched_after_hours=settings.match_unmatched_after_hours,
            now=now,
        )
        return pool, decided, lonely

    # First the partner records that share a UCR, document or container with the imports; then, for
    # the imports not matched to an export by such a key (the others never reach a fall-back), those
    # of the same trader pair that pass the fall-back's date, mass and heading tests. A trader pair
    # may have hundreds of records, and a record found by a trader pair alone can only ever be a
    # fall-back candidate of an import of that pair, so the outcome is that of one look-up with
    # every key.
    strong = (k for k, _d, _s in key_rows(imp_recs) if not k.startswith("t:"))
    partners = new_par_ids | lookup(conn, strong, "partner")
    pool, decided, lonely = decide(partners)
    rest = [r for r in imp_recs if not _by_export_key(decided[r.id], known)]
    near: dict[str, list[Rec]] = {}
    for r in rest:
        for k in _keys(r):
            if k.startswith("t:"):
                near.setdefault(k, []).append(r)
    pairs = fallback_candidates(conn, near, "partner", settings.match_window_days) if near else set()
    if pairs - partners:
        partners |= pairs
        pool, decided, lonely = decide(partners)
    ref = _Cached(reference if reference is not None else service.reference(settings))
    disc: dict[int, list[Row]] = {}
    for iid, d in decided.items():
        if d[0] == "matched" and d[1] is not None:
            disc[iid] = compare_pair(pool[iid], pool[d[1]], ref)
    mrows: list[tuple[Any, ...]] = []
    for iid in sorted(decided):
        status, cp, method, score, cands = decided[iid]
        n, worst, duty, clean = summarise(disc.get(iid, []))
        mrows.append(
            (
                iid,
                "import",
                status,
                cp,
                method,
                score,
                ",".join(map(str, cands)) if len(cands) > 1 else None,
                int(status == "matched" and clean),
                n,
                worst,
                duty,
            )
        )
    for pid, status in lonely:
        if pid in new_par_ids:
            mrows.append((pid, "partner", status, None, None, None, None, 0, 0, None, 0.0))
    drows = [r for iid in sorted(disc) for r in disc[iid]]
    _write(conn, mrows, drows, fresh)
    chosen = sorted({c for d in decided.values() for c in d[4]})
    if chosen:
        _delete_ids(conn, "matches", chosen, " AND side = 'partner'")
    return _results(decided, disc)


def _write(conn: Connection, mrows: list[tuple[Any, ...]], drows: list[Row], fresh: set[int]) -> None:
    at = decl_store.now()
    ids = [r[0] for r in mrows if r[0] not in fresh]
    _delete_ids(conn, "matches", ids)
    _delete_ids(conn, "match_discrepancies", ids)
    from cix.matching.service import insert_outcomes

    insert_outcomes(conn, mrows, drows, at)


def _results(decided: dict[int, Decision], disc: dict[int, list[Row]]) -> dict[int, dict[str, Any]]:
    res: dict[int, dict[str, Any]] = {}
    for iid, (status, cp, method, _score, cands) in decided.items():
        rows = disc.get(iid, [])
        _n, _w, duty, clean = summarise(rows)
        real: list[dict[str, Any]] = []
        notes: list[dict[str, Any]] = []
        for r in rows:
            d = {"kind": r[2], "severity": r[3], "item": r[4], "ours": r[5], "theirs": r[6], "duty_at_stake": r[7]}
            (notes if r[2] in compare.NOT_DISCREPANCY else real).append(d)
        res[iid] = {
            "status": status,
            "counterpart_id": cp,
            "candidates": list(cands),
            "method": method,
            "clean": status == "matched" and clean,
            "duty_at_stake": float(duty),
            "discrepancies": real,
            "edition_mismatches": notes,
        }
    return res
