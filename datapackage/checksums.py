"""sha256 of files and SHA256SUMS files in `sha256sum -c` format."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .paths import CHECKSUMS_NAME


def sha256_bytes(data: bytes) -> str:
    """Return the hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def release_files(folder: Path) -> list[str]:
    """Return the sorted relative POSIX paths of every file in a release, except SHA256SUMS."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != CHECKSUMS_NAME)


def render_checksums(folder: Path) -> str:
    """Return the SHA256SUMS text for every file below `folder`."""
    return "".join(f"{sha256_file(folder / rel)}  {rel}\n" for rel in release_files(folder))


def parse_checksums(text: str) -> dict[str, str]:
    """Parse `sha256sum` output into {relative path: hex digest}."""
    entries = {}
    for number, line in enumerate(text.splitlines(), 1):
        digest, sep, rel = line.partition("  ")
        if not sep or len(digest) != 64:
            raise ValueError(f"line {number} is not '<sha256>  <path>'")
        entries[rel] = digest
    return entries


def write_checksums(folder: Path) -> Path:
    """Write SHA256SUMS for `folder` and return its path."""
    path = folder / CHECKSUMS_NAME
    path.write_text(render_checksums(folder), encoding="utf-8", newline="\n")
    return path
