"""Read earlier versions of the repository from git, safely.

Commits come from releases.json, which may be edited by hand: each is checked to be 40 hex digits,
every git call ends its options before its arguments, output is decoded as UTF-8 (never the
locale), paths are NUL-separated (spaces are fine), and a git failure is one clear line.
"""

from __future__ import annotations

import re
import subprocess
import tarfile
from pathlib import Path

from .errors import DatapackageError

TRACKED = ("seeds", "schemas", "datapackage.json")
COMMIT = re.compile(r"\A[0-9a-f]{40}\Z")


def check_commit(commit: object) -> str:
    """Return `commit` when it is a full 40-hex commit id; refuse anything else before git sees it."""
    if not isinstance(commit, str) or not COMMIT.match(commit):
        raise DatapackageError(f"commit {commit!r} is not 40 hex digits; releases.json must record full commit ids")
    return commit


def _git(root: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=root, capture_output=True, check=False)
    except FileNotFoundError:
        raise DatapackageError("git is not installed; releases are recorded by git commit") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DatapackageError(f"git {args[0]} failed in {root}: {message[-1] if message else 'no message'}")
    return done.stdout


def head_commit(root: Path) -> str:
    """Return the commit the working tree is on."""
    return check_commit(_git(root, "rev-parse", "--verify", "HEAD^{commit}").decode("ascii").strip())


def dirty_paths(root: Path) -> list[str]:
    """Return the seed, schema and descriptor paths with uncommitted changes."""
    out = _git(root, "status", "--porcelain", "-z", "--", *TRACKED).decode("utf-8")
    return sorted(entry[3:] for entry in out.split("\0") if entry.strip())


def read_at(root: Path, commit: str, relpath: str) -> str:
    """Return a file's text as it was at `commit`."""
    return _git(root, "cat-file", "blob", f"{check_commit(commit)}:{relpath}").decode("utf-8")


def export_tree(root: Path, commit: str, dest: Path) -> Path:
    """Write the whole tree of `commit` (code, seeds, schemas) into `dest` through `git archive`."""
    check_commit(commit)
    archive = dest.parent / f".{dest.name}.tar"
    try:
        archive.write_bytes(_git(root, "archive", "--format=tar", "--end-of-options", commit))
    except DatapackageError as error:
        raise DatapackageError(
            f"{error} (is commit {commit[:12]} in this clone? a shallow clone needs git fetch --unshallow)"
        ) from None
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")  # refuses links and paths leaving dest
    archive.unlink()
    if not (dest / "seeds").is_dir():
        raise DatapackageError(f"commit {commit[:12]} has no seeds/ folder")
    return dest
