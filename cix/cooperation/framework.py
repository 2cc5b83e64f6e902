"""The cooperation framework as one queryable object, built from the shipped preset and node files.

:func:`load_framework` reads every ``*.json`` fact file shipped under ``cix/cooperation/data/``
(the preset "as of 2016"), then every ``*.json`` under ``<home>/cooperation/`` in name order, and
merges them: organizations, instruments and working groups are keyed by id (a later file replaces
an earlier definition), memberships, accessions and chairmanships accumulate, and each file's
``ends`` close open facts of any file. Later history — BRICS enlarged on 2024-01-01, BSEC's
thirteenth member in 2020 — is therefore a node-local file, never code. The queries
(:meth:`Framework.members`, :meth:`Framework.chairs` ...) answer for a given day; they are pure
and the result lists are sorted, so the same files always give the same answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import orjson
from pydantic import ValidationError

from cix.cooperation.model import (
    Accession,
    Chairmanship,
    End,
    FactFile,
    Instrument,
    Membership,
    Organization,
    WorkingGroup,
)
from cix.errors import InputError, NotFound
from cix.i18n import _

DATA_DIR = Path(__file__).parent / "data"
NODE_DIR = "cooperation"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact file came from and what it says about itself."""

    file: str
    as_of: str | None
    source: str | None
    local: bool


@dataclass(frozen=True, slots=True)
class InstrumentEntry:
    """An instrument with the accessions asked for (all, or one country's)."""

    instrument: Instrument
    accessions: tuple[Accession, ...]


