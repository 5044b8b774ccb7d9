"""Versions X.Y.Z: parse strictly, compare, and decide which bump a change needs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .errors import DatapackageError

if TYPE_CHECKING:
    import pyarrow as pa

    from .changes import Snapshot

# ASCII digits only and \Z, not $: "1.0.0\n" and "١.٠.٠" are not versions
SEMVER = re.compile(r"\A(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\Z", re.ASCII)
LEVELS = ("none", "patch", "minor", "major")
Version = tuple[int, int, int]


def is_version(text: object) -> bool:
    """Tell whether `text` is a strict X.Y.Z version string."""
    return isinstance(text, str) and SEMVER.match(text) is not None


def parse_version(text: object, what: str = "version") -> Version:
    """Return (major, minor, patch), refusing anything that is not strict X.Y.Z before it reaches a path."""
    if not is_version(text):
        raise DatapackageError(f"{what} {text!r} is not a version X.Y.Z (ASCII digits, no leading zeros, nothing else)")
    major, minor, patch = (int(p) for p in str(text).split("."))
    return major, minor, patch


def bump_version(version: str, level: str) -> str:
    """Return `version` bumped at `level`."""
    major, minor, patch = parse_version(version)
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def bump_level_between(old: str, new: str) -> str:
    """Return the level of the step from `old` to `new` ("none" when `new` is not above)."""
    o, n = parse_version(old), parse_version(new)
    if n <= o:
        return "none"
    return "major" if n[0] > o[0] else "minor" if n[1] > o[1] else "patch"


def _fields(schema: dict) -> dict[str, dict]:
    return {f["name"]: f for f in schema.get("fields", [])}


def _field_reasons(table: str, before: dict, after: dict) -> list[tuple[str, str]]:
    reasons = []
    if before.get("type", "string") != after.get("type", "string"):
        reasons.append(("major", f"field {table}.{after['name']} changed type"))
    old_c, new_c = before.get("constraints", {}), after.get("constraints", {})
    old_enum, new_enum = set(old_c.get("enum", [])), set(new_c.get("enum", []))
    if old_enum - new_enum and new_enum:
        reasons.append(
            ("major", f"enum value(s) {sorted(old_enum - new_enum)} of {table}.{after['name']} were removed")
        )
    if new_enum - old_enum and old_enum:
        reasons.append(("minor", f"enum value(s) {sorted(new_enum - old_enum)} of {table}.{after['name']} were added"))
    others = {k for k in set(old_c) | set(new_c) if k != "enum" and old_c.get(k) != new_c.get(k)}
    if others:
        reasons.append(("minor", f"constraint(s) {sorted(others)} of {table}.{after['name']} changed"))
    if {k: v for k, v in before.items() if k not in ("constraints", "type")} != {
        k: v for k, v in after.items() if k not in ("constraints", "type")
    }:
        reasons.append(("patch", f"description or format of {table}.{after['name']} changed"))
    return reasons


def schema_reasons(old: Snapshot, new: Snapshot) -> list[tuple[str, str]]:
    """Return (level, reason) for every schema difference, constraints and descriptions included."""
    reasons = [("major", f"table {t} was removed") for t in sorted(set(old.schemas) - set(new.schemas))]
    reasons += [("minor", f"table {t} was added") for t in sorted(set(new.schemas) - set(old.schemas))]
    for table in sorted(set(old.schemas) & set(new.schemas)):
        before, after = _fields(old.schemas[table]), _fields(new.schemas[table])
        reasons += [
            ("major", f"field {table}.{name} was removed or renamed") for name in sorted(set(before) - set(after))
        ]
        reasons += [("minor", f"field {table}.{name} was added") for name in sorted(set(after) - set(before))]
        for name in sorted(set(before) & set(after)):
            reasons += _field_reasons(table, before[name], after[name])
        if old.keys.get(table) != new.keys.get(table):
            reasons.append(("major", f"primary key of {table} changed"))
        if old.schemas[table].get("foreignKeys") != new.schemas[table].get("foreignKeys"):
            reasons.append(("minor", f"foreign keys of {table} changed"))
    return reasons


def record_reasons(changes: pa.Table) -> list[tuple[str, str]]:
    """Return (level, reason) per kind of record change, with counts."""
    level_of = {"removed": "major", "added": "minor", "changed": "patch"}
    grouped = changes.group_by(["table", "change"], use_threads=False).aggregate([("key", "count")]).to_pylist()
    counts = {(r["table"], r["change"]): r["key_count"] for r in grouped}
    return [
        (level_of[change], f"{n} {change} {'cell' if change == 'changed' else 'record'}(s) in {table}")
        for (table, change), n in sorted(counts.items())
    ]


def required_bump(old: Snapshot | None, new: Snapshot, changes: pa.Table) -> tuple[str, list[str]]:
    """Return the smallest bump that fits, and the reasons that need it."""
    if old is None:
        return "none", []
    reasons = schema_reasons(old, new) + record_reasons(changes)
    if not reasons:
        return "none", []
    level = max((lvl for lvl, _ in reasons), key=LEVELS.index)
    return level, [f"{reason} (needs {lvl})" for lvl, reason in reasons if lvl == level]
