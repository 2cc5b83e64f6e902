"""The model registry: versions of the node's targeting model, their window and metrics, promote and roll back.

Training (:func:`train`) makes a new **candidate** from the store's inspected declarations; an analyst
**promotes** a candidate (the active one, if any, is retired), or **rolls back** to the version that
was active before the current one. At most one version is **active**: the risk step scores with it and
records its version in every decision. Promotions and rollbacks go into the audit log. Loaded models
are cached per process by version, so a batch costs one look-up of the active version.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from sqlalchemy import Connection, func, select, update

from cix.errors import Conflict, NotFound
from cix.i18n import _
from cix.risk import node_model
from cix.risk.targeting.model import TargetingModel
from cix.store import audit
from cix.store.db import Store
from cix.store.tables_risk import risk_models

CANDIDATE, ACTIVE, RETIRED = "candidate", "active", "retired"
_COLS = [c for c in risk_models.c if c.name != "artifact"]
_CACHE: dict[str, TargetingModel] = {}
_CACHE_LOCK = threading.Lock()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _plain(r: Any) -> dict[str, Any]:
    d = dict(r)
    for k in ("window_from", "window_to", "created_at", "promoted_at", "retired_at"):
        if d.get(k) is not None:
            d[k] = d[k].isoformat()
    return d


def list_models(conn: Connection) -> list[dict[str, Any]]:
    return [_plain(r) for r in conn.execute(select(*_COLS).order_by(risk_models.c.id.desc())).mappings()]


def get(conn: Connection, version: str) -> dict[str, Any]:
    r = conn.execute(select(*_COLS).where(risk_models.c.version == version)).mappings().first()
    if r is None:
        raise NotFound(_("no model version {version}").format(version=version))
    return _plain(r)


def active_version(conn: Connection) -> str | None:
    return conn.execute(select(risk_models.c.version).where(risk_models.c.status == ACTIVE).limit(1)).scalar()


def load(conn: Connection, version: str) -> TargetingModel:
    """The model of ``version`` (from the per-process cache after the first load)."""
    m = _CACHE.get(version)
    if m is not None:
        return m
    with _CACHE_LOCK:
        m = _CACHE.get(version)
        if m is None:
            blob = conn.execute(select(risk_models.c.artifact).where(risk_models.c.version == version)).scalar()
            if blob is None:
                raise NotFound(_("no model version {version}").format(version=version))
            m = node_model.from_bytes(bytes(blob))
            _CACHE[version] = m
    return m


def active(conn: Connection) -> tuple[str | None, TargetingModel | None]:
    v = active_version(conn)
    return (v, load(conn, v)) if v else (None, None)


def add(conn: Connection, model: TargetingModel, *, created_by: str | None = None) -> dict[str, Any]:
    """Register a trained model as a new candidate version."""
    n = conn.execute(select(func.count()).select_from(risk_models)).scalar() or 0
    version = f"m{n + 1:04d}-{_now():%Y%m%d%H%M%S}"
    window = model.meta.get("window") or [None, None]

    def day(v: Any) -> dt.date | None:
        try:
            return dt.date.fromisoformat(str(v)) if v not in (None, "None") else None
        except ValueError:
            return None

    split = model.meta.get("time_split", {})
    metrics = {
        "rows": model.meta.get("rows"),
        "fraud_rate": model.meta.get("fraud_rate"),
        "time_split": {k: split[k] for k in ("cut", "n", "auc", "@1", "@2", "@5", "@10", "@20") if k in split},
        "thresholds": model.thresholds,
    }
    conn.execute(
        risk_models.insert().values(
            version=version,
            status=CANDIDATE,
            created_at=_now(),
            created_by=created_by,
            window_from=day(window[0]),
            window_to=day(window[1]),
            rows=int(model.meta.get("rows") or 0),
            metrics=metrics,
            artifact=node_model.to_bytes(model),
        )
    )
    with _CACHE_LOCK:
        _CACHE[version] = model
    return get(conn, version)


def train(
    store: Store,
    *,
    seed: int = 0,
    since: dt.date | None = None,
    until: dt.date | None = None,
    created_by: str | None = None,
) -> dict[str, Any]:
    """Train on the store's inspected declarations (window ``since``..``until``) → a new candidate."""
    with store.read() as conn:
        rows = node_model.training_rows(conn, since=since, until=until)
    model = node_model.fit(rows, seed=seed)
    with store.write() as conn:
        return add(conn, model, created_by=created_by)


def promote(conn: Connection, version: str, *, actor: str | None = None) -> dict[str, Any]:
    """Make ``version`` the active model; the previously active one is retired."""
    m = get(conn, version)
    if m["status"] == ACTIVE:
        raise Conflict(_("model {version} is already active").format(version=version))
    previous = active_version(conn)
    now = _now()
    conn.execute(update(risk_models).where(risk_models.c.status == ACTIVE).values(status=RETIRED, retired_at=now))
    conn.execute(update(risk_models).where(risk_models.c.version == version).values(status=ACTIVE, promoted_at=now))
    audit.append(
        conn,
        [{"event": "risk.model.promote", "actor": actor, "subject": version, "details": {"previous": previous}}],
    )
    return get(conn, version)


def rollback(conn: Connection, *, actor: str | None = None) -> dict[str, Any]:
    """Retire the active model and re-activate the one promoted before it."""
    row = conn.execute(
        select(risk_models.c.version, risk_models.c.promoted_at).where(risk_models.c.status == ACTIVE).limit(1)
    ).first()
    if row is None:
        raise Conflict(_("no model is active; nothing to roll back"))
    current, since = row
    prev = conn.execute(
        select(risk_models.c.version)
        .where(risk_models.c.status == RETIRED, risk_models.c.promoted_at < since)
        .order_by(risk_models.c.promoted_at.desc(), risk_models.c.id.desc())
        .limit(1)
    ).scalar()
    if prev is None:
        raise Conflict(_("no earlier model version to roll back to"))
    now = _now()
    conn.execute(update(risk_models).where(risk_models.c.version == current).values(status=RETIRED, retired_at=now))
    conn.execute(update(risk_models).where(risk_models.c.version == prev).values(status=ACTIVE, retired_at=None))
    audit.append(
        conn, [{"event": "risk.model.rollback", "actor": actor, "subject": prev, "details": {"from": current}}]
    )
    return get(conn, prev)
