"""Harmonized System editions: entries, parent chains, validity of subheadings, search, suggestions.

An edition is data, not code: the HS data directory (``cix/reference/data/hs`` or ``$CIX_HS_DIR``)
holds one ``<NAME>.json`` sidecar per edition (``name``, ``valid_from``, ``valid_to`` or null,
``file``, optional ``sections``) next to the CSV it names (``section,hscode,description,parent,
level``). Adding HS 2028 means adding ``HS2028.json`` and its CSV (and closing ``valid_to`` of
HS2022); no code changes. Editions load lazily on first use and stay cached; the rows of UN
Comtrade's ``TOTAL`` and chapter 99 ("commodities not specified according to kind") are
statistical artefacts, not HS headings, and are left out.

>>> ed = edition("HS2022")
>>> ed.entry("0901.21").description
'Coffee; roasted, not decaffeinated'
>>> ed.has_subheading("090121"), ed.has_subheading("090199")
(True, False)
>>> edition_for(date(2021, 5, 1)).name
'HS2017'
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from itertools import pairwise
from pathlib import Path

from cix.errors import NotFound, ReferenceDataError
from cix.i18n import _
from cix.reference import hs_search
from cix.reference.tables import read_rows

DEFAULT_HS_DIR = Path(__file__).parent / "data" / "hs"
_NOT_HS_SECTIONS = frozenset({"TOTAL"})


def hs_dir() -> Path:
    """The HS data directory: ``$CIX_HS_DIR`` when set, else the one shipped with cix."""
    override = os.environ.get("CIX_HS_DIR")
    return Path(override) if override else DEFAULT_HS_DIR


def compact(code: str) -> str:
    """An HS code without the separators people write (dots, spaces, hyphens).

    >>> compact(" 8703.23 ")
    '870323'
    """
    return re.sub(r"[\s.\-]", "", code)


@dataclass(frozen=True, slots=True)
class HsEntry:
    """One chapter (level 2), heading (4) or subheading (6) of an edition."""

    code: str
    description: str
    parent: str | None
    level: int
    section: str


class HsEdition:
    """One edition of the nomenclature, in force from ``valid_from`` to ``valid_to`` (None: open)."""

    def __init__(
        self, name: str, valid_from: date, valid_to: date | None, file: Path, sections_file: Path | None
    ) -> None:
        self.name = name
        self.valid_from = valid_from
        self.valid_to = valid_to
        self.file = file
        self.sections_file = sections_file

    def __repr__(self) -> str:
        return f"HsEdition({self.name!r}, {self.valid_from}..{self.valid_to or ''})"

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    @cached_property
    def entries(self) -> dict[str, HsEntry]:
        """Every entry by code (loaded on first use)."""
        out: dict[str, HsEntry] = {}
        source = self.file.name
        for row, r in read_rows(self.file, ("section", "hscode", "description", "parent", "level")):
            code = r["hscode"]
            if r["section"] in _NOT_HS_SECTIONS or not code.isdigit():
                continue
            if len(code) not in (2, 4, 6) or code in out:
                raise ReferenceDataError(
                    _("{file} row {row}: bad or repeated HS code {code!r}").format(file=source, row=row, code=code)
                )
            parent = r["parent"] if r["parent"].isdigit() else None
            out[code] = HsEntry(code, r["description"], parent, len(code), r["section"])
        return out

    @cached_property
    def subheadings(self) -> frozenset[str]:
        """The 6-digit codes of the edition; hot paths may bind this set and test membership."""
        return frozenset(c for c in self.entries if len(c) == 6)

    @cached_property
    def sections(self) -> dict[str, str]:
        """Section names by Roman numeral."""
        if self.sections_file is None:
            return {}
        return {r["section"]: r["name"] for _row, r in read_rows(self.sections_file, ("section", "name"))}

    def has_subheading(self, code6: str) -> bool:
        """Whether ``code6`` (exactly six digits, no separators) is a subheading of the edition."""
        return code6 in self.subheadings

    def entry(self, code: str) -> HsEntry | None:
        """The chapter, heading or subheading ``code`` (2, 4 or 6 digits; separators allowed)."""
        return self.entries.get(compact(code))

    def require(self, code: str) -> HsEntry:
        """The entry ``code``, or :class:`NotFound` naming the nearest valid subheadings."""
        found = self.entry(code)
        if found is not None:
            return found
        nearest = self.suggest(code)
        hint = _("; nearest: {codes}").format(codes=", ".join(nearest)) if nearest else ""
        raise NotFound(
            _("{edition} has no entry {code!r}{hint}").format(edition=self.name, code=code, hint=hint),
            details={"edition": self.name, "code": code, "suggestions": nearest},
        )

    def parents(self, code: str) -> list[HsEntry]:
        """The chain above ``code``, nearest first, up to its chapter (empty for a chapter).

        >>> [e.code for e in edition("HS2022").parents("870323")]
        ['8703', '87']
        """
        chain: list[HsEntry] = []
        entry = self.entry(code)
        while entry is not None and entry.parent is not None:
            entry = self.entries.get(entry.parent)
            if entry is not None:
                chain.append(entry)
        return chain

    def search(self, text: str, limit: int = 20) -> list[HsEntry]:
        """Entries whose descriptions best match ``text`` (or whose codes start with it, for digits)."""
        query = compact(text)
        if query.isdigit():
            return [e for c, e in sorted(self.entries.items()) if c.startswith(query)][:limit]
        return [self.entries[c] for c in self._index.search(text, limit)]

    @cached_property
    def _index(self) -> hs_search.TextIndex:
        return hs_search.TextIndex(
            {c: e.description for c, e in self.entries.items()},
            {c: e.parent for c, e in self.entries.items()},
        )

    def suggest(self, code: str, limit: int = 3) -> list[str]:
        """The nearest valid subheadings to an unknown ``code``: same heading first, then same
        chapter, each by numeric closeness (nothing outside the chapter).

        >>> edition("HS2022").suggest("090129")
        ['090122', '090121', '090112']
        """
        digits = compact(code)
        if not digits.isdigit() or len(digits) < 2:
            return []
        target = int(digits[:6].ljust(6, "0"))
        chapter = digits[:2]
        heading = digits[:4] if len(digits) >= 4 else None
        in_chapter = [c for c in self.subheadings if c.startswith(chapter)]
        ranked = sorted(
            in_chapter,
            key=lambda c: (heading is None or not c.startswith(heading), abs(int(c) - target), c),
        )
        return [c for c in ranked if c != digits][:limit]


def _parse_day(value: object, sidecar: Path, key: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ReferenceDataError(
            _("{file}: {key} {value!r} is not a date (YYYY-MM-DD)").format(file=sidecar, key=key, value=value)
        ) from None


_EDITIONS: dict[Path, list[HsEdition]] = {}
_RESOLVED: dict[Path, Path] = {}  # directories as given → resolved (the path asks per matched pair)


def editions(data_dir: Path | None = None) -> list[HsEdition]:
    """The editions described in ``data_dir`` (default :func:`hs_dir`), oldest first."""
    given = data_dir or hs_dir()
    directory = _RESOLVED.get(given)
    if directory is None:
        directory = _RESOLVED[given] = given.resolve()
    cached = _EDITIONS.get(directory)
    if cached is not None:
        return cached
    found: list[HsEdition] = []
    for sidecar in sorted(directory.glob("*.json")):
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            name, file = str(meta["name"]), directory / str(meta["file"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ReferenceDataError(
                _("{file} is not a valid HS edition description: {reason}").format(file=sidecar, reason=exc)
            ) from exc
        valid_from = _parse_day(meta.get("valid_from"), sidecar, "valid_from")
        if valid_from is None:
            raise ReferenceDataError(_("{file}: valid_from is required").format(file=sidecar))
        sections = directory / str(meta["sections"]) if meta.get("sections") else None
        found.append(HsEdition(name, valid_from, _parse_day(meta.get("valid_to"), sidecar, "valid_to"), file, sections))
    found.sort(key=lambda e: e.valid_from)
    for older, newer in pairwise(found):
        if older.valid_to is None or older.valid_to >= newer.valid_from:
            raise ReferenceDataError(
                _("HS editions {a} and {b} overlap: close valid_to of {a} before {b} starts").format(
                    a=older.name, b=newer.name
                )
            )
    _EDITIONS[directory] = found
    return found


def edition(name: str, data_dir: Path | None = None) -> HsEdition:
    """The edition called ``name`` (case-insensitive), or :class:`NotFound` listing the known ones."""
    known = editions(data_dir)
    for ed in known:
        if ed.name.lower() == name.strip().lower():
            return ed
    raise NotFound(
        _("unknown HS edition {name!r}; known editions: {known}").format(
            name=name, known=", ".join(e.name for e in known)
        )
    )


def edition_for(on: date, data_dir: Path | None = None) -> HsEdition:
    """The edition in force on ``on``, or :class:`ReferenceDataError` when none is."""
    for ed in editions(data_dir):
        if ed.in_force(on):
            return ed
    raise ReferenceDataError(
        _("no HS edition is in force on {date}; editions: {known}").format(
            date=on.isoformat(),
            known=", ".join(f"{e.name} {e.valid_from}..{e.valid_to or ''}" for e in editions(data_dir)),
        )
    )
