"""Snapshots of a version's tables (validated seeds, a git commit, a release folder) and the
per-record changes between two of them, keyed by table and primary key.

Tables are compared as arrow string tables ("" for empty cells), so diffing a million rows stays
a handful of joins rather than a Python loop.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .arrays import strictly_ascending
from .csvfiles import arrow_strings
from .errors import DatapackageError

KEY_SEPARATOR = "|"
CHANGE_FIELDS = ("table", "key", "change", "field", "old_value", "new_value")
CHANGE_SCHEMA = pa.schema([(name, pa.string()) for name in CHANGE_FIELDS])


@dataclass(frozen=True)
class Snapshot:
    """A version's tables as string tables, with each table's field names, primary key and schema."""

    tables: dict[str, pa.Table]
    fields: dict[str, list[str]]
    keys: dict[str, list[str]]
    schemas: dict[str, dict] = field(default_factory=dict)


def strings_from_csv(data: bytes, names: list[str], where: str) -> pa.Table:
    """Read CSV bytes whose header is `names` into string columns ("" for empty cells)."""
    header = next(csv.reader(io.StringIO(data[: data.find(b"\n") + 1 or len(data)].decode("utf-8", "replace"))), [])
    if header != names:
        raise DatapackageError(f"{where}: header {header} does not match its schema's fields {names}")
    try:
        return arrow_strings(data, names)
    except pa.ArrowInvalid as error:
        raise DatapackageError(f"{where}: unreadable CSV ({error})") from None


def snapshot_of_validation(validation) -> Snapshot:
    """Snapshot the tables that were just validated."""
    tables = {r.name: validation.strings[r.name] for r in validation.resources}
    fields = {r.name: r.schema.field_names for r in validation.resources}
    keys = {r.name: list(r.schema.primary_key) for r in validation.resources}
    return Snapshot(tables, fields, keys, {r.name: r.schema.descriptor for r in validation.resources})


def snapshot_of_commit(root: Path, commit: str) -> Snapshot:
    """Snapshot the seeds as they were at a git commit (schemas in files or inline)."""
    from .history import read_at

    descriptor = json.loads(read_at(root, commit, "datapackage.json"))
    schemas = {}
    for resource in descriptor.get("resources", []):
        schema = resource["schema"]
        schemas[resource["name"]] = schema if isinstance(schema, dict) else json.loads(read_at(root, commit, schema))
    return _snapshot(
        {
            r["name"]: (read_at(root, commit, r["path"]).encode("utf-8"), f"{r['path']} at {commit[:12]}")
            for r in descriptor.get("resources", [])
        },
        schemas,
    )


def snapshot_of_release(folder: Path) -> Snapshot:
    """Snapshot a built release folder through its descriptor (derived tables left out)."""
    from .reader import curated_resources, resource_file

    resources = curated_resources(folder)
    schemas = {name: r["schema"] for name, r in resources.items()}
    return _snapshot(
        {name: (resource_file(folder, r["path"]).read_bytes(), r["path"]) for name, r in resources.items()}, schemas
    )


def _snapshot(files: dict[str, tuple[bytes, str]], schemas: dict[str, dict]) -> Snapshot:
    fields = {name: [f["name"] for f in schema["fields"]] for name, schema in schemas.items()}
    tables = {name: strings_from_csv(data, fields[name], where) for name, (data, where) in files.items()}
    keys = {name: list(schema.get("primaryKey", [])) for name, schema in schemas.items()}
    return Snapshot(tables, fields, keys, schemas)


def _key(table: pa.Table, key: list[str]) -> pa.Array:
    parts = [table[k] for k in key]
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, KEY_SEPARATOR)
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def _records(name: str, keys: pa.Array, change: str) -> pa.Table:
    n = len(keys)
    empty = _repeat("", n)
    return pa.Table.from_arrays(
        [_repeat(name, n), keys.cast(pa.string()), _repeat(change, n), empty, empty, empty], schema=CHANGE_SCHEMA
    )


def _repeat(text: str, n: int) -> pa.Array:
    """`text` n times, built by arrow rather than from a Python list of n strings."""
    return pa.repeat(pa.scalar(text, pa.string()), n)


def _changed_cells(name: str, old: pa.Table, new: pa.Table, key: list[str], fields: list[str]) -> list[pa.Table]:
    left = old.append_column("__key", _key(old, key)).select(["__key"] + [f for f in fields if f in old.column_names])
    right = new.append_column("__key", _key(new, key)).select(["__key"] + fields)
    both = right.join(left, "__key", join_type="inner", right_suffix="__old", use_threads=False)
    parts = []
    for f in fields:
        if f"{f}__old" not in both.column_names and f not in old.column_names:
            continue
        before = both[f"{f}__old"] if f"{f}__old" in both.column_names else both[f]
        differs = both.filter(pc.not_equal(before, both[f]))
        if differs.num_rows:
            before = differs[f"{f}__old"] if f"{f}__old" in differs.column_names else differs[f]
            n = differs.num_rows
            parts.append(
                pa.Table.from_arrays(
                    [
                        _repeat(name, n),
                        differs["__key"].combine_chunks(),
                        _repeat("changed", n),
                        _repeat(f, n),
                        before.combine_chunks(),
                        differs[f].combine_chunks(),
                    ],
                    schema=CHANGE_SCHEMA,
                )
            )
    return parts


def diff_snapshots(old: Snapshot | None, new: Snapshot) -> pa.Table:
    """Return every added and removed record and every changed cell from `old` to `new`, sorted."""
    parts = [CHANGE_SCHEMA.empty_table()]
    for name in sorted(set(new.tables) | set(old.tables if old else ())):
        parts.append(_table_changes(name, old, new))
    return pa.concat_tables(parts)


def _table_changes(name: str, old: Snapshot | None, new: Snapshot) -> pa.Table:
    """One table's changes, sorted; the table name comes first in the sort, so tables concatenate in order."""
    key = new.keys.get(name) or (old.keys.get(name) if old else None) or []
    after = _key(new.tables[name], key) if name in new.tables else pa.array([], pa.string())
    before = _key(old.tables[name], key) if old and name in old.tables else pa.array([], pa.string())
    added = after if len(before) == 0 else after.filter(pc.invert(pc.is_in(after, before)))
    removed = before if len(after) == 0 else before.filter(pc.invert(pc.is_in(before, after)))
    parts = [_records(name, added, "added"), _records(name, removed, "removed")]
    if old and name in old.tables and name in new.tables:
        parts += _changed_cells(name, old.tables[name], new.tables[name], key, new.fields[name])
    table = pa.concat_tables(parts)
    # a first release lists every record as added, in seed order: often already sorted by key
    if len(removed) == 0 and table.num_rows == len(added) and strictly_ascending([added]):
        return table
    return table.sort_by([(f, "ascending") for f in CHANGE_FIELDS[1:]])


