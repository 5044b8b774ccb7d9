"""Which version bump a change needs: major for breaking changes, minor for additions, patch for values."""

from __future__ import annotations

import pyarrow as pa

from .changes import Snapshot

LEVELS = ("none", "patch", "minor", "major")


def _fields(schema: dict) -> dict[str, dict]:
    return {f["name"]: f for f in schema.get("fields", [])}


def schema_reasons(old: Snapshot, new: Snapshot) -> list[tuple[str, str]]:
    """Return (level, reason) for every schema difference."""
    reasons = []
    for table in sorted(set(old.schemas) - set(new.schemas)):
        reasons.append(("major", f"table {table} was removed"))
    for table in sorted(set(new.schemas) - set(old.schemas)):
        reasons.append(("minor", f"table {table} was added"))
    for table in sorted(set(old.schemas) & set(new.schemas)):
        before, after = _fields(old.schemas[table]), _fields(new.schemas[table])
        for name in sorted(set(before) - set(after)):
            reasons.append(("major", f"field {table}.{name} was removed or renamed"))
        for name in sorted(set(after) - set(before)):
            reasons.append(("minor", f"field {table}.{name} was added"))
        for name in sorted(set(before) & set(after)):
            if before[name].get("type", "string") != after[name].get("type", "string"):
                reasons.append(("major", f"field {table}.{name} changed type"))
            old_enum = set(before[name].get("constraints", {}).get("enum", []))
            new_enum = set(after[name].get("constraints", {}).get("enum", []))
            if old_enum - new_enum and new_enum:
                reasons.append(("major", f"enum value(s) {sorted(old_enum - new_enum)} of {table}.{name} were removed"))
            if new_enum - old_enum and old_enum:
                reasons.append(("minor", f"enum value(s) {sorted(new_enum - old_enum)} of {table}.{name} were added"))
        if old.keys.get(table) != new.keys.get(table):
            reasons.append(("major", f"primary key of {table} changed"))
    return reasons


def record_reasons(changes: pa.Table) -> list[tuple[str, str]]:
    """Return (level, reason) per kind of record change, with counts."""
    level_of = {"removed": "major", "added": "minor", "changed": "patch"}
    grouped = changes.group_by(["table", "change"], use_threads=False).aggregate([("key", "count")]).to_pylist()
    counts = {(r["table"], r["change"]): r["key_count"] for r in grouped}
    return [(level_of[change], f"{n} {change} {'cell' if change == 'changed' else 'record'}(s) in {table}") for (table, change), n in sorted(counts.items())]


def required_bump(old: Snapshot | None, new: Snapshot, changes: pa.Table) -> tuple[str, list[str]]:
    """Return the smallest bump that fits, and the reasons that need it."""
    if old is None:
        return "none", []
    reasons = schema_reasons(old, new) + record_reasons(changes)
    if not reasons:
        return "none", []
    level = max((lvl for lvl, _ in reasons), key=LEVELS.index)
    return level, [f"{reason} (needs {lvl})" for lvl, reason in reasons if lvl == level]


def bump_version(version: str, level: str) -> str:
    """Return `version` bumped at `level`."""
    major, minor, patch = (int(p) for p in version.split("."))
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def bump_level_between(old: str, new: str) -> str:
    """Return the level of the step from `old` to `new` (an explicit --version)."""
    o, n = [tuple(int(p) for p in v.split(".")) for v in (old, new)]
    if n <= o:
        return "none"
    return "major" if n[0] > o[0] else "minor" if n[1] > o[1] else "patch"
