"""Versions: strict X.Y.Z, and the bump a change needs, schema-only changes included (issue 17)."""

from __future__ import annotations

import copy

import pyarrow as pa
import pytest
from darkweb_enforcement.changes import CHANGE_SCHEMA, Snapshot
from darkweb_enforcement.errors import DatapackageError
from darkweb_enforcement.versions import bump_level_between, bump_version, parse_version, required_bump

SCHEMA = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True}},
        {"name": "kind", "type": "string", "description": "A kind.", "constraints": {"enum": ["a", "b"]}},
    ],
    "primaryKey": ["id"],
}


def snapshot(schema: dict) -> Snapshot:
    return Snapshot(
        {"t": pa.table({"id": ["x"], "kind": ["a"]})},
        {"t": ["id", "kind"]},
        {"t": list(schema["primaryKey"])},
        {"t": schema},
    )


def changed(edit) -> tuple[str, list[str]]:
    after = copy.deepcopy(SCHEMA)
    edit(after)
    return required_bump(snapshot(SCHEMA), snapshot(after), CHANGE_SCHEMA.empty_table())


@pytest.mark.parametrize(
    "edit,level",
    [
        (lambda s: s["fields"][1]["constraints"]["enum"].append("c"), "minor"),
        (lambda s: s["fields"][1]["constraints"].update(pattern="^[a-z]$"), "minor"),
        (lambda s: s["fields"][1]["constraints"]["enum"].remove("b"), "major"),
        (lambda s: s["fields"][1].update(description="Another text."), "patch"),
        (lambda s: s["fields"][1].update(type="integer"), "major"),
        (lambda s: s.update(primaryKey=["kind"]), "major"),
        (
            lambda s: s.update(foreignKeys=[{"fields": ["kind"], "reference": {"resource": "k", "fields": ["id"]}}]),
            "minor",
        ),
    ],
)
def test_schema_only_changes_count_in_the_bump(edit, level):
    needed, reasons = changed(edit)
    assert needed == level and reasons


def test_no_change_needs_no_bump():
    assert changed(lambda s: None) == ("none", [])


@pytest.mark.parametrize("text", ["1.0", "1.0.0\n", "01.0.0", "1.0.0-rc1", "١.٠.٠", " 1.0.0", "1.0.0/..", 100, None])
def test_only_strict_versions_parse(text):
    with pytest.raises(DatapackageError, match="is not a version X.Y.Z"):
        parse_version(text)


def test_bumps():
    assert [bump_version("1.2.3", level) for level in ("major", "minor", "patch")] == ["2.0.0", "1.3.0", "1.2.4"]
    assert [bump_level_between("1.2.3", v) for v in ("2.0.0", "1.3.0", "1.2.4", "1.2.3", "0.9.9")] == [
        "major",
        "minor",
        "patch",
        "none",
        "none",
    ]