@dataclass(slots=True)
class Framework:
    """Organizations, memberships, instruments, accessions, working groups and chairmanships."""

    sources: list[Source] = field(default_factory=list)
    organizations_by_id: dict[str, Organization] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)
    instruments_by_id: dict[str, Instrument] = field(default_factory=dict)
    accessions: list[Accession] = field(default_factory=list)
    groups_by_id: dict[str, WorkingGroup] = field(default_factory=dict)
    chairmanships: list[Chairmanship] = field(default_factory=list)

    # -- queries ---------------------------------------------------------------------------

    def organization(self, org: str) -> Organization:
        """The organization ``org`` (case-insensitive id); :class:`NotFound` otherwise."""
        found = self.organizations_by_id.get(org.strip().upper())
        if found is None:
            raise NotFound(
                _("no organization {org!r}; known: {known}").format(
                    org=org, known=", ".join(sorted(self.organizations_by_id))
                )
            )
        return found

    def organizations(self, on: dt.date | None = None) -> list[Organization]:
        """Organizations existing on ``on`` (every one when ``on`` is None), sorted by id."""
        return sorted(
            (o for o in self.organizations_by_id.values() if on is None or o.holds_on(on)),
            key=lambda o: o.id,
        )

    def members(self, org: str, on: dt.date | None = None) -> list[Membership]:
        """Members of ``org`` on ``on`` (default today), sorted by code."""
        day = on or dt.date.today()
        oid = self.organization(org).id
        return sorted(
            (m for m in self.memberships if m.organization == oid and m.holds_on(day)),
            key=lambda m: m.member,
        )

    def is_member(self, code: str, org: str, on: dt.date | None = None, *, nested: bool = True) -> bool:
        """Whether ``code`` was a member of ``org`` on ``on`` (default today).

        With ``nested`` a member of a member organization counts too: Finland is a party of the
        ``EU-RU`` cooperation through its EU membership.
        """
        code = code.strip().upper()
        seen: set[str] = set()
        todo = [self.organization(org).id]
        while todo:
            oid = todo.pop()
            seen.add(oid)
            for m in self.members(oid, on):
                if m.member == code:
                    return True
                if nested and m.member in self.organizations_by_id and m.member not in seen:
                    todo.append(m.member)
        return False

    def instruments(self, country: str | None = None) -> list[InstrumentEntry]:
        """Every instrument with its accessions, or only those ``country`` acceded to (sorted by id)."""
        code = country.strip().upper() if country else None
        out = []
        for inst in sorted(self.instruments_by_id.values(), key=lambda i: i.id):
            acc = tuple(
                sorted(
                    (a for a in self.accessions if a.instrument == inst.id and (code is None or a.party == code)),
                    key=lambda a: a.party,
                )
            )
            if code is None or acc:
                out.append(InstrumentEntry(inst, acc))
        return out

    def chairs(self, org: str, on: dt.date | None = None) -> list[Chairmanship]:
        """The chairmanship timeline of ``org`` (oldest first), or the chair(s) holding on ``on``."""
        oid = self.organization(org).id
        timeline = sorted(
            (c for c in self.chairmanships if c.organization == oid),
            key=lambda c: (c.valid_from or dt.date.min, c.chair),
        )
        return timeline if on is None else [c for c in timeline if c.holds_on(on)]

    def working_groups(self, org: str, on: dt.date | None = None) -> list[WorkingGroup]:
        """Working groups of ``org`` (those existing on ``on`` when given), sorted by id."""
        oid = self.organization(org).id
        return sorted(
            (g for g in self.groups_by_id.values() if g.organization == oid and (on is None or g.holds_on(on))),
            key=lambda g: g.id,
        )

    def name_of(self, code: str, org: str | None = None) -> str:
        """A readable name: the organization's own name for a member, else ISO or organization name."""
        if org is not None:
            for m in self.memberships:
                if m.organization == org and m.member == code and m.name:
                    return m.name
        if code in self.organizations_by_id:
            return self.organizations_by_id[code].name
        from cix.reference.countries import country_name, is_country

        return country_name(code) if is_country(code) else code

    # -- building --------------------------------------------------------------------------

    def add(self, facts: FactFile, source: Source) -> None:
        """Add one file's facts (its ``ends`` are applied by :meth:`close`)."""
        self.sources.append(source)
        for o in facts.organizations:
            self.organizations_by_id[o.id] = o
        for i in facts.instruments:
            self.instruments_by_id[i.id] = i
        for g in facts.working_groups:
            self.groups_by_id[g.id] = g
        _extend_unique(self.memberships, facts.memberships)
        _extend_unique(self.accessions, facts.accessions)
        _extend_unique(self.chairmanships, facts.chairmanships)

    def close(self, end: End) -> int:
        """Apply one end: set ``valid_to`` on every matching fact still open then; returns how many."""
        changed = 0

        def closes(valid_from: dt.date | None, valid_to: dt.date | None) -> bool:
            started = valid_from is None or valid_from <= end.valid_to
            return started and (valid_to is None or valid_to > end.valid_to)

        if end.kind == "membership":
            for n, m in enumerate(self.memberships):
                if (m.organization, m.member) == (end.organization, end.member) and closes(m.valid_from, m.valid_to):
                    self.memberships[n] = m.model_copy(update={"valid_to": end.valid_to})
                    changed += 1
        elif end.kind == "chairmanship":
            for n, c in enumerate(self.chairmanships):
                if (c.organization, c.chair) == (end.organization, end.chair) and closes(c.valid_from, c.valid_to):
                    self.chairmanships[n] = c.model_copy(update={"valid_to": end.valid_to})
                    changed += 1
        elif end.kind == "accession":
            for n, a in enumerate(self.accessions):
                if (a.instrument, a.party) == (end.instrument, end.party) and closes(a.date, a.valid_to):
                    self.accessions[n] = a.model_copy(update={"valid_to": end.valid_to})
                    changed += 1
        elif end.kind == "organization":
            o = self.organizations_by_id.get(end.id or "")
            if o is not None and closes(o.valid_from, o.valid_to):
                self.organizations_by_id[o.id] = o.model_copy(update={"valid_to": end.valid_to})
                changed += 1
        else:  # working_group
            g = self.groups_by_id.get(end.id or "")
            if g is not None and closes(g.valid_from, g.valid_to):
                self.groups_by_id[g.id] = g.model_copy(update={"valid_to": end.valid_to})
                changed += 1
        return changed

    def check_references(self) -> None:
        """Every fact must name a known organization or instrument; :class:`InputError` otherwise."""
        orgs = self.organizations_by_id
        bad = sorted(
            {m.organization for m in self.memberships if m.organization not in orgs}
            | {c.organization for c in self.chairmanships if c.organization not in orgs}
            | {g.organization for g in self.groups_by_id.values() if g.organization not in orgs}
            | {i.organization for i in self.instruments_by_id.values() if i.organization not in orgs}
        )
        if bad:
            raise InputError(_("cooperation facts name unknown organizations: {orgs}").format(orgs=", ".join(bad)))
        missing = sorted({a.instrument for a in self.accessions if a.instrument not in self.instruments_by_id})
        if missing:
            raise InputError(_("cooperation facts name unknown instruments: {ids}").format(ids=", ".join(missing)))


