"""Every bad input in tests/data/invalid/ gives exactly its expected problem lines, and build writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import invalid_cases, make_package
from darkweb_enforcement.cli import main

CASES = invalid_cases()


def test_catalogue_has_at_least_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_validate_reports_expected_lines(case: Path, tmp_path: Path):
    root = make_package(tmp_path / "pkg", case)
    result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    expected = (case / "expected.txt").read_text(encoding="utf-8")
    assert result.exit_code == 1, result.output
    assert expected, f"{case.name}/expected.txt is empty: every case must name its problem"
    assert result.stderr.startswith(expected), result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_build_writes_nothing(case: Path, tmp_path: Path):
    root = make_package(tmp_path / "pkg", case)
    out = tmp_path / "dist"
    result = CliRunner().invoke(main, ["build", "--root", str(root), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert not out.exists() or not any(out.iterdir())


def test_every_business_rule_has_a_catalogue_case():
    from darkweb_enforcement.rules import registered

    covered = {
        line.rsplit("[", 1)[1].rstrip("]\n")
        for case in CASES
        for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines()
        if "[" in line
    }
    missing = sorted(set(registered()) - covered)
    assert missing == [], f"add a case under tests/data/invalid/ for each of {missing}"
