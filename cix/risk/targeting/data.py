"""Reading KCS declaration files by column name, with the label columns kept out of scoring.

The KCS synthetic import declarations (Jeong et al., 2022) are CSV files with the columns listed in
:data:`COLUMNS`. Every column is read as text and converted here: ``HS6 Code`` is left-padded to six
digits, numbers that do not parse (or are negative) become missing, dates that do not parse become
missing. ``Fraud`` and ``Critical Fraud`` are the labels: :func:`read_kcs` drops them at read time
unless ``labels=True`` is asked for, so the scorer cannot see them even when the file has them.
Optional columns may be absent; they read as empty.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import polars as pl

from cix.errors import InputError
from cix.i18n import _

ID = "Declaration ID"
DATE = "Date"
FRAUD = "Fraud"
CRITICAL = "Critical Fraud"
LABELS = (FRAUD, CRITICAL)

#: The 16 declaration attributes of the KCS files (the published recipe uses these).
CATEGORICAL = (
    "Office ID",
    "Process Type",
    "Import Type",
    "Import Use",
    "Payment Type",
    "Mode of Transport",
    "Declarant ID",
    "Importer ID",
    "Seller ID",
    "Courier ID",
    "HS6 Code",
    "Country of Departure",
    "Country of Origin",
    "Tax Rate",
    "Tax Type",
    "Country of Origin Indicator",
)
NUMERIC = ("Net Mass", "Item Price")
COLUMNS = (ID, DATE, *CATEGORICAL, *NUMERIC, *LABELS)
#: The attribute pattern of the data README: rows sharing it are copies of the same goods.
PATTERN = ("HS6 Code", "Country of Departure", "Country of Origin", "Tax Rate", "Tax Type", "Net Mass")


def header(path: Path) -> list[str]:
    """The column names of a CSV file (a UTF-8 byte-order mark is ignored)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            row = next(csv.reader(fh), None)
    except OSError as exc:
        raise InputError(_("cannot read {path}: {reason}").format(path=path, reason=exc.strerror)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(_("{path} is not UTF-8 text").format(path=path)) from exc
    if not row:
        raise InputError(_("{path} is empty").format(path=path))
    return [c.strip() for c in row]


def read_kcs(path: Path, *, labels: bool = False) -> pl.DataFrame:
    """Read a KCS file as text columns, by name; labels only when ``labels`` is true.

    The returned frame has every column of :data:`COLUMNS` (labels only if asked for), missing
    ones filled with nulls, and the raw text kept; use :func:`prepare` for typed columns.
    """
    path = Path(path)
    names = header(path)
    if ID not in names:
        raise InputError(_("{path} has no '{column}' column").format(path=path, column=ID))
    if labels:
        missing = [c for c in LABELS if c not in names]
        if missing:
            raise InputError(_("{path} has no label column '{column}'").format(path=path, column=missing[0]))
    wanted = [c for c in COLUMNS if c in names and (labels or c not in LABELS)]
    try:
        df = pl.read_csv(
            path,
            columns=[names.index(c) for c in wanted],  # positions looked up by name in the header
            infer_schema=False,
            encoding="utf8-lossy",
        )
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(_("cannot read {path}: {reason}").format(path=path, reason=str(exc))) from exc
    df = df.rename({raw: c for raw, c in zip(df.columns, wanted, strict=True)})
    exprs = [pl.col(c).str.strip_chars() if c in df.columns else pl.lit(None, pl.String).alias(c) for c in COLUMNS]
    if not labels:
        exprs = [e for e, c in zip(exprs, COLUMNS, strict=True) if c not in LABELS]
    return df.select(exprs)


def number(col: str) -> pl.Expr:
    """A text column as a non-negative float; unparseable, negative or non-finite → null."""
    v = pl.col(col).cast(pl.Float64, strict=False)
    return pl.when(v.is_finite() & (v >= 0)).then(v).otherwise(None).alias(col)


def prepare(df: pl.DataFrame) -> pl.DataFrame:
    """Typed columns: padded HS6, parsed date, numbers; categorical text with nulls as ''."""
    cats = [c for c in CATEGORICAL if c not in ("HS6 Code", "Tax Rate")]
    return (
        df.with_columns(
            [pl.col(c).fill_null("").alias(c) for c in cats]
            + [
                pl.col(ID).fill_null(""),
                pl.col("HS6 Code").fill_null("").str.replace(r"\.0$", "").str.zfill(6),
                pl.col(DATE).str.to_date("%Y-%m-%d", strict=False).alias(DATE),
                number("Net Mass"),
                number("Item Price"),
                pl.col("Tax Rate").cast(pl.Float64, strict=False).alias("_tax"),
            ]
        )
        .with_columns(pl.when(pl.col("_tax").is_finite() & (pl.col("_tax") >= 0)).then(pl.col("_tax")).alias("_tax"))
        .with_columns(
            # Tax Rate is also an attribute: its text, normalised ("8" and "8.0" are one rate).
            pl.col("_tax").cast(pl.String).fill_null(pl.col("Tax Rate").fill_null("")).alias("Tax Rate"),
            pl.col("_tax").alias("tax_rate"),
        )
        .drop("_tax")
    )


def duty(df: pl.DataFrame) -> np.ndarray:
    """The duty proxy ``Item Price × Tax Rate / 100`` of prepared rows (missing → 0)."""
    d = (pl.col("Item Price") * pl.col("tax_rate") / 100.0).fill_null(0.0)
    return df.select(d.alias("d"))["d"].to_numpy().astype(np.float64)


def labels_of(df: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``Fraud`` (0/1) and ``Critical Fraud`` (0/1/2) of labelled rows; bad labels raise InputError."""
    out = []
    for c in LABELS:
        v = df[c].cast(pl.Int64, strict=False)
        if v.null_count():
            raise InputError(_("column '{column}' has empty or non-integer values").format(column=c))
        out.append(v.to_numpy())
    fraud = (out[0] > 0).astype(np.int64)
    return fraud, out[1].astype(np.int64)
