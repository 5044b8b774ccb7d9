"""Per-record changes between two built releases (folders or archives)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .archive import extract_archive
import pyarrow as pa

from .changes import diff_snapshots
from .snapshots import snapshot_of_release


def _snapshot(path: Path, tmp: Path):
    folder = path if path.is_dir() else extract_archive(path, tmp / path.stem)
    return snapshot_of_release(folder)


def diff_releases(old: Path, new: Path) -> pa.Table:
    """Return the changes from release `old` to release `new`."""
    with tempfile.TemporaryDirectory() as tmp:
        return diff_snapshots(_snapshot(old, Path(tmp)), _snapshot(new, Path(tmp)))


def format_changes(changes: pa.Table) -> str:
    """Render changes for a person, one line each."""
    lines = []
    for c in changes.to_pylist():
        if c["change"] == "changed":
            lines.append(f"~ {c['table']} {c['key']}: {c['field']}: {c['old_value']!r} -> {c['new_value']!r}")
        else:
            lines.append(f"{'+' if c['change'] == 'added' else '-'} {c['table']} {c['key']}")
    return "".join(line + "\n" for line in lines)
