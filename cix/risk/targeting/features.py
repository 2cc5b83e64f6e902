"""Features of the targeting model, with history computed only from what was known before each row.

Three kinds of features describe a declaration:

* **Attributes**: small categoricals (office, process/import/payment type, transport mode, tax type,
  origin indicator, countries, HS chapter) as LightGBM categories through a fitted vocabulary, and
  frequency encodings of the high-cardinality ones (HS6, trader ids) counted in the training file.
* **Values**: log item price, log net mass, log unit value (price per kg), tax rate, log duty
  (price × tax rate / 100) and the unit value relative to the median of the same HS6 (and HS6 +
  origin) in the training file: the price reference.
* **History**: for each key in :data:`HISTORY_KEYS` (trader ids, HS codes, countries, the attribute
  pattern of the data README, ...), the number of earlier declarations with the same key, their
  smoothed fraud rate and smoothed critical-fraud rate. *Earlier* means strictly before the row's
  date: the history tables hold cumulative counts per key and date, and every row, at training and at
  scoring time alike, is joined to the last date strictly before its own (an as-of join). A row with
  no date is treated as coming after all of the training history. Nothing of a row's own outcome, or
  of any row on the same day, reaches its features: that is the no-leakage rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from cix.risk.targeting.data import CRITICAL, DATE, FRAUD, PATTERN

#: Small categoricals given to LightGBM as categories.
CATEGORIES = (
    "Office ID",
    "Process Type",
    "Import Type",
    "Import Use",
    "Payment Type",
    "Mode of Transport",
    "Tax Type",
    "Country of Origin Indicator",
    "Country of Departure",
    "Country of Origin",
    "hs2",
)
#: High-cardinality columns given as their frequency in the training file.
FREQUENCIES = ("HS6 Code", "hs4", "Declarant ID", "Importer ID", "Seller ID", "Courier ID", "pattern")
#: History keys: name → the columns that form the key.
HISTORY_KEYS: dict[str, tuple[str, ...]] = {
    "all": (),  # every earlier row: the prior of the smoothed rates
    "pattern": ("pattern",),
    "hs6": ("HS6 Code",),
    "hs4": ("hs4",),
    "hs2": ("hs2",),
    "hs6_origin": ("HS6 Code", "Country of Origin"),
    "hs6_taxtype": ("HS6 Code", "Tax Type"),
    "hs6_mass": ("HS6 Code", "Net Mass"),
    "origin": ("Country of Origin",),
    "departure": ("Country of Departure",),
    "taxtype": ("Tax Type",),
    "office": ("Office ID",),
    "declarant": ("Declarant ID",),
    "importer": ("Importer ID",),
    "seller": ("Seller ID",),
    "courier": ("Courier ID",),
}
#: Prior weight of the smoothed rates (pseudo-count of declarations at the base rate).
SMOOTHING = 5.0
#: Fraud and critical-fraud rates assumed before any history exists (not learnt from the labels).
START_PRIOR = (0.2, 0.01)
_FAR_FUTURE = 99_999  # days since 1970: the date of an undated row


def derive(df: pl.DataFrame) -> pl.DataFrame:
    """Add the derived key columns (``hs2``, ``hs4``, ``pattern``, ``day``) to prepared rows."""
    return df.with_columns(
        pl.col("HS6 Code").str.slice(0, 2).alias("hs2"),
        pl.col("HS6 Code").str.slice(0, 4).alias("hs4"),
        pattern_keys(df).alias("pattern"),
        pl.col(DATE).cast(pl.Int32).fill_null(_FAR_FUTURE).alias("day"),
    )


def pattern_keys(df: pl.DataFrame) -> pl.Series:
    """The attribute pattern of each prepared row, as one text key."""
    parts = [df[c].cast(pl.String).fill_null("") for c in PATTERN]
    return pl.select(pl.concat_str(parts, separator="|")).to_series().alias("pattern")


def _key(cols: tuple[str, ...]) -> pl.Expr:
    if not cols:
        return pl.lit("")
    if len(cols) == 1:
        return pl.col(cols[0]).cast(pl.String).fill_null("")
    return pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in cols], separator="|")


@dataclass
class FeatureSpace:
    """Everything fitted on the training rows that features need: vocabularies, counts, history."""

    vocab: dict[str, list[str]] = field(default_factory=dict)
    freq: dict[str, pl.DataFrame] = field(default_factory=dict)
    history: dict[str, pl.DataFrame] = field(default_factory=dict)
    price_ref: dict[str, pl.DataFrame] = field(default_factory=dict)
    #: Numeric columns the rows carry as they are (the node's valuation and matching results); none for KCS.
    extras: list[str] = field(default_factory=list)

    @classmethod
    def fit(cls, rows: pl.DataFrame, extras: tuple[str, ...] | list[str] = ()) -> FeatureSpace:
        """Fit on derived, labelled training rows (``Fraud`` 0/1, ``Critical Fraud`` 0/1/2)."""
        space = cls(extras=list(extras))
        for c in CATEGORIES:
            counts = rows[c].value_counts()
            space.vocab[c] = sorted(counts.filter(pl.col("count") >= 5)[c].to_list())
        for c in FREQUENCIES:
            space.freq[c] = rows.group_by(c).agg(pl.len().cast(pl.Float64).alias(f"freq_{c}"))
        lab = rows.with_columns(
            pl.col(FRAUD).cast(pl.Int64).alias("_f"),
            (pl.col(CRITICAL).cast(pl.Int64) == 2).cast(pl.Int64).alias("_c"),
        )
        for name, cols in HISTORY_KEYS.items():
            h = (
                lab.with_columns(_key(cols).alias("key"))
                .group_by("key", "day")
                .agg(pl.len().alias("n"), pl.col("_f").sum().alias("f"), pl.col("_c").sum().alias("c"))
                .sort("key", "day")
                .with_columns(
                    pl.col("n").cum_sum().over("key").cast(pl.Float64),
                    pl.col("f").cum_sum().over("key").cast(pl.Float64),
                    pl.col("c").cum_sum().over("key").cast(pl.Float64),
                )
                .sort("day")
            )
            space.history[name] = h
        unit = rows.with_columns(_unit_value().alias("uv")).filter(pl.col("uv").is_not_null())
        for name, cols in (("hs6", ("HS6 Code",)), ("hs6_origin", ("HS6 Code", "Country of Origin"))):
            space.price_ref[name] = (
                unit.with_columns(_key(cols).alias("key"))
                .group_by("key")
                .agg(pl.col("uv").median().alias(f"ref_{name}"), pl.len().alias(f"refn_{name}"))
            )
        return space

    def names(self) -> list[str]:
        out = list(CATEGORIES)
        out += ["log_price", "log_mass", "log_uv", "tax_rate", "log_duty", "duty_zero", "missing"]
        out += [f"freq_{c}" for c in FREQUENCIES]
        out += ["uv_rel_hs6", "uv_rel_hs6_origin", "refn_hs6"]
        for name in HISTORY_KEYS:
            if name != "all":
                out += [f"h_{name}_n", f"h_{name}_fr", f"h_{name}_cr"]
        return out + self.extras

    def transform(self, rows: pl.DataFrame) -> pl.DataFrame:
        """The feature frame (columns in :meth:`names` order) of derived rows, in input order."""
        df = rows.with_row_index("_i").with_columns(_unit_value().alias("uv"))
        exprs: list[pl.Expr] = []
        for c in CATEGORIES:
            codes = {v: i for i, v in enumerate(self.vocab[c])}
            exprs.append(pl.col(c).replace_strict(codes, default=None, return_dtype=pl.Int32).alias(c))
        price = pl.col("Item Price")
        mass = pl.col("Net Mass")
        d = price * pl.col("tax_rate") / 100.0
        exprs += [
            price.log1p().alias("log_price"),
            mass.log1p().alias("log_mass"),
            pl.col("uv").log().alias("log_uv"),
            pl.col("tax_rate"),
            d.log1p().alias("log_duty"),
            (d == 0).cast(pl.Float64).alias("duty_zero"),
            (price.is_null().cast(pl.Int32) + mass.is_null() + pl.col("tax_rate").is_null() + pl.col(DATE).is_null())
            .cast(pl.Float64)
            .alias("missing"),
        ]
        refs = {"hs6": ("HS6 Code",), "hs6_origin": ("HS6 Code", "Country of Origin")}
        out = df.select(
            "_i",
            "uv",
            *exprs,
            *[pl.col(c).alias(f"_f_{c}") for c in FREQUENCIES],
            *[_key(cols).alias(f"_r_{n}") for n, cols in refs.items()],
            *[pl.col(c).cast(pl.Float64) for c in self.extras],
        )
        keyed = df.select("_i", "day", *[_key(cols).alias(f"k_{n}") for n, cols in HISTORY_KEYS.items()])
        for c in FREQUENCIES:  # joins may reorder rows: every key travels with its row
            out = out.join(self.freq[c].rename({c: f"_f_{c}"}), on=f"_f_{c}", how="left")
            out = out.with_columns(pl.col(f"freq_{c}").fill_null(0.0))
        for name in refs:
            out = out.join(self.price_ref[name].rename({"key": f"_r_{name}"}), on=f"_r_{name}", how="left")
            out = out.with_columns((pl.col("uv") / pl.col(f"ref_{name}")).log().alias(f"uv_rel_{name}"))
        out = out.with_columns(pl.col("refn_hs6").cast(pl.Float64).fill_null(0.0))
        a = SMOOTHING
        joined: dict[str, pl.DataFrame] = {}
        for name in HISTORY_KEYS:
            q = keyed.select("_i", "day", pl.col(f"k_{name}").alias("key")).sort("day")
            h = self.history[name]
            joined[name] = q.join_asof(
                h, on="day", by="key", strategy="backward", allow_exact_matches=False, check_sortedness=False
            ).select("_i", *[pl.col(c).fill_null(0.0) for c in ("n", "f", "c")])
        # The prior of every smoothed rate is the rate of all rows strictly before the row's date
        # (half a pseudo-row at :data:`START_PRIOR`): no global statistic of the labels leaks in.
        prior = joined["all"].select(
            "_i",
            ((pl.col("f") + 0.5 * START_PRIOR[0]) / (pl.col("n") + 0.5)).alias("_pf"),
            ((pl.col("c") + 0.5 * START_PRIOR[1]) / (pl.col("n") + 0.5)).alias("_pc"),
        )
        for name, j in joined.items():
            if name == "all":
                continue
            j = j.join(prior, on="_i").select(
                "_i",
                pl.col("n").alias(f"h_{name}_n"),
                ((pl.col("f") + a * pl.col("_pf")) / (pl.col("n") + a)).alias(f"h_{name}_fr"),
                ((pl.col("c") + a * pl.col("_pc")) / (pl.col("n") + a)).alias(f"h_{name}_cr"),
            )
            out = out.join(j, on="_i", how="left")
        return out.sort("_i").select(self.names())

    def to_state(self) -> dict[str, Any]:
        return {"vocab": self.vocab, "extras": self.extras}

    def tables(self) -> dict[str, pl.DataFrame]:
        t: dict[str, pl.DataFrame] = {}
        t |= {f"freq__{k}": v for k, v in self.freq.items()}
        t |= {f"history__{k}": v for k, v in self.history.items()}
        t |= {f"price__{k}": v for k, v in self.price_ref.items()}
        return t

    @classmethod
    def from_state(cls, state: dict[str, Any], tables: dict[str, pl.DataFrame]) -> FeatureSpace:
        space = cls(vocab=state["vocab"], extras=list(state.get("extras", [])))
        for name, t in tables.items():
            kind, key = name.split("__", 1)
            {"freq": space.freq, "history": space.history, "price": space.price_ref}[kind][key] = t
        return space


def _unit_value() -> pl.Expr:
    mass = pl.col("Net Mass")
    return pl.when(mass > 0).then(pl.col("Item Price") / mass).otherwise(None)


def as_matrix(features: pl.DataFrame) -> np.ndarray:
    """The feature frame as a float matrix (nulls and infinities → NaN)."""
    m = features.cast(pl.Float64).to_numpy()
    m[~np.isfinite(m)] = np.nan
    return m
