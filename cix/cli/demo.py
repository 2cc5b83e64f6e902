"""``cix demo``: the main job of a fresh clone — three customs nodes exchanging live on loopback."""

from __future__ import annotations

from pathlib import Path

import typer

from cix.cli.common import fail_from
from cix.errors import CixError

app = typer.Typer()


@app.command("demo")
def demo(
    home: Path | None = typer.Option(
        None, "--home", help="Demo directory (default: $CIX_HOME/demo3); emptied at each start."
    ),
    seed: int = typer.Option(1, help="Generator seed of the demo trade."),
    history_days: int = typer.Option(14, min=1, help="Days of past trade loaded into the importing node."),
    per_day: int = typer.Option(40, min=1, help="Consignments a day."),
    pace: float = typer.Option(1.0, min=0.0, help="Seconds between two of today's consignments."),
) -> None:
    """Start Russia, Finland and China as three nodes with live traffic; print their addresses; Ctrl-C stops.

    Russia imports; Finland sends export declaration data under green-corridor, China preliminary
    information and price records under apec-preliminary. Each node has its own store, keys and console.
    """
    import signal
    import threading

    from cix.demo.run import run
    from cix.settings import default_home

    root = home or default_home() / "demo3"
    stop = threading.Event()

    def _stop(_sig: int, _frame: object) -> None:
        stop.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        run(root, seed=seed, history_days=history_days, per_day=per_day, pace_s=pace, stop=stop)
    except CixError as exc:
        fail_from(exc)
    except KeyboardInterrupt:
        stop.set()
        typer.echo("cix demo: stopped", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
