"""Shared fixtures: a small valid package, and invalid cases overlaid on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from datapackage.paths import REPO_ROOT

DATA = Path(__file__).resolve().parent / "data"
VALID_SEEDS = DATA / "valid" / "seeds"
INVALID = DATA / "invalid"


def make_package(target: Path, overlay: Path | None = None) -> Path:
    """Copy the repo's descriptor and schemas plus the valid test seeds, then overlay a case's files.

    A case folder holds replacement files: `<table>.csv` goes to seeds/, `datapackage.json`
    to the root, `schemas/<table>.schema.json` to schemas/, and a file named `remove` lists
    paths (relative to the root) to delete.
    """
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "datapackage.json", target / "datapackage.json")
    shutil.copytree(REPO_ROOT / "schemas", target / "schemas")
    shutil.copytree(VALID_SEEDS, target / "seeds")
    if overlay is not None:
        for path in sorted(overlay.rglob("*")):
            rel = path.relative_to(overlay)
            if path.is_dir() or rel.name in ("expected.txt", "README.md"):
                continue
            if rel.name == "remove":
                for line in path.read_text().split():
                    (target / line).unlink()
                continue
            dest = target / ("seeds" / rel if rel.suffix == ".csv" and rel.parent == Path(".") else rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, dest)
    return target


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A valid copy of the test package in a temporary folder."""
    return make_package(tmp_path / "pkg")


def invalid_cases() -> list[Path]:
    return sorted(p for p in INVALID.iterdir() if p.is_dir()) if INVALID.exists() else []
