"""Risk profiles in the store: add (a new version on edit), list, show, enable, disable, receive, adopt.

A profile definition is a dict (``id``, ``condition``, ``description``, ``owner``, ``valid_from``,
``valid_to``, ``channel``, ``weight``, ``hard``, ``random_rate``, ``enabled``); :func:`check_definition`
validates every field at once and reports each problem with its rule, path and value, the
condition's with its position. Every change is one row more (versions) or one flag changed, and one
audit entry (``profile.added``, ``profile.versioned``, ``profile.enabled``, ``profile.disabled``,
``profile.received``, ``profile.adopted``). Profiles received from partners are kept in their own
table with status ``received`` and take no part in selection until :func:`adopt` copies one into
the node's profiles (origin ``received``, the sender kept).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, func, select, update

from cix.errors import Conflict, NotFound, UsageError, ValidationFailed
from cix.i18n import _
from cix.risk.profiles.compiler import compile_condition
from cix.risk.profiles.lang import ExpressionError
from cix.store import audit
from cix.store.tables_profiles import risk_profiles, risk_profiles_received

CHANNELS = ("green", "yellow", "red", "blue")
CURRENT, SUPERSEDED = "current", "superseded"
LOCAL, RECEIVED = "local", "received"
ADOPTED, INVALID = "adopted", "invalid"
KEYS = ("id", "condition", "description", "owner", "valid_from", "valid_to", "channel", "weight", "hard",
        "random_rate", "enabled")  # fmt: skip
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")

# Bumped by every change made through this process; the engine's cache also compares a store stamp.
GENERATION = [0]


def _problem(rule: str, path: str, value: Any, message: str) -> dict[str, Any]:
    return {"rule": rule, "path": path, "value": value, "message": message, "severity": "error"}


def _date(value: Any, path: str, problems: list[dict[str, Any]]) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(_problem("profile.date", path, value, _("not a date (YYYY-MM-DD)")))
    return None


def _number(value: Any, path: str, lo: float, hi: float, default: float, problems: list[dict[str, Any]]) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        problems.append(_problem("profile.range", path, value, _("a number from {lo} to {hi}").format(lo=lo, hi=hi)))
        return default
    return float(value)


def check_definition(definition: Mapping[str, Any], *, owner: str | None = None) -> dict[str, Any]:
    """The normalised definition, or :class:`ValidationFailed` listing every problem (rule, path, value)."""
    if not isinstance(definition, Mapping):
        raise ValidationFailed(_("a profile definition is a JSON object"))
    problems: list[dict[str, Any]] = []
    for k in definition:
        if k not in KEYS and k not in ("version", "origin", "sender", "status"):
            problems.append(_problem("profile.unknown", f"/{k}", None, _("unknown key; keys: {keys}").format(
                keys=", ".join(KEYS))))  # fmt: skip
    pid = definition.get("id")
    if not isinstance(pid, str) or not _ID.match(pid):
        problems.append(_problem("profile.id", "/id", pid, _("1-80 letters, digits, '.', '_', ':' or '-'")))
    cond = definition.get("condition")
    if not isinstance(cond, str) or not cond.strip():
        problems.append(_problem("profile.condition", "/condition", cond, _("a condition is required")))
    else:
        try:
            compile_condition(cond)
        except ExpressionError as exc:
            problems.append(exc.problem())
    desc = definition.get("description") or ""
    if not isinstance(desc, str) or len(desc) > 2000:
        problems.append(_problem("profile.description", "/description", None, _("a text of at most 2000 characters")))
        desc = ""
    who = definition.get("owner") or owner or "local"
    if not isinstance(who, str) or len(who) > 80:
        problems.append(_problem("profile.owner", "/owner", who, _("an administration id such as RU-FCS")))
        who = "local"
    channel = definition.get("channel")
    if channel is not None and channel not in CHANNELS:
        problems.append(_problem("profile.channel", "/channel", channel, _("one of {c}").format(c=", ".join(CHANNELS))))
    weight = _number(definition.get("weight"), "/weight", -100.0, 100.0, 0.0, problems)
    rate = _number(definition.get("random_rate"), "/random_rate", 0.0, 1.0, 0.0, problems)
    hard = definition.get("hard", False)
    if not isinstance(hard, bool):
        problems.append(_problem("profile.hard", "/hard", hard, _("true or false")))
        hard = False
    enabled = definition.get("enabled", True)
    if not isinstance(enabled, bool):
        problems.append(_problem("profile.enabled", "/enabled", enabled, _("true or false")))
        enabled = True
    start = _date(definition.get("valid_from"), "/valid_from", problems)
    end = _date(definition.get("valid_to"), "/valid_to", problems)
    if start and end and end < start:
        problems.append(_problem("profile.date", "/valid_to", end.isoformat(), _("ends before it starts")))
    if channel is None and weight == 0 and rate == 0:
        problems.append(_problem("profile.action", "/channel", None, _("give a channel, a weight or a random rate")))
    if hard and channel is None:
        problems.append(_problem("profile.action", "/hard", True, _("a hard profile needs a channel")))
    if problems:
        first = problems[0]
        where = _(" at column {col}").format(col=first["column"]) if "column" in first else ""
        raise ValidationFailed(
            _("bad risk profile: {path}: {message}").format(path=first["path"], message=first["message"]) + where,
            details={"problems": problems},
        )
    return {
        "id": pid, "condition": cond, "description": desc, "owner": who, "valid_from": start, "valid_to": end,
        "channel": channel, "weight": weight, "hard": hard, "random_rate": rate, "enabled": enabled,
    }  # fmt: skip


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _out(r: Any) -> dict[str, Any]:
    d = dict(r)
    for k in ("valid_from", "valid_to"):
        if isinstance(d.get(k), dt.date):
            d[k] = d[k].isoformat()
    d["hard"], d["enabled"] = bool(d["hard"]), bool(d["enabled"])
    d.pop("id", None)
    d["id"] = d.pop("profile_id")
    return d


def _current(conn: Connection, profile_id: str) -> Any:
    q = select(risk_profiles).where(risk_profiles.c.profile_id == profile_id, risk_profiles.c.status == CURRENT)
    return conn.execute(q).mappings().first()


def add_profile(
    conn: Connection,
    definition: Mapping[str, Any],
    actor: str | None,
    *,
    owner: str | None = None,
    new_version: bool = False,
    origin: str = LOCAL,
    sender: str | None = None,
) -> dict[str, Any]:
    """Store a profile; with ``new_version`` an existing id gets its next version (the old one is kept)."""
    d = check_definition(definition, owner=owner)
    cur = _current(conn, d["id"])
    if cur is not None and not new_version:
        raise Conflict(
            _("profile {id} exists (version {v}); add it as a new version to change it").format(
                id=d["id"], v=cur["version"]
            )
        )
    if cur is None and new_version and origin == LOCAL:
        raise NotFound(_("no risk profile {id} to make a new version of").format(id=d["id"]))
    now = _now()
    version = 1
    if cur is not None:
        version = cur["version"] + 1
        conn.execute(update(risk_profiles).where(risk_profiles.c.id == cur["id"]).values(status=SUPERSEDED,
                                                                                       changed_at=now))  # fmt: skip
    row = {
        "profile_id": d["id"], "version": version, "status": CURRENT, "description": d["description"],
        "owner": d["owner"], "condition": d["condition"], "channel": d["channel"], "weight": d["weight"],
        "hard": d["hard"], "random_rate": d["random_rate"], "valid_from": d["valid_from"],
        "valid_to": d["valid_to"], "enabled": d["enabled"], "origin": origin, "sender": sender,
        "created_at": now, "created_by": actor, "changed_at": now,
    }  # fmt: skip
    conn.execute(risk_profiles.insert(), [row])
    event = "profile.versioned" if version > 1 else "profile.added"
    audit.append(conn, [{"event": event, "actor": actor, "subject": d["id"],
                         "details": {"version": version, "condition": d["condition"], "origin": origin,
                                     "sender": sender, "channel": d["channel"], "weight": d["weight"]}}])  # fmt: skip
    GENERATION[0] += 1
    return get_profile(conn, d["id"])


def get_profile(conn: Connection, profile_id: str, version: int | None = None) -> dict[str, Any]:
    """The current version of a profile (or the version asked for), with its older versions listed."""
    q = select(risk_profiles).where(risk_profiles.c.profile_id == profile_id)
    q = q.where(risk_profiles.c.version == version) if version else q.where(risk_profiles.c.status == CURRENT)
    r = conn.execute(q).mappings().first()
    if r is None:
        what = f"{profile_id} v{version}" if version else profile_id
        raise NotFound(_("no risk profile {id}").format(id=what))
    out = _out(r)
    out["versions"] = list(
        conn.execute(
            select(risk_profiles.c.version).where(risk_profiles.c.profile_id == profile_id).order_by(
                risk_profiles.c.version)
        ).scalars()
    )  # fmt: skip
    return out


def list_profiles(conn: Connection, *, all_versions: bool = False, enabled: bool | None = None) -> list[dict[str, Any]]:
    q = select(risk_profiles)
    if not all_versions:
        q = q.where(risk_profiles.c.status == CURRENT)
    if enabled is not None:
        q = q.where(risk_profiles.c.enabled == enabled)
    q = q.order_by(risk_profiles.c.profile_id, risk_profiles.c.version)
    return [_out(r) for r in conn.execute(q).mappings()]


def set_enabled(conn: Connection, profile_id: str, enabled: bool, actor: str | None) -> dict[str, Any]:
    cur = _current(conn, profile_id)
    if cur is None:
        raise NotFound(_("no risk profile {id}").format(id=profile_id))
    if bool(cur["enabled"]) != enabled:
        conn.execute(update(risk_profiles).where(risk_profiles.c.id == cur["id"]).values(enabled=enabled,
                                                                                       changed_at=_now()))  # fmt: skip
        audit.append(conn, [{"event": "profile.enabled" if enabled else "profile.disabled", "actor": actor,
                             "subject": profile_id, "details": {"version": cur["version"]}}])  # fmt: skip
        GENERATION[0] += 1
    return get_profile(conn, profile_id)


def stamp(conn: Connection) -> tuple[int, Any]:
    """Changes to the profiles since a cache was filled show here (count of rows, last change)."""
    if conn.dialect.name == "sqlite":  # asked once a batch by a lodging process: no statement compiled
        n, last = conn.exec_driver_sql("SELECT count(*), max(changed_at) FROM risk_profiles").one()
        return int(n), str(last)
    n, last = conn.execute(select(func.count(), func.max(risk_profiles.c.changed_at)).select_from(risk_profiles)).one()
    return int(n), str(last)


# --- profiles received from partners --------------------------------------------------------------


def receive(conn: Connection, items: Sequence[tuple[str, str, dict[str, Any]]]) -> int:
    """Keep profiles partners shared (message id, sender, payload), apart, with status received.

    A payload that is not a valid profile is kept too, with status ``invalid`` and its problems,
    so that nothing a partner sent is silently lost. A message id seen before is skipped.
    """
    ids = [mid for mid, _s, _p in items]
    seen = set(conn.execute(select(risk_profiles_received.c.message_id).where(
        risk_profiles_received.c.message_id.in_(ids))).scalars()) if ids else set()  # fmt: skip
    rows, entries = [], []
    now = _now()
    for mid, sender, payload in items:
        if mid in seen:
            continue
        seen.add(mid)
        definition = dict(payload.get("profile") or {}) if isinstance(payload, dict) else {}
        problems = None
        try:
            check_definition(definition)
            status = RECEIVED
        except ValidationFailed as exc:
            problems = (exc.details or {}).get("problems") or [{"message": exc.message}]
            status = INVALID
        pid = definition.get("id") if isinstance(definition.get("id"), str) else "?"
        version = payload.get("version") if isinstance(payload, dict) else None
        rows.append({"message_id": mid, "sender": sender, "profile_id": str(pid)[:80],
                     "version": version if isinstance(version, int) else None, "definition": definition,
                     "problems": problems, "status": status, "received_at": now})  # fmt: skip
        entries.append({"event": "profile.received", "actor": sender, "subject": str(pid)[:80],
                        "details": {"message_id": mid, "status": status}})  # fmt: skip
    if rows:
        conn.execute(risk_profiles_received.insert(), rows)
        audit.append(conn, entries)
    return len(rows)


def list_received(conn: Connection, *, status: str | None = None) -> list[dict[str, Any]]:
    q = select(risk_profiles_received).order_by(risk_profiles_received.c.id)
    if status:
        q = q.where(risk_profiles_received.c.status == status)
    return [dict(r) for r in conn.execute(q).mappings()]


def adopt(
    conn: Connection, received_id: int, actor: str | None, *, as_id: str | None = None, enabled: bool = True
) -> dict[str, Any]:
    """Make a received profile one of this node's: a new local row (origin received, sender kept).

    Its id is ``as_id`` or ``<sender>.<id>``; adopting a newer version of a profile adopted before
    makes the next version of the same local profile.
    """
    r = (
        conn.execute(select(risk_profiles_received).where(risk_profiles_received.c.id == received_id))
        .mappings()
        .first()
    )
    if r is None:
        raise NotFound(_("no received risk profile {id}").format(id=received_id))
    if r["status"] != RECEIVED:
        raise Conflict(_("received profile {id} is {status}, not received").format(id=received_id, status=r["status"]))
    definition = dict(r["definition"])
    local_id = as_id or f"{r['sender']}.{definition['id']}"
    if not _ID.match(local_id):
        raise UsageError(_("bad profile id {id}").format(id=local_id))
    definition.update({"id": local_id, "enabled": enabled})
    definition.setdefault("owner", r["sender"])
    exists = _current(conn, local_id) is not None
    out = add_profile(conn, definition, actor, new_version=exists, origin=RECEIVED, sender=r["sender"])
    conn.execute(update(risk_profiles_received).where(risk_profiles_received.c.id == received_id).values(
        status=ADOPTED, adopted_as=local_id, adopted_at=_now(), adopted_by=actor))  # fmt: skip
    audit.append(conn, [{"event": "profile.adopted", "actor": actor, "subject": local_id,
                         "details": {"received": received_id, "sender": r["sender"], "message_id": r["message_id"],
                                     "version": out["version"]}}])  # fmt: skip
    return out