def count_changes(changes: pa.Table) -> dict[str, dict[str, int]]:
    """Count added, removed and changed records (not cells) per table."""
    records = changes.group_by(["table", "change", "key"], use_threads=False).aggregate([])
    counted = records.group_by(["table", "change"], use_threads=False).aggregate([("key", "count")])
    counts: dict[str, dict[str, int]] = {}
    for r in counted.to_pylist():
        counts.setdefault(r["table"], {"added": 0, "removed": 0, "changed": 0})[r["change"]] = r["key_count"]
    return dict(sorted(counts.items()))


def render_changes_csv(changes: pa.Table) -> bytes:
    """Serialise changes as CSV with LF line endings and minimal quoting."""
    header = (",".join(CHANGE_FIELDS) + "\n").encode("utf-8")
    # one chunk per column: pyarrow 26 writes NUL bytes instead of rows after an empty chunk
    table = changes.select(list(CHANGE_FIELDS)).combine_chunks()
    sink = pa.BufferOutputStream()
    try:
        # arrow writes unquoted cells fast, and refuses any cell that would need quotes
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    except pa.ArrowInvalid:
        return _render_with_csv_module(changes)
    body = sink.getvalue().to_pybytes()
    # unquoted, the size is known exactly: every cell's bytes, a comma or newline after each
    expected = sum(pc.sum(pc.binary_length(table[f])).as_py() or 0 for f in CHANGE_FIELDS) + table.num_rows * len(
        CHANGE_FIELDS
    )
    if len(body) != expected:
        raise DatapackageError(f"the CSV writer produced {len(body):,} bytes for changes, not {expected:,} (a bug)")
    return header + body


def _render_with_csv_module(changes: pa.Table) -> bytes:
    """Minimal quoting where a cell holds a comma, quote or line break (as the csv module does)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CHANGE_FIELDS)
    writer.writerows(zip(*(changes[f].to_pylist() for f in CHANGE_FIELDS)))
    return out.getvalue().encode("utf-8")
