"""CHANGELOG.md: a human summary of each release, newest first."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .changes import count_changes

HEADER = "# Changelog\n\nEvery release of darkweb-enforcement, newest first. Per-record changes are in each release's `data/changes.csv`.\n"


def release_section(version: str, date: str, changes: pa.Table, notes: str = "") -> str:
    """Return the changelog section of one release: counts per table and notable corrections."""
    lines = [f"## {version} — {date}", ""]
    counts = count_changes(changes)
    if not counts:
        lines.append("No record changed.")
    for table in sorted(counts):
        c = counts[table]
        lines.append(f"- `{table}`: {c['added']} added, {c['removed']} removed, {c['changed']} changed")
    mask = pc.and_(pc.and_(pc.equal(changes["change"], "changed"), pc.equal(changes["table"], "reported_totals")), pc.is_in(changes["field"], pa.array(["value", "unit", "qualifier"])))
    corrections = changes.filter(mask).slice(0, 50).to_pylist()
    if corrections:
        lines += ["", "Corrected figures:"]
        lines += [f"- `{c['key']}` {c['field']}: {c['old_value'] or '(empty)'} → {c['new_value'] or '(empty)'}" for c in corrections]
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


def prepend_section(path: Path, section: str) -> str:
    """Return the changelog text with `section` placed above earlier releases."""
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    head, sep, rest = text.partition("\n## ")
    body = f"\n## {rest}" if sep else ""
    return head.rstrip("\n") + "\n\n" + section + body
