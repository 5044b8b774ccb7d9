"""Per-record changes between two versions of the tables, keyed by table and primary key."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

KEY_SEPARATOR = "|"
CHANGE_FIELDS = ("table", "key", "change", "field", "old_value", "new_value")


@dataclass(frozen=True, order=True)
class Change:
    """One added or removed record, or one changed cell."""

    table: str
    key: str
    change: str  # added, removed, changed
    field: str = ""
    old_value: str = ""
    new_value: str = ""


@dataclass(frozen=True)
class Snapshot:
    """A version's tables as rows of strings, with each table's field names and primary key."""

    tables: dict[str, list[dict[str, str]]]
    fields: dict[str, list[str]]
    keys: dict[str, list[str]]
    schemas: dict[str, dict] = field(default_factory=dict)


def parse_csv(text: str) -> list[dict[str, str]]:
    """Parse CSV text into rows of strings."""
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _keyed(rows: list[dict[str, str]], key: list[str]) -> dict[str, dict[str, str]]:
    return {KEY_SEPARATOR.join(r.get(k, "") for k in key): r for r in rows}


def diff_snapshots(old: Snapshot | None, new: Snapshot) -> list[Change]:
    """Return every added, removed and changed record from `old` to `new` (all added if no old)."""
    changes: list[Change] = []
    for table in sorted(set(new.tables) | set(old.tables if old else ())):
        before = _keyed(old.tables.get(table, []), old.keys.get(table, [])) if old else {}
        after = _keyed(new.tables.get(table, []), new.keys.get(table, new.keys.get(table, [])))
        for key in sorted(after.keys() - before.keys()):
            changes.append(Change(table, key, "added"))
        for key in sorted(before.keys() - after.keys()):
            changes.append(Change(table, key, "removed"))
        for key in sorted(before.keys() & after.keys()):
            for field in new.fields.get(table, []):
                if field in before[key] and before[key][field] != after[key].get(field, ""):
                    changes.append(Change(table, key, "changed", field, before[key][field], after[key].get(field, "")))
    return sorted(changes)


def count_changes(changes: list[Change]) -> dict[str, dict[str, int]]:
    """Count added, removed and changed records per table."""
    counts: dict[str, dict[str, int]] = {}
    seen: set[tuple[str, str, str]] = set()
    for c in changes:
        if (c.table, c.key, c.change) in seen:
            continue
        seen.add((c.table, c.key, c.change))
        counts.setdefault(c.table, {"added": 0, "removed": 0, "changed": 0})[c.change] += 1
    return counts


def render_changes_csv(changes: list[Change]) -> bytes:
    """Serialise changes as CSV with LF line endings."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CHANGE_FIELDS)
    writer.writerows([c.table, c.key, c.change, c.field, c.old_value, c.new_value] for c in changes)
    return out.getvalue().encode("utf-8")


CHANGES_SCHEMA = {
    "fields": [
        {"name": "table", "type": "string", "description": "Table of the record.", "constraints": {"required": True}},
        {"name": "key", "type": "string", "description": "Primary key of the record; parts of a composite key joined by |.", "constraints": {"required": True}},
        {"name": "change", "type": "string", "description": "added, removed, or changed (one row per changed cell).", "constraints": {"required": True, "enum": ["added", "removed", "changed"]}},
        {"name": "field", "type": "string", "description": "Changed field; empty for added and removed records."},
        {"name": "old_value", "type": "string", "description": "Value in the previous release."},
        {"name": "new_value", "type": "string", "description": "Value in this release."},
    ],
    "missingValues": [""],
}
