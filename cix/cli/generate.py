"""The ``cix generate`` command: write a synthetic trade dataset into a directory.

Thin by design: it turns the options into a :class:`~cix.generate.GeneratorConfig`, calls
:func:`~cix.generate.generate` and :func:`~cix.generate.write_dataset`, and prints a summary (one
JSON object with ``--json``). It needs no node: nothing is read from or written to ``CIX_HOME``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from cix.cli.common import JsonOption, emit_json, fail
from cix.i18n import _

app = typer.Typer()


def _countries(value: str, option: str) -> tuple[str, ...]:
    from cix.reference.countries import is_country

    codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
    bad = [c for c in codes if not is_country(c)]
    if bad or not codes:
        fail(
            _("{option}: not ISO 3166-1 alpha-2 country codes: {bad}").format(
                option=option, bad=", ".join(bad) or repr(value)
            ),
            2,
        )
    return codes


@app.command("generate")
def generate_command(
    out: Path = typer.Option(..., "--out", help=_("Directory to write the files into (created when missing).")),
    importer: str = typer.Option("RU", "--importer", help=_("Importing country (ISO 3166-1 alpha-2).")),
    partners: str = typer.Option(
        "FI,CN,DE,TR", "--partners", help=_("Partner (exporting) countries, comma-separated.")
    ),
    days: int = typer.Option(30, "--days", min=1, help=_("Number of days of import declarations.")),
    per_day: int = typer.Option(200, "--per-day", min=0, help=_("Consignments a day.")),
    seed: int = typer.Option(1, "--seed", help=_("Random seed: the same seed gives the same files.")),
    end_date: str = typer.Option(None, "--end-date", help=_("Last import date, YYYY-MM-DD (default: today).")),
    fraud_share: float = typer.Option(
        0.05, "--fraud-share", min=0.0, max=1.0, help=_("Share of consignments with injected fraud.")
    ),
    preliminary_share: float = typer.Option(
        0.6, "--preliminary-share", min=0.0, max=1.0, help=_("Share of consignments with preliminary information.")
    ),
    missing_ucr_share: float = typer.Option(
        0.0, "--missing-ucr-share", min=0.0, max=1.0, help=_("Share of pairs whose UCR is missing on one side.")
    ),
    mistyped_container_share: float = typer.Option(
        0.0,
        "--mistyped-container-share",
        min=0.0,
        max=1.0,
        help=_("Share of pairs with one container number mistyped."),
    ),
    no_counterpart_share: float = typer.Option(
        0.0, "--no-counterpart-share", min=0.0, max=1.0, help=_("Share of records on each side with no counterpart.")
    ),
    as_json: bool = JsonOption,
) -> None:
    """Write synthetic trade: imports, exports, preliminary information, fraud truth, tariff, rates."""
    from cix.generate import GeneratorConfig, generate, write_dataset

    imp = _countries(importer, "--importer")
    if len(imp) != 1:
        fail(_("--importer takes one country code"), 2)
    try:
        last = date.fromisoformat(end_date) if end_date else None
    except ValueError:
        fail(_("--end-date {value!r} is not a date (YYYY-MM-DD)").format(value=end_date), 2)
    if last is not None and last > date.today():
        fail(_("--end-date lies in the future: generated declarations must be dated in the past"), 2)
    try:
        config = GeneratorConfig(
            importer=imp[0],
            partners=_countries(partners, "--partners"),
            days=days,
            per_day=per_day,
            seed=seed,
            end_date=last,
            fraud_share=fraud_share,
            preliminary_share=preliminary_share,
            missing_ucr_share=missing_ucr_share,
            mistyped_container_share=mistyped_container_share,
            no_counterpart_share=no_counterpart_share,
        )
    except ValueError as exc:
        fail(str(exc), 2)
    dataset = generate(config)
    try:
        paths = write_dataset(dataset, out)
    except OSError as exc:
        fail(_("cannot write to {out}: {reason}").format(out=out, reason=exc.strerror or exc))
    counts = dataset.counts()
    summary = {
        "out": str(out),
        "seed": seed,
        "importer": config.importer,
        "partners": list(config.partners),
        "first_date": config.first_day.isoformat(),
        "last_date": config.last_day.isoformat(),
        "counts": counts,
        "files": {name: str(path) for name, path in paths.items()},
    }
    if as_json:
        emit_json(summary)
        return
    typer.echo(
        _(
            "Wrote {imports} import, {exports} export and {prelim} preliminary declarations "
            "({first} to {last}) to {out}"
        ).format(
            imports=counts["imports"],
            exports=counts["exports"],
            prelim=counts["preliminary"],
            first=summary["first_date"],
            last=summary["last_date"],
            out=out,
        )
    )
    fraud = ", ".join(f"{k.removeprefix('fraud_')} {v}" for k, v in counts.items() if k.startswith("fraud_"))
    typer.echo(_("Fraud (declarations, truth in truth.jsonl): {fraud}").format(fraud=fraud))
    typer.echo(
        _("Also: tariff.csv ({tariff} rows), rates.csv ({rates} synthetic rates), links.jsonl, traders.jsonl").format(
            tariff=counts["tariff_rows"], rates=counts["rate_rows"]
        )
    )
