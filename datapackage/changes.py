"""Per-record changes between two versions of the tables, keyed by table and primary key.

Tables are compared as arrow string tables ("" for empty cells), so diffing a million rows stays
a handful of joins rather than a Python loop.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .arrays import strictly_ascending
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


def strings_from_csv(data: bytes, names: list[str]) -> pa.Table:
    """Read CSV bytes with a header into string columns ("" for empty cells)."""
    convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False)
    read = pacsv.ReadOptions(block_size=1 << 24)
    table = pacsv.read_csv(io.BytesIO(data), read_options=read, parse_options=pacsv.ParseOptions(newlines_in_values=True), convert_options=convert)
    return table.select([n for n in names if n in table.column_names])


def _key(table: pa.Table, key: list[str]) -> pa.Array:
    parts = [table[k] for k in key]
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, KEY_SEPARATOR)
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def _records(name: str, keys: pa.Array, change: str) -> pa.Table:
    n = len(keys)
    empty = _repeat("", n)
    return pa.Table.from_arrays([_repeat(name, n), keys.cast(pa.string()), _repeat(change, n), empty, empty, empty], schema=CHANGE_SCHEMA)


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
            parts.append(pa.Table.from_arrays([_repeat(name, n), differs["__key"].combine_chunks(), _repeat("changed", n),
                                               _repeat(f, n), before.combine_chunks(), differs[f].combine_chunks()], schema=CHANGE_SCHEMA))
    return parts


def diff_snapshots(old: Snapshot | None, new: Snapshot) -> pa.Table:
    """Return every added and removed record and every changed cell from `old` to `new`, sorted."""
    parts = [CHANGE_SCHEMA.empty_table()]
    for name in sorted(set(new.tables) | set(old.tables if old else ())):
        parts.append(_table_changes(name, old, new))
    return pa.concat_tables(parts)


def _table_changes(name: str, old: Snapshot | None, new: Snapshot) -> pa.Table:
    """One table's changes, sorted; the table name comes first in the sort, so tables concatenate in order."""
    key = new.keys.get(name) or (old.keys.get(name) if old else [])
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
    expected = sum(pc.sum(pc.binary_length(table[f])).as_py() or 0 for f in CHANGE_FIELDS) + table.num_rows * len(CHANGE_FIELDS)
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
