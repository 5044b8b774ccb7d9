"""Read earlier versions of the seeds from git, so any release can be rebuilt from the repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .errors import DatapackageError

TRACKED = ("seeds", "schemas", "datapackage.json")


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise DatapackageError("git is not installed; releases are recorded by git commit") from None
    if done.returncode != 0:
        raise DatapackageError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def head_commit(root: Path) -> str:
    """Return the commit the working tree is on."""
    return _git(root, "rev-parse", "HEAD").strip()


def dirty_paths(root: Path) -> list[str]:
    """Return the seed, schema and descriptor paths with uncommitted changes."""
    out = _git(root, "status", "--porcelain", "--", *TRACKED)
    return [line[3:] for line in out.splitlines() if line.strip()]


def read_at(root: Path, commit: str, relpath: str) -> str:
    """Return a file's text as it was at `commit`."""
    return _git(root, "show", f"{commit}:{relpath}")


def export_tree(root: Path, commit: str, dest: Path) -> Path:
    """Write seeds, schemas and datapackage.json as they were at `commit` into `dest`."""
    names = _git(root, "ls-tree", "-r", "--name-only", commit, "--", *TRACKED).split()
    if not names:
        raise DatapackageError(f"commit {commit[:12]} has no seeds; is the clone shallow? (git fetch --unshallow)")
    for name in names:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(subprocess.run(["git", "show", f"{commit}:{name}"], cwd=root, capture_output=True, check=True).stdout)
    return dest
