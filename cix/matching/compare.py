"""Discrepancies of matched pairs, item by item, computed on Polars frames for any number of pairs.

Items are paired by their position (``seq``); an item on one side only is ``item_missing``. Kinds:
``customs_value``, ``quantity``, ``net_mass``, ``gross_mass``, ``hs_code`` (six digits), ``origin``,
``importer``, ``exporter``, ``item_missing``, ``value_not_compared`` (no exchange rate for the two
currencies). Where the sides use different HS editions and a differing code is not the same in both,
the pair gets an ``hs_edition_mismatch`` note instead of an ``hs_code`` discrepancy.

Value: green-corridor export data carries no customs value, so both sides are compared on a CIF
basis in the import's invoice currency: the export invoice converted at the rate of the import date
(the date the customs value is fixed), and each side's invoice raised by the freight and insurance
its incoterm leaves to the buyer (EXW/FCA/FAS/FOB: both, CFR/CPT: insurance). Freight and insurance
are the import's declared ones, apportioned by gross mass, else estimated (``FREIGHT_SHARE``,
``INSURANCE_SHARE`` of the invoice). Relative differences within the tolerance are no discrepancy;
above it the severity is low up to 10 %, medium up to 30 %, high beyond. Duty at stake is what the
difference alone would cost at the item's tax rate (else the node's tariff) on the item's customs
value, in the national currency when the import declares a customs value; discrepancies of one item
overlap, so a pair's duty at stake is the sum over items of the largest one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

TOLERANCE = {"customs_value": 0.05, "quantity": 0.005, "net_mass": 0.02, "gross_mass": 0.02}
FREIGHT_SHARE, INSURANCE_SHARE = 0.05, 0.005
BUYER_PAYS_BOTH = ("EXW", "FCA", "FAS", "FOB")
BUYER_PAYS_INSURANCE = ("CFR", "CPT")
SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3}
NOT_DISCREPANCY = ("hs_edition_mismatch",)

OUT_SCHEMA = {
    "declaration_id": pl.Int64,
    "counterpart_id": pl.Int64,
    "kind": pl.Utf8,
    "severity": pl.Utf8,
    "item": pl.Int64,
    "ours": pl.Utf8,
    "theirs": pl.Utf8,
    "duty_at_stake": pl.Float64,
}


@dataclass
class Reference:
    """Look-ups the comparison needs: rates, tariff, HS editions (each called once per distinct key)."""

    rate: Callable[[str, str, dt.date], float | None] = lambda f, t, d: 1.0 if f == t else None
    tariff: Callable[[str, str | None], float | None] = lambda code, origin: None
    edition_of: Callable[[dt.date], str] = lambda d: ""
    in_both: frozenset[str] = field(default_factory=frozenset)


def _severity(rel: pl.Expr) -> pl.Expr:
    a = rel.abs()
    return pl.when(a <= 0.10).then(pl.lit("low")).when(a <= 0.30).then(pl.lit("medium")).otherwise(pl.lit("high"))


def _fmt(x: pl.Expr) -> pl.Expr:
    return x.round(2).cast(pl.Utf8)


def _map(frame: pl.DataFrame, cols: list[str], fn: Callable[..., object], out: str, dtype: pl.DataType) -> pl.DataFrame:
    """Apply a Python look-up once per distinct ``cols`` tuple; the result becomes column ``out``."""
    keys = frame.select(cols).unique()
    vals = [fn(*row) for row in keys.iter_rows()]
    table = keys.with_columns(pl.Series(out, vals, dtype=dtype, strict=False))
    # Joined on the key columns alone (the frame itself is wide), in the frame's row order.
    col = frame.select(cols).join(table, on=cols, how="left", nulls_equal=True, maintain_order="left")[out]
    return frame.with_columns(col)


def _adjust(incoterm: str, freight: str, insurance: str) -> pl.Expr:
    t = pl.col(incoterm).fill_null("").str.to_uppercase()
    return (
        pl.when(t.is_in(BUYER_PAYS_BOTH))
        .then(pl.col(freight) + pl.col(insurance))
        .when(t.is_in(BUYER_PAYS_INSURANCE))
        .then(pl.col(insurance))
        .otherwise(0.0)
    )


def compare(pairs: pl.DataFrame, records: pl.DataFrame, goods: pl.DataFrame, ref: Reference) -> pl.DataFrame:
    """Discrepancies of ``pairs`` (``declaration_id`` import, ``counterpart_id`` partner record)."""
    if pairs.is_empty():
        return pl.DataFrame(schema=OUT_SCHEMA)
    pairs = pairs.select("declaration_id", "counterpart_id")
    rec = records.select(
        "id",
        "importer_id",
        "exporter_id",
        "declared_on",
        "hs_edition",
        "incoterm",
        "freight",
        "insurance",
        "freight_currency",
    )
    ri = rec.rename({c: f"{c}_i" for c in rec.columns if c != "id"}).rename({"id": "declaration_id"})
    rp = rec.rename({c: f"{c}_p" for c in rec.columns if c != "id"}).rename({"id": "counterpart_id"})
    decl = pairs.join(ri, on="declaration_id", how="left").join(rp, on="counterpart_id", how="left")
    parts: list[pl.DataFrame | pl.LazyFrame] = []
    for who in ("importer", "exporter"):
        ours, theirs = pl.col(f"{who}_id_i"), pl.col(f"{who}_id_p")
        parts.append(
            decl.filter(ours.is_not_null() & theirs.is_not_null() & (ours != theirs)).select(
                "declaration_id",
                "counterpart_id",
                kind=pl.lit(who),
                severity=pl.lit("medium"),
                item=pl.lit(None, pl.Int64),
                ours=ours,
                theirs=theirs,
                duty_at_stake=pl.lit(0.0),
            )
        )
    # Editions of each side: named on the declaration, else the one in force on its date.
    decl = _map(decl, ["declared_on_i"], ref.edition_of, "ed_in_force_i", pl.Utf8())
    decl = _map(decl, ["declared_on_p"], ref.edition_of, "ed_in_force_p", pl.Utf8())
    decl = decl.with_columns(
        ed_i=pl.coalesce("hs_edition_i", "ed_in_force_i"), ed_p=pl.coalesce("hs_edition_p", "ed_in_force_p")
    )
    g = goods.select(
        "declaration_id",
        "seq",
        "hs_code",
        "origin",
        "quantity",
        "unit",
        "net_mass",
        "gross_mass",
        "invoice_amount",
        "currency",
        "customs_value",
        "tax_rate",
    )
    gi = g.rename({c: f"{c}_i" for c in g.columns if c not in ("declaration_id", "seq")})
    gp = g.rename({c: f"{c}_p" for c in g.columns if c not in ("declaration_id", "seq")}).rename(
        {"declaration_id": "counterpart_id"}
    )
    left = pairs.join(gi, on="declaration_id")
    right = pairs.join(gp, on="counterpart_id")
    items = left.join(right, on=["declaration_id", "counterpart_id", "seq"], how="full", coalesce=True)
    items = items.join(decl, on=["declaration_id", "counterpart_id"], how="left")
    present_i, present_p = pl.col("hs_code_i").is_not_null(), pl.col("hs_code_p").is_not_null()
    both = items.filter(present_i & present_p)
    missing = items.filter(~(present_i & present_p)).lazy()
    # Duty rates: the item's own, else the tariff for its code and origin.
    both = _map(both, ["hs_code_i", "origin_i"], ref.tariff, "tariff_i", pl.Float64())
    both = _map(both, ["hs_code_p", "origin_i"], ref.tariff, "tariff_their_code", pl.Float64())
    both = _map(both, ["hs_code_i", "origin_p"], ref.tariff, "tariff_their_origin", pl.Float64())
    both = _map(both, ["currency_p", "currency_i", "declared_on_i"], ref.rate, "fx", pl.Float64())
    both = _map(both, ["freight_currency_i", "currency_i", "declared_on_i"], ref.rate, "fx_freight", pl.Float64())
    total_mass = pl.col("gross_mass_i").fill_null(0.0).sum().over("declaration_id", "counterpart_id")
    share = (
        pl.when(total_mass > 0)
        .then(pl.col("gross_mass_i").fill_null(0.0) / total_mass)
        .otherwise(1.0 / pl.len().over("declaration_id", "counterpart_id"))
    )
    freight_cur = pl.coalesce(pl.col("fx_freight"), pl.when(pl.col("freight_currency_i").is_null()).then(1.0))
    both = (
        both.with_columns(
            rate=pl.coalesce("tax_rate_i", "tariff_i", pl.lit(0.0)),
            f=pl.coalesce(pl.col("freight_i") * freight_cur * share, pl.col("invoice_amount_i") * FREIGHT_SHARE),
            ins=pl.coalesce(pl.col("insurance_i") * freight_cur * share, pl.col("invoice_amount_i") * INSURANCE_SHARE),
        )
        .with_columns(
            cif_i=pl.col("invoice_amount_i") + _adjust("incoterm_i", "f", "ins"),
            cif_p=pl.col("invoice_amount_p") * pl.col("fx") + _adjust("incoterm_p", "f", "ins"),
        )
        .with_columns(
            nat=pl.when(pl.col("customs_value_i").is_not_null() & (pl.col("cif_i") > 0))
            .then(pl.col("customs_value_i") / pl.col("cif_i"))
            .otherwise(1.0),
        )
        .with_columns(
            base=pl.coalesce("customs_value_i", pl.col("cif_i")).fill_null(0.0) * pl.col("rate") / 100.0,
        )
    )
    # Each kind below reads only its own columns of the (wide) items: lazy, from here on.
    lz = both.lazy()
    key = ["declaration_id", "counterpart_id"]

    def item_rows(
        frame: pl.LazyFrame, kind: str, severity: pl.Expr, ours: pl.Expr, theirs: pl.Expr, duty: pl.Expr
    ) -> pl.LazyFrame:
        return frame.select(
            *key,
            kind=pl.lit(kind),
            severity=severity,
            item=pl.col("seq"),
            ours=ours,
            theirs=theirs,
            duty_at_stake=duty.fill_null(0.0).clip(lower_bound=0.0),
        )

    # Value.
    value = lz.filter(pl.col("invoice_amount_i").is_not_null() & pl.col("invoice_amount_p").is_not_null())
    no_fx = value.filter(pl.col("fx").is_null())
    parts.append(
        item_rows(
            no_fx,
            "value_not_compared",
            pl.lit("low"),
            _fmt(pl.col("invoice_amount_i")) + " " + pl.col("currency_i").fill_null(""),
            _fmt(pl.col("invoice_amount_p")) + " " + pl.col("currency_p").fill_null(""),
            pl.lit(0.0),
        )
    )
    value = (
        value.filter(pl.col("fx").is_not_null() & (pl.col("cif_p") > 0))
        .with_columns(rel=(pl.col("cif_p") - pl.col("cif_i")) / pl.col("cif_p"))
        .filter(pl.col("rel").abs() > TOLERANCE["customs_value"])
    )
    parts.append(
        item_rows(
            value,
            "customs_value",
            _severity(pl.col("rel")),
            _fmt(pl.col("cif_i")) + " " + pl.col("currency_i").fill_null(""),
            _fmt(pl.col("cif_p")) + " " + pl.col("currency_i").fill_null(""),
            (pl.col("cif_p") - pl.col("cif_i")) * pl.col("nat") * pl.col("rate") / 100.0,
        )
    )
    # Quantity and masses: understated on our side costs duty in proportion.
    for kind, unit in (("quantity", True), ("net_mass", False), ("gross_mass", False)):
        o, t = pl.col(f"{kind}_i"), pl.col(f"{kind}_p")
        f = lz.filter(o.is_not_null() & t.is_not_null())
        if unit:
            other_unit = f.filter(pl.col("unit_i") != pl.col("unit_p"))
            parts.append(
                item_rows(
                    other_unit,
                    kind,
                    pl.lit("medium"),
                    _fmt(o) + " " + pl.col("unit_i").fill_null(""),
                    _fmt(t) + " " + pl.col("unit_p").fill_null(""),
                    pl.lit(0.0),
                )
            )
            f = f.filter(pl.col("unit_i").eq_missing(pl.col("unit_p")))
        f = f.filter(t > 0).with_columns(rel=(t - o) / t).filter(pl.col("rel").abs() > TOLERANCE[kind])
        suffix = (" " + pl.col("unit_i").fill_null("")) if unit else pl.lit(" kg")
        parts.append(
            item_rows(
                f,
                kind,
                _severity(pl.col("rel")),
                _fmt(o) + suffix,
                _fmt(t) + suffix,
                pl.when(o > 0).then((t / o - 1.0) * pl.col("base")),
            )
        )
    # HS code at six digits, unless the editions differ and a code is not the same in both.
    in_both = pl.Series(sorted(ref.in_both), dtype=pl.Utf8)
    hs = lz.with_columns(h_i=pl.col("hs_code_i").str.slice(0, 6), h_p=pl.col("hs_code_p").str.slice(0, 6)).filter(
        pl.col("h_i") != pl.col("h_p")
    )
    edition = (pl.col("ed_i") != pl.col("ed_p")) & ~(
        pl.col("h_i").is_in(in_both.implode()) & pl.col("h_p").is_in(in_both.implode())
    )
    parts.append(
        item_rows(
            hs.filter(edition),
            "hs_edition_mismatch",
            pl.lit("low"),
            pl.col("h_i") + " (" + pl.col("ed_i").fill_null("?") + ")",
            pl.col("h_p") + " (" + pl.col("ed_p").fill_null("?") + ")",
            pl.lit(0.0),
        )
    )
    hs = hs.filter(~edition).with_columns(
        hs_duty=(pl.col("tariff_their_code") - pl.col("rate")) * pl.coalesce("customs_value_i", "cif_i") / 100.0
    )
    parts.append(
        item_rows(
            hs,
            "hs_code",
            pl.when(pl.col("hs_duty") > 0)
            .then(pl.lit("high"))
            .when(pl.col("h_i").str.slice(0, 4) != pl.col("h_p").str.slice(0, 4))
            .then(pl.lit("medium"))
            .otherwise(pl.lit("low")),
            pl.col("h_i"),
            pl.col("h_p"),
            pl.col("hs_duty"),
        )
    )
    # Origin.
    origin = lz.filter(
        pl.col("origin_i").is_not_null() & pl.col("origin_p").is_not_null() & (pl.col("origin_i") != pl.col("origin_p"))
    ).with_columns(
        o_duty=(pl.col("tariff_their_origin") - pl.col("rate")) * pl.coalesce("customs_value_i", "cif_i") / 100.0
    )
    parts.append(
        item_rows(
            origin,
            "origin",
            pl.when(pl.col("o_duty") > 0).then(pl.lit("high")).otherwise(pl.lit("medium")),
            pl.col("origin_i"),
            pl.col("origin_p"),
            pl.col("o_duty"),
        )
    )
    # Items on one side only: exported goods not declared here weigh most.
    parts.append(
        item_rows(
            missing,
            "item_missing",
            pl.when(pl.col("hs_code_i").is_null()).then(pl.lit("high")).otherwise(pl.lit("medium")),
            pl.col("hs_code_i"),
            pl.col("hs_code_p"),
            pl.when(pl.col("hs_code_i").is_null()).then(
                pl.col("invoice_amount_p") * pl.coalesce("tax_rate_p", pl.lit(0.0)) / 100.0
            ),
        )
    )
    lazy = [p.lazy().cast(OUT_SCHEMA) for p in parts]  # type: ignore[arg-type]
    return pl.concat(lazy).sort([*key, "item", "kind"], nulls_last=True).collect()


def summarise(disc: pl.DataFrame) -> pl.DataFrame:
    """Per import: count, worst severity and duty at stake (sum over items of the largest), clean flag."""
    real = disc.filter(~pl.col("kind").is_in(NOT_DISCREPANCY))
    rank = pl.col("severity").replace_strict(SEVERITY_RANK, return_dtype=pl.Int32)
    per_item = real.group_by("declaration_id", "item").agg(d=pl.col("duty_at_stake").max())
    duty = per_item.group_by("declaration_id").agg(duty_at_stake=pl.col("d").sum())
    return (
        real.with_columns(rank=rank)
        .group_by("declaration_id")
        .agg(discrepancies=pl.len(), worst=pl.col("rank").max())
        .join(duty, on="declaration_id", how="left")
        .with_columns(
            max_severity=pl.col("worst").replace_strict({v: k for k, v in SEVERITY_RANK.items()}, return_dtype=pl.Utf8),
            clean=pl.col("worst") <= 1,
        )
        .drop("worst")
    )
