"""The exact bytes of each validated seed file, read again when asked for rather than kept in memory.

A build must ship the bytes that were validated. Keeping a million-row file in memory for that
costs as much as its parsed table, so only its sha256 is kept, and a file that changed since it
was validated is refused.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from .checksums import sha256_bytes
from .errors import DatapackageError


class SeedFiles(Mapping[str, bytes]):
    """Map table name to the bytes of its file, as they were when validated."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[Path, str]] = {}

    def record(self, name: str, path: Path, data: bytes) -> None:
        """Remember the file of `name` and the sha256 of the bytes that were validated."""
        self._files[name] = (path, sha256_bytes(data))

    def __getitem__(self, name: str) -> bytes:
        path, digest = self._files[name]
        data = path.read_bytes()
        if sha256_bytes(data) != digest:
            raise DatapackageError(f"{path} changed after it was validated; run the command again once the edit is saved")
        return data

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)
