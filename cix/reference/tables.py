"""Reading operator CSV tables by column name, with errors that point at the bad cell.

Every operator table cix accepts (exchange rates, tariff) is a UTF-8 CSV (a byte-order mark is
allowed) read by column name, never by position: required columns must be present, optional
columns may be absent, unknown columns are ignored. A bad value is reported as an
:class:`~cix.errors.InputError` naming the file, the row (counted as a spreadsheet shows it: the
header is row 1, the first data row is row 2), the column and the value, with the same facts in
``details`` so that the API and ``--json`` can show them field by field. Blank lines are skipped.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from cix.errors import InputError
from cix.i18n import _

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def cell_error(source: str, row: int, column: str, value: str, reason: str) -> InputError:
    """The error for one bad cell.

    >>> cell_error("cbr.csv", 3, "rate", "-1", "not a positive number").message
    "cbr.csv row 3, column rate: '-1' is not a positive number"
    """
    message = _("{source} row {row}, column {column}: {value!r} is {reason}").format(
        source=source, row=row, column=column, value=value, reason=reason
    )
    details = {"file": source, "row": row, "column": column, "value": value, "reason": reason}
    return InputError(message, details=details)


def read_rows(
    path: Path, required: Iterable[str], optional: Iterable[str] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(row number, {column: stripped value})`` for each data row of the CSV at ``path``.

    Only the ``required`` and ``optional`` columns are kept; an absent optional column yields "".
    """
    required = tuple(required)
    optional = tuple(optional)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(_("cannot read {path}: {reason}").format(path=path, reason=exc.strerror)) from exc
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise InputError(_("{path} is empty: expected a header row").format(path=path.name))
            names = [h.strip().lower() for h in header]
            missing = [c for c in required if c not in names]
            if missing:
                raise InputError(
                    _("{path} lacks the column(s) {missing}; its header is: {header}").format(
                        path=path.name, missing=", ".join(missing), header=",".join(header)
                    ),
                    details={"file": path.name, "missing": missing},
                )
            index = {c: names.index(c) for c in (*required, *optional) if c in names}
            wanted = (*required, *optional)
            for fields in reader:
                if not fields or all(not f.strip() for f in fields):
                    continue
                row = reader.line_num
                yield (
                    row,
                    {
                        c: (fields[index[c]].strip() if c in index and index[c] < len(fields) else "")
                        for c in wanted
                    },
                )
        except UnicodeDecodeError as exc:
            raise InputError(_("{path} is not UTF-8 text").format(path=path.name)) from exc
        except csv.Error as exc:
            raise InputError(
                _("{path} is not valid CSV: {reason}").format(path=path.name, reason=exc)
            ) from exc


def parse_date(source: str, row: int, column: str, value: str) -> date:
    """An ISO date (``YYYY-MM-DD``) or a :func:`cell_error`."""
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise cell_error(source, row, column, value, _("not a date (YYYY-MM-DD)")) from None


def parse_number(source: str, row: int, column: str, value: str, *, positive: bool = True) -> Decimal:
    """A finite decimal number (``positive``: > 0, else >= 0) or a :func:`cell_error`.

    >>> parse_number("t.csv", 2, "rate", "90.5")
    Decimal('90.5')
    """
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if (
        not number.is_finite()
        or (number <= 0 if positive else number < 0)
        or not math.isfinite(float(number))
    ):
        reason = _("not a positive number") if positive else _("not a number >= 0")
        raise cell_error(source, row, column, value, reason)
    return number
