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
    return sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != CHECKSUMS_NAME
    )


def sha256_files(folder: Path, rels: list[str], known: dict[str, str] | None = None) -> dict[str, str]:
    """Return {relative path: hex sha256}, hashing two files at a time; digests in `known` are reused."""
    from concurrent.futures import ThreadPoolExecutor

    known = known or {}
    todo = [rel for rel in rels if rel not in known]
    with ThreadPoolExecutor(max_workers=2) as pool:  # hashlib releases the GIL on large buffers
        hashed = dict(zip(todo, pool.map(lambda rel: sha256_file(folder / rel), todo)))
    return {rel: known.get(rel) or hashed[rel] for rel in rels}


def render_checksums(folder: Path, known: dict[str, str] | None = None) -> str:
    """Return the SHA256SUMS text for every file below `folder` (reusing `known` digests)."""
    rels = release_files(folder)
    digests = sha256_files(folder, rels, known)
    return "".join(f"{digests[rel]}  {rel}\n" for rel in rels)


def parse_checksums(text: str) -> dict[str, str]:
    """Parse `sha256sum` output into {relative path: hex digest}."""
    entries = {}
    for number, line in enumerate(text.splitlines(), 1):
        digest, sep, rel = line.partition("  ")
        if not sep or len(digest) != 64:
            raise ValueError(f"line {number} is not '<sha256>  <path>'")
        entries[rel] = digest
    return entries


def write_checksums(folder: Path, known: dict[str, str] | None = None) -> Path:
    """Write SHA256SUMS for `folder` (reusing `known` digests of files not changed since) and return its path."""
    path = folder / CHECKSUMS_NAME
    path.write_text(render_checksums(folder, known), encoding="utf-8", newline="\n")
    return path
