"""Importing the command line stays light: no database, web, dataframe or model libraries at import time."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO

HEAVY = ("sqlalchemy", "fastapi", "polars", "lightgbm", "numpy", "pandas", "alembic", "uvicorn", "starlette")


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", HEAVY)
def test_cli_import_does_not_load(module: str) -> None:
    assert module not in loaded_after("import cix.cli.main")


def test_cli_help_is_light() -> None:
    stmt = (
        "from typer.testing import CliRunner; import cix.cli.main as m; "
        "r = CliRunner().invoke(m.app, ['--help']); assert r.exit_code == 0, r.output"
    )
    mods = loaded_after(stmt)
    assert not mods & set(HEAVY), sorted(mods & set(HEAVY))


def test_the_check_itself_sees_modules() -> None:
    assert "json" in loaded_after("import json")
    assert "sqlalchemy" in loaded_after("import sqlalchemy")
