"""Small slices of the KCS development files, and one model trained on them, shared by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

KCS = Path(__file__).parents[3] / ".." / "shared" / "data" / "kcs"


def head(src: Path, dst: Path, rows: int) -> Path:
    with open(src, encoding="utf-8") as fh, open(dst, "w", encoding="utf-8") as out:
        for i, line in enumerate(fh):
            if i > rows:
                break
            out.write(line)
    return dst


@pytest.fixture(scope="session")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not (KCS / "train.csv").exists():
        pytest.skip(f"KCS development data not found at {KCS}")
    d = tmp_path_factory.mktemp("kcs")
    return {
        "train": head(KCS / "train.csv", d / "train.csv", 3000),
        "valid": head(KCS / "valid.csv", d / "valid.csv", 1000),
    }


@pytest.fixture(scope="session")
def model_dir(slices: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cix.risk.targeting import service

    d = tmp_path_factory.mktemp("model")
    service.train(slices["train"], d, seed=0, log=lambda _msg: None)
    return d
