"""``cix import``: load declarations from a file into the node (thin: calls cix.pipeline.imports)."""

from __future__ import annotations

from pathlib import Path

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, err_console, fail, fail_from
from cix.errors import CixError
from cix.i18n import _

app = typer.Typer()


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="The file to import."),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="json | jsonl | csv | kcs"),
    mapping: Path | None = typer.Option(None, "--mapping", help="Column mapping file (JSON) for --format csv."),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """Import declarations: validate each, store the good ones once, quarantine the rest with reasons.

    Idempotent: the same file twice stores nothing twice (a declaration's natural key decides).
    The summary says read = stored + duplicates + quarantined.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from cix.cli.node import node
    from cix.ingest.records import FORMATS
    from cix.pipeline.imports import import_file

    if fmt not in FORMATS:
        fail(_("unknown format {fmt!r}; one of {formats}").format(fmt=fmt, formats=", ".join(FORMATS)), 2)
    try:
        settings, store = node(home)
        if not file.exists():
            raise CixError(f"no such file: {file}")
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=err_console(),
            transient=json,
        ) as bar:
            task = bar.add_task(_("importing {name}").format(name=file.name), total=None, counts="")

            def progress(s):
                bar.update(
                    task,
                    completed=s.read,
                    counts=_("{read} read, {stored} stored, {dup} duplicates, {q} quarantined").format(
                        read=s.read, stored=s.stored, dup=s.duplicates, q=s.quarantined
                    ),
                )

            summary = import_file(
                store,
                file,
                fmt,
                mapping=mapping,
                batch_size=settings.batch_size,
                max_future_days=settings.max_future_days,
                progress=progress,
                workers=settings.workers,
            )
    except CixError as exc:
        fail_from(exc)
    out = summary.to_dict()
    out["balanced"] = summary.stored + summary.duplicates + summary.quarantined == summary.read
    if json:
        emit_json(out)
        return
    typer.echo(
        _("{read} read: {stored} stored, {dup} duplicates, {q} quarantined ({w} stored with warnings).").format(
            read=summary.read,
            stored=summary.stored,
            dup=summary.duplicates,
            q=summary.quarantined,
            w=summary.warned,
        )
    )
    if summary.quarantined:
        typer.echo(_("See them with: cix quarantine list"))
