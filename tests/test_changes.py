"""The changes table: diffing and its CSV, written by arrow where no cell needs quotes."""

from __future__ import annotations

import csv
import io

import pyarrow as pa
from darkweb_enforcement.changes import (
    CHANGE_FIELDS,
    CHANGE_SCHEMA,
    Snapshot,
    _render_with_csv_module,
    diff_snapshots,
    render_changes_csv,
)


def changes_table(rows: list[tuple], empty_first_chunk: bool = True) -> pa.Table:
    parts = [CHANGE_SCHEMA.empty_table()] if empty_first_chunk else []
    for row in rows:  # one chunk per row, as diff_snapshots concatenates many parts
        parts.append(pa.Table.from_pylist([dict(zip(CHANGE_FIELDS, row))], schema=CHANGE_SCHEMA))
    return pa.concat_tables(parts)


def parse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


ROWS = [
    ("agencies", "at-bk", "added", "", "", ""),
    ("sources", "s-1", "changed", "title", "Old", "New"),
    ("sources", "s-2", "removed", "", "", ""),
]


def test_arrow_rendering_equals_the_csv_module_byte_for_byte_even_after_an_empty_chunk():
    table = changes_table(ROWS)
    assert render_changes_csv(table) == _render_with_csv_module(table)
    assert (
        render_changes_csv(table)
        == b"table,key,change,field,old_value,new_value\nagencies,at-bk,added,,,\nsources,s-1,changed,title,Old,New\nsources,s-2,removed,,,\n"
    )


def test_cells_that_need_quotes_are_quoted_minimally():
    rows = ROWS + [("sources", "s-3", "changed", "title", 'Says "hi", twice', "line\nbreak")]
    data = render_changes_csv(changes_table(rows))
    assert data.endswith(b'sources,s-3,changed,title,"Says ""hi"", twice","line\nbreak"\n')
    assert parse(data)[1:] == [list(r) for r in rows]


def test_first_release_lists_every_record_as_added_sorted_by_key():
    names = ["id", "name"]
    new = Snapshot({"t": pa.table({"id": ["b|1", "a", "c"], "name": ["x", "y", "z"]})}, {"t": names}, {"t": ["id"]})
    changes = diff_snapshots(None, new)
    assert changes["key"].to_pylist() == ["a", "b|1", "c"] and set(changes["change"].to_pylist()) == {"added"}
    sorted_new = Snapshot(
        {"t": pa.table({"id": ["a", "b", "c"], "name": ["x", "y", "z"]})}, {"t": names}, {"t": ["id"]}
    )
    assert diff_snapshots(None, sorted_new)["key"].to_pylist() == ["a", "b", "c"]


def test_changed_cells_and_removed_records_are_sorted_together():
    names = ["id", "name"]
    old = Snapshot({"t": pa.table({"id": ["a", "b", "c"], "name": ["x", "y", "z"]})}, {"t": names}, {"t": ["id"]})
    new = Snapshot({"t": pa.table({"id": ["a", "c", "d"], "name": ["x", "Z", "w"]})}, {"t": names}, {"t": ["id"]})
    assert diff_snapshots(old, new).to_pylist() == [
        {"table": "t", "key": "b", "change": "removed", "field": "", "old_value": "", "new_value": ""},
        {"table": "t", "key": "c", "change": "changed", "field": "name", "old_value": "z", "new_value": "Z"},
        {"table": "t", "key": "d", "change": "added", "field": "", "old_value": "", "new_value": ""},
    ]
