"""Everything frictionless finds in a package, validate_package finds too (same table, row, field, code)."""

from __future__ import annotations

from pathlib import Path

import pytest
from darkweb_enforcement.synthetic import FAULTS, Fault, write_package
from darkweb_enforcement.validate import validate_package

Finding = tuple[str, int, str, str]  # table, row (header = 1), field ("" for a row error), code
ROW_ERRORS = {"primary-key", "foreign-key"}
CODE_OF_KIND = {
    "type": "type-error",
    "required": "constraint-error",
    "enum": "constraint-error",
    "pattern": "constraint-error",
    "minimum": "constraint-error",
    "unique": "unique-error",
    "primary-key": "primary-key",
    "foreign-key": "foreign-key",
}


def frictionless_findings(root: Path) -> set[Finding]:
    """Validate with frictionless and keep only plain tuples of what it reports."""
    from frictionless import validate

    report = validate(root / "datapackage.json")
    assert not report.errors, report.flatten(["type", "note"])  # package-level errors would hide the data's
    found = set()
    for task in report.tasks:
        for row, field, code in task.flatten(["rowNumber", "fieldName", "type"]):
            found.add((task.name, row or 0, "" if code in ROW_ERRORS else field or "", code))
    return found


def our_findings(root: Path) -> set[Finding]:
    """Validate with validate_package, in the same shape."""
    return {(p.table, p.row, "" if p.code in ROW_ERRORS else p.field, p.code) for p in validate_package(root).problems}


@pytest.fixture(scope="module")
def findings(tmp_path_factory) -> tuple[set[Finding], set[Finding]]:
    root = write_package(tmp_path_factory.mktemp("faults"), 400, faults=True)
    return frictionless_findings(root), our_findings(root)


def test_every_fault_kind_is_covered():
    assert {f.kind for f in FAULTS} == set(CODE_OF_KIND)


@pytest.mark.parametrize("fault", FAULTS, ids=[f.kind for f in FAULTS])
def test_what_frictionless_finds_of_each_fault_we_find(findings: tuple[set[Finding], set[Finding]], fault: Fault):
    theirs, ours = findings
    code = CODE_OF_KIND[fault.kind]
    field = "" if code in ROW_ERRORS else fault.field
    found = {f for f in theirs if (f[0], f[2], f[3]) == (fault.table, field, code)}
    assert found, f"frictionless did not report the {fault.kind} fault: the fixture no longer tests it"
    assert found <= ours, sorted(found - ours)


def test_everything_frictionless_reports_we_report(findings: tuple[set[Finding], set[Finding]]):
    theirs, ours = findings
    assert theirs <= ours, sorted(theirs - ours)


def test_a_valid_package_is_valid_for_both(tmp_path: Path):
    root = write_package(tmp_path / "pkg", 200)
    assert frictionless_findings(root) == set()
    assert our_findings(root) == set()
