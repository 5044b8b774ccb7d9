"""validate_package on the valid test package and on problems built in code."""

from __future__ import annotations

import os
from pathlib import Path

from darkweb_enforcement.validate import validate_package


def test_valid_package_has_no_problems(package: Path):
    result = validate_package(package)
    assert result.problems == []
    assert result.typed["reported_totals"].num_rows == 8
    assert str(result.typed["operations"]["announced_on"][0]) == "2023-05-02"


def test_symlink_leaving_the_package_is_refused(package: Path, tmp_path: Path):
    outside = tmp_path / "outside.csv"
    outside.write_bytes((package / "seeds" / "agencies.csv").read_bytes())
    (package / "seeds" / "agencies.csv").unlink()
    os.symlink(outside, package / "seeds" / "agencies.csv")
    lines = [p.line() for p in validate_package(package).problems]
    assert lines[0].startswith(
        "datapackage.json:resources[agencies].path: path 'seeds/agencies.csv' leaves the package"
    )


def test_ten_megabyte_cell_is_refused(package: Path):
    path = package / "seeds" / "operations.csv"
    text = path.read_text().replace("A synthetic sweep.", "x" * 10_000_000)
    path.write_text(text)
    lines = [p.line() for p in validate_package(package).problems]
    assert lines == ["seeds/operations.csv:2:summary: cell has more than 100,000 characters [cell-too-large]"]


def test_problems_are_sorted_and_unique(package: Path):
    path = package / "seeds" / "reported_totals.csv"
    path.write_text(path.read_text().replace("para 1,current", "para 1,bogus"))
    problems = validate_package(package).problems
    assert problems == sorted(set(problems))
    assert [p.row for p in problems] == [2, 3, 4, 6, 7, 8]
    assert {p.code for p in problems} == {"constraint-error"}


def test_column_checks_on_two_threads_find_the_same_as_on_one(tmp_path: Path, monkeypatch):
    from darkweb_enforcement import arrays
    from darkweb_enforcement.synthetic import write_package

    root = write_package(tmp_path / "faulty", 2_000, faults=True)
    monkeypatch.setattr(arrays, "PARALLEL_ROWS", 10**9)
    serial = validate_package(root)
    monkeypatch.setattr(arrays, "PARALLEL_ROWS", 0)
    threaded = validate_package(root)
    assert [p.line() for p in threaded.problems] == [p.line() for p in serial.problems]
    assert len(serial.problems) >= 8
    assert all(threaded.typed[name].equals(serial.typed[name]) for name in serial.typed)
