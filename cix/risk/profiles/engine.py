"""The active risk profiles, compiled once per process, for the risk step of the declaration path.

:func:`active` returns the :class:`CompiledProfile` of every current, enabled profile (local or
adopted; received ones never) valid on a day. The compiled set is cached per database and
refreshed when the profiles change: by this process (a generation counter) or by another one (a
stamp of the table read with one small query per call). :func:`evaluate` runs profiles over a
batch of facts and returns the hits of each declaration.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from cix.risk.profiles import repository as repo
from cix.risk.profiles.compiler import CHAPTERS, compile_condition, required_chapters
from cix.store.tables_profiles import risk_profiles


@dataclass(frozen=True, slots=True)
class CompiledProfile:
    """One profile version, ready to run: its action and ``matches(facts)``."""

    id: str
    version: int
    channel: str | None
    weight: float
    hard: bool
    random_rate: float
    description: str
    condition: str
    owner: str
    origin: str
    sender: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    fields: frozenset[str] = field(default_factory=frozenset)
    #: HS chapters one of which the declaration's items need for the condition to hold (None: any).
    chapters: frozenset[str] | None = None
    fn: Callable[[dict[str, Any]], bool] = field(default=lambda f: False, repr=False, compare=False)

    def matches(self, facts: dict[str, Any]) -> bool:
        return bool(self.fn(facts))

    def valid_on(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "channel": self.channel, "weight": self.weight,
                "hard": self.hard, "random_rate": self.random_rate, "description": self.description}  # fmt: skip


def compile_row(r: Any) -> CompiledProfile:
    c = compile_condition(r["condition"])
    return CompiledProfile(
        id=r["profile_id"], version=r["version"], channel=r["channel"], weight=float(r["weight"]),
        hard=bool(r["hard"]), random_rate=float(r["random_rate"]), description=r["description"],
        condition=r["condition"], owner=r["owner"], origin=r["origin"], sender=r["sender"],
        valid_from=_day(r["valid_from"]), valid_to=_day(r["valid_to"]), fields=c.fields,
        chapters=required_chapters(c.ast), fn=c.fn,
    )  # fmt: skip


def _day(v: Any) -> dt.date | None:
    if v is None or (isinstance(v, dt.date) and not isinstance(v, dt.datetime)):
        return v
    if isinstance(v, dt.datetime):
        return v.date()
    return dt.date.fromisoformat(str(v))


_LOCK = threading.Lock()
STAMP_TTL = 1.0  # seconds between two reads of the store stamp (changes made by other processes)


@dataclass
class _Entry:
    generation: int
    stamp: Any
    checked: float
    profiles: list[CompiledProfile]
    days: dict[dt.date, list[CompiledProfile]]


_CACHE: dict[str, _Entry] = {}


def invalidate() -> None:
    with _LOCK:
        _CACHE.clear()


def active(conn: Connection, on: dt.date) -> list[CompiledProfile]:
    """Every enabled, current, local-or-adopted profile valid on ``on`` (ordered by id).

    Compiled once per database; changes made by this process show at once, changes made by another
    process within :data:`STAMP_TTL` seconds.
    """
    key, gen, now = str(conn.engine.url), repo.GENERATION[0], time.monotonic()
    with _LOCK:
        entry = _CACHE.get(key)
    if entry is not None and entry.generation == gen and now - entry.checked > STAMP_TTL:
        st = repo.stamp(conn)
        if st == entry.stamp:
            entry.checked = now
        else:
            entry = None
    if entry is None or entry.generation != gen:
        st = repo.stamp(conn)
        q = (
            select(risk_profiles)
            .where(risk_profiles.c.status == repo.CURRENT, risk_profiles.c.enabled.is_(True))
            .order_by(risk_profiles.c.profile_id)
        )
        entry = _Entry(gen, st, now, [compile_row(r) for r in conn.execute(q).mappings()], {})
        with _LOCK:
            _CACHE[key] = entry
    day = entry.days.get(on)
    if day is None:
        day = [p for p in entry.profiles if p.valid_on(on)]
        if len(entry.days) > 400:
            entry.days.clear()
        entry.days[on] = day
    return day


def needed_fields(profiles: Sequence[CompiledProfile]) -> frozenset[str]:
    last = _LAST
    if last and last[0] is profiles:  # the same list :func:`active` gave last time (its lists are never changed)
        return last[1]
    out: set[str] = set()
    for p in profiles:
        out |= p.fields
    return frozenset(out)


# The last list of profiles asked for, with its fields and selector (one entry: the list of the day).
_LAST: tuple[Any, ...] = ()


def selector(profiles: Sequence[CompiledProfile]) -> Selector:
    """A :class:`Selector` of ``profiles``, kept while :func:`active` returns the same list (the candidate
    lists per set of chapters then carry over from one call to the next)."""
    global _LAST
    last = _LAST
    if last and last[0] is profiles:
        sel: Selector = last[2]
        return sel
    sel = Selector(profiles)
    _LAST = (profiles, needed_fields(profiles), sel)
    return sel


_AHEAD: tuple[Any, ...] = ()


def run_ahead(profiles: Sequence[CompiledProfile]) -> frozenset[int]:
    """The profiles of ``profiles`` (by ``id()``) that read only facts made ahead of the write turn
    (:func:`cix.risk.profiles.facts.made_ahead`), kept while :func:`active` returns the same list."""
    global _AHEAD
    from cix.risk.profiles.facts import made_ahead

    last = _AHEAD
    if last and last[0] is profiles:
        out: frozenset[int] = last[1]
        return out
    out = frozenset(id(p) for p in profiles if made_ahead(p.fields))
    _AHEAD = (profiles, out)
    return out


class Selector:
    """The profiles to run for a facts dict, in their order: those that need no chapter, and those whose
    chapters (:attr:`CompiledProfile.chapters`) the declaration's items have. Skipping the others
    changes no result (their condition is False without those chapters); candidate lists are kept
    per set of chapters, so a batch computes each once.
    """

    def __init__(self, profiles: Sequence[CompiledProfile]) -> None:
        self.profiles = list(profiles)
        self._by_set: dict[frozenset[str] | None, list[CompiledProfile]] = {None: self.profiles}

    def __call__(self, facts: dict[str, Any]) -> list[CompiledProfile]:
        present = facts.get(CHAPTERS)
        out = self._by_set.get(present)
        if out is None and present is not None:
            out = [p for p in self.profiles if p.chapters is None or not p.chapters.isdisjoint(present)]
            if len(self._by_set) > 4096:
                self._by_set = {None: self.profiles}
            self._by_set[present] = out
        return out if out is not None else self.profiles


def evaluate(profiles: Sequence[CompiledProfile], facts: Sequence[dict[str, Any]]) -> list[list[CompiledProfile]]:
    """For each facts dict, the profiles that select it (in the order given)."""
    pick = Selector(profiles)
    return [[p for p in pick(f) if p.fn(f)] for f in facts]
