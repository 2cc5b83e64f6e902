"""Entry point of the ``cix`` command; each capability adds its commands from its own module."""

from __future__ import annotations

import importlib
import sys

import typer

from cix import __version__
from cix.errors import CixError

app = typer.Typer(
    name="cix",
    help="cix, the Customs Information eXchange: a node of the single customs information space.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# (module under cix.cli, name of the command group or None for top-level commands)
_GROUPS: list[tuple[str, str | None]] = [
    ("reference", "reference"),
    ("declarations", "declarations"),
    ("quarantine", "quarantine"),
    ("imports", None),
    ("generate", None),
    ("serve", None),
    ("demo", None),
    ("bench", "bench"),
    ("risk", "risk"),
    ("cooperation", "cooperation"),
    ("agreements", "agreements"),
    ("node_cmd", "node"),
    ("partners", "partners"),
    ("exchange_cmd", "exchange"),
    ("audit_cmd", "audit"),
    ("match", "match"),
    ("prices", "prices"),
    ("inspections", "inspections"),
    ("users", "users"),
    ("tokens", "tokens"),
]

for _module, _name in _GROUPS:
    try:
        _mod = importlib.import_module(f"cix.cli.{_module}")
    except ModuleNotFoundError as exc:  # a capability not built yet
        if exc.name != f"cix.cli.{_module}":
            raise
        continue
    if _name is None:
        for _cmd in _mod.app.registered_commands:
            app.registered_commands.append(_cmd)
    else:
        app.add_typer(_mod.app, name=_name)


@app.callback()
def _root() -> None:
    """cix, the Customs Information eXchange: a node of the single customs information space."""


@app.command("version")
def version() -> None:
    """Print the cix version."""
    typer.echo(__version__)


def main() -> None:
    """Run the command; every failure ends with one line on standard error and a non-zero status."""
    try:
        rv = app(standalone_mode=False)
    except CixError as exc:
        sys.stderr.write(f"cix: {' '.join(exc.message.split())}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("cix: interrupted\n")
        sys.exit(130)
    except Exception as exc:
        # typer carries its own copy of click: recognise its exceptions by shape, not by class.
        name = type(exc).__name__
        if name == "NoArgsIsHelpError" and hasattr(exc, "ctx"):
            sys.stdout.write(exc.ctx.get_help() + "\n")
            sys.exit(0)
        if name == "Abort":
            sys.stderr.write("cix: aborted\n")
            sys.exit(130)
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            ctx = getattr(exc, "ctx", None)
            where = f"{ctx.command_path}: " if ctx is not None else ""
            sys.stderr.write(f"cix: {where}{' '.join(exc.format_message().split())}\n")
            sys.exit(exc.exit_code)
        raise
    sys.exit(rv if isinstance(rv, int) else 0)