def _extend_unique(target: list, items: Iterable) -> None:
    for item in items:
        if item not in target:
            target.append(item)


def read_fact_file(path: Path) -> FactFile:
    """Parse one fact file; :class:`InputError` naming the file when it cannot be read."""
    try:
        raw = orjson.loads(path.read_bytes())
        return FactFile.model_validate(raw)
    except OSError as exc:
        raise InputError(_("cannot read {path}: {err}").format(path=path, err=exc.strerror)) from exc
    except orjson.JSONDecodeError as exc:
        raise InputError(_("{path} is not JSON: {err}").format(path=path, err=exc)) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(p) for p in first["loc"])
        raise InputError(
            _("{path}: {where}: {msg}").format(path=path, where=where, msg=first["msg"]),
            details=[{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()],
        ) from exc


@cache
def _shipped() -> tuple[tuple[FactFile, Source], ...]:
    return tuple((read_fact_file(p), Source(p.name, None, None, local=False)) for p in sorted(DATA_DIR.glob("*.json")))


def node_fact_files(home: Path) -> list[Path]:
    """The node-local fact files of ``home`` in the order they apply."""
    return sorted((home / NODE_DIR).glob("*.json"))


def load_framework(home: Path | None = None, *, extra: Iterable[Path] = ()) -> Framework:
    """The shipped preset, plus the node files of ``home`` (if any), plus ``extra`` files."""
    files: list[tuple[FactFile, Source]] = []
    for facts, src in _shipped():
        files.append((facts, Source(src.file, facts.as_of, facts.source, local=False)))
    local = [*(node_fact_files(home) if home is not None else []), *extra]
    for path in local:
        facts = read_fact_file(path)
        files.append((facts, Source(str(path), facts.as_of, facts.source, local=True)))
    fw = Framework()
    for facts, src in files:
        fw.add(facts, src)
    for facts, _src in files:
        for end in facts.ends:
            fw.close(end)
    fw.check_references()
    return fw


# -- module-level queries, each on a freshly loaded framework ---------------------------------


def organizations(on: dt.date | None = None, *, home: Path | None = None) -> list[Organization]:
    return load_framework(home).organizations(on)


def members(org: str, on: dt.date | None = None, *, home: Path | None = None) -> list[Membership]:
    return load_framework(home).members(org, on)


def instruments(country: str | None = None, *, home: Path | None = None) -> list[InstrumentEntry]:
    return load_framework(home).instruments(country)


def chairs(org: str, on: dt.date | None = None, *, home: Path | None = None) -> list[Chairmanship]:
    return load_framework(home).chairs(org, on)


def working_groups(org: str, on: dt.date | None = None, *, home: Path | None = None) -> list[WorkingGroup]:
    return load_framework(home).working_groups(org, on)
