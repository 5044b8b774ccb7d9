"""dwe report lists gaps, single-source figures, conflicts and country sums."""

from __future__ import annotations

from click.testing import CliRunner
from darkweb_enforcement.cli import main
from darkweb_enforcement.report import build_sections, render
from darkweb_enforcement.validate import validate_package


def test_report_sections_on_the_test_package(package):
    claims = package / "seeds" / "reported_totals.csv"
    claims.write_text(
        claims.read_text() + "c00000008,op-000000,arrests,,DE,,1,persons,exact,,src-000000,,para 3,current,,,\n"
    )
    sections = {s.title.split(" (")[0]: s.rows for s in build_sections(validate_package(package))}
    assert sections["Operations without a worldwide arrests headline"] == []
    # rule 2: the seven worldwide figures come from one publisher, so each has support 1; exact ties go to the lowest value
    assert sections["Conflicts"] == [
        ("op-000000", "arrests", "", "WORLD", "count", 6, "0", "6", "0", 1),
        ("op-000000", "searches", "", "DE", "count", 2, "3", "7", "3", 1),
    ]
    assert sections["Per-country sums that differ from the same source's worldwide figure"] == [
        ("op-000000", "arrests", "", "persons", "src-000000", 1, "1", "6", "short")
    ]
    assert sections["Coverage by year of announcement"] == [(2023, 1, 9)]


def test_report_markdown_exits_0(package):
    result = CliRunner().invoke(main, ["report", "--root", str(package), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert "## Conflicts (same operation, metric, item, scope and unit family; different values) (2)" in result.stdout
    assert (
        "| operation_id | metric | item | scope | unit_family | n_claims | min | max | headline | support |"
        in result.stdout
    )


def test_render_text_truncates_long_sections():
    from darkweb_enforcement.report import Section

    text = render([Section("Many", ("a",), [(i,) for i in range(45)])], limit=40)
    assert text.splitlines()[0] == "Many: 45"
    assert "  ... and 5 more (--format markdown lists all)" in text
