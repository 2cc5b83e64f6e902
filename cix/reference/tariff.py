"""The node's tariff table: ad valorem duty rates by HS code and, for preferences, by origin.

The operator loads a CSV read by column name: ``hs_code,rate`` and optionally ``origin`` (ISO
3166-1 alpha-2; empty = the general, MFN rate) and ``description``. ``hs_code`` has 2, 4, 6, 8 or
10 digits (dots and spaces are ignored); ``rate`` is a percentage of the customs value (``12.5``
or ``12.5%``; above 100 is allowed). A pair (code, origin) may occur once. The table is stored as
``<home>/reference/tariff.csv``, replacing the previous one.

Lookup rule for ``rate(code, origin)``: first the rates for that origin, by the longest code
that is a prefix of ``code`` (10, 8, 6, 4 then 2 digits); only when none matches, the general
rates by the same longest-prefix rule. A preference therefore wins even over a more detailed
general line: a preferential regime for an origin is an alternative to the general tariff, not a
refinement of it (chapter 08 at 0 % for one origin covers every line of chapter 08).

>>> table = TariffTable([TariffRate("0901", None, Decimal(8)), TariffRate("090121", None, Decimal(10)),
...                      TariffRate("09", "VN", Decimal(0))])
>>> table.rate("0901210000").rate, table.rate("090121", "VN").rate, table.rate("090111", "BR").rate
(Decimal('10'), Decimal('0'), Decimal('8'))
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cix.errors import InputError
from cix.i18n import _
from cix.reference.countries import is_country
from cix.reference.tables import cell_error, parse_number, read_rows

CODE_LENGTHS = (10, 8, 6, 4, 2)


@dataclass(frozen=True, slots=True)
class TariffRate:
    """One line of the tariff: the code it covers, its origin (None: general) and the rate in %."""

    hs_code: str
    origin: str | None
    rate: Decimal
    description: str = ""
    row: int = 0

    @property
    def preferential(self) -> bool:
        return self.origin is not None


class TariffTable:
    """Tariff lines indexed by (code, origin) for the longest-prefix lookup."""

    def __init__(self, rates: Iterable[TariffRate], name: str = "tariff.csv") -> None:
        self.name = name
        self._lines: dict[tuple[str, str | None], TariffRate] = {(r.hs_code, r.origin): r for r in rates}

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[TariffRate]:
        return iter(self._lines.values())

    def rate(self, hs_code: str, origin: str | None = None) -> TariffRate | None:
        """The rate for goods of ``hs_code`` from ``origin`` under the rule of the module docstring."""
        code = hs_code if hs_code.isdigit() else "".join(ch for ch in hs_code if ch.isdigit())
        lines = self._lines
        for who in (origin, None) if origin else (None,):
            for length in CODE_LENGTHS:
                if length <= len(code):
                    found = lines.get((code[:length], who))
                    if found is not None:
                        return found
        return None


def _hs_code(source: str, row: int, value: str) -> str:
    code = value.replace(".", "").replace(" ", "")
    if not code.isdigit() or len(code) not in CODE_LENGTHS:
        raise cell_error(source, row, "hs_code", value, _("not an HS code of 2, 4, 6, 8 or 10 digits"))
    return code


def read_tariff_csv(path: Path, *, name: str | None = None) -> TariffTable:
    """Read and validate the tariff CSV at ``path``."""
    source = name or path.name
    lines: list[TariffRate] = []
    seen: dict[tuple[str, str | None], int] = {}
    for row, r in read_rows(path, ("hs_code", "rate"), ("origin", "description")):
        code = _hs_code(source, row, r["hs_code"])
        try:
            rate = parse_number(source, row, "rate", r["rate"].removesuffix("%").strip(), positive=False)
        except InputError:
            raise cell_error(source, row, "rate", r["rate"], _("not a percentage >= 0")) from None
        origin = r["origin"].upper() or None
        if origin is not None and not is_country(origin):
            raise cell_error(source, row, "origin", r["origin"], _("not an ISO 3166-1 alpha-2 country code"))
        key = (code, origin)
        if key in seen:
            raise cell_error(
                source,
                row,
                "hs_code",
                r["hs_code"],
                _("a second rate for this code and origin (first in row {first})").format(first=seen[key]),
            )
        seen[key] = row
        lines.append(TariffRate(code, origin, rate, r["description"], row))
    if not lines:
        raise InputError(_("{file} has no tariff rows").format(file=source))
    return TariffTable(lines, source)


def tariff_path(home: Path) -> Path:
    """``<home>/reference/tariff.csv`` (its directory created when missing)."""
    directory = Path(home) / "reference"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / "tariff.csv"


def add_tariff_file(home: Path, path: Path) -> tuple[TariffTable, bool]:
    """Validate the tariff at ``path`` and store it as the node's tariff; returns it and whether
    it replaced a stored one."""
    table = read_tariff_csv(Path(path))
    target = tariff_path(home)
    replaced = target.exists()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return table, replaced


def load_tariff(home: Path) -> TariffTable | None:
    """The node's stored tariff, or None when none was loaded."""
    target = tariff_path(home)
    return read_tariff_csv(target) if target.exists() else None
