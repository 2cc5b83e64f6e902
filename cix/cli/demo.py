"""``cix demo``: the main job of a fresh clone — a node with generated trade, served on loopback."""

from __future__ import annotations

from pathlib import Path

import typer

from cix.cli.common import fail_from
from cix.errors import CixError
from cix.i18n import _

app = typer.Typer()


@app.command("demo")
def demo(
    port: int = typer.Option(8000, help="Port of the node's API (0 picks a free one)."),
    home: Path | None = typer.Option(None, "--home", help="Demo data directory (default: $CIX_HOME/demo)."),
) -> None:
    """Generate demo trade, load it into a node on SQLite and serve its API until Ctrl-C."""
    from cix.cli.common import err_console
    from cix.pipeline.demo import load_demo
    from cix.settings import default_home, load_settings

    settings = load_settings(home or default_home() / "demo")
    console = err_console()
    try:
        with console.status(_("generating and loading demo trade...")):
            summary = load_demo(settings)
    except CixError as exc:
        fail_from(exc)
    for name in ("imports", "exports", "preliminary"):
        s = summary[name]
        console.print(
            _("{name}: {read} read, {stored} stored, {dup} already there, {q} quarantined").format(
                name=name, read=s["read"], stored=s["stored"], dup=s["duplicates"], q=s["quarantined"]
            )
        )
    from cix.cli.serve import run_server

    run_server(settings, "127.0.0.1", port)
