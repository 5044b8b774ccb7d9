"""The committed CODEBOOK.md is current, and documents every field and enum value."""

from __future__ import annotations

from darkweb_enforcement.documents import render_codebook
from darkweb_enforcement.paths import REPO_ROOT
from darkweb_enforcement.validate import validate_package


def test_committed_codebook_is_current():
    validation = validate_package(REPO_ROOT)
    expected = render_codebook(validation)
    assert (REPO_ROOT / "CODEBOOK.md").read_text(encoding="utf-8") == expected, (
        "CODEBOOK.md is stale: run `dwe codebook` and commit it"
    )


def test_codebook_documents_every_field_and_enum_value(package):
    validation = validate_package(package)
    text = render_codebook(validation, "9.9.9")
    assert text.startswith("# Codebook: darkweb-enforcement 9.9.9\n")
    for resource in validation.resources:
        assert f"### `{resource.name}` ({validation.strings[resource.name].num_rows} rows)" in text
        for field in resource.schema.fields:
            assert f"| `{field.name}` |" in text
    assert "- `covert_takeover`: Police ran the market covertly before shutting it (Hansa)." in text
    assert "| `arrests` | 6 | persons | People arrested. |" in text


def test_curating_lists_every_rule_of_the_registry():
    from darkweb_enforcement.documents import curating_with_rules
    from darkweb_enforcement.rules import registered

    text = (REPO_ROOT / "CURATING.md").read_text(encoding="utf-8")
    assert text == curating_with_rules(text), "CURATING.md is stale: run `dwe codebook` and commit it"
    for code in registered():
        assert f"| `{code}` |" in text


def test_a_release_section_lists_its_schema_changes_before_the_counts():
    from darkweb_enforcement.changes import CHANGE_SCHEMA
    from darkweb_enforcement.documents import release_section

    text = release_section(
        "2.0.0",
        "2026-12-31",
        CHANGE_SCHEMA.empty_table(),
        ["enum value(s) ['active'] of markets.closure_type were removed (major)"],
    )
    assert (
        text
        == "## 2.0.0 — 2026-12-31\n\nSchema changes:\n- enum value(s) ['active'] of markets.closure_type were removed (major)\n\nNo record changed.\n"
    )
