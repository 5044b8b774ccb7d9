"""Known defects of the earlier code (issue 18), each pinned by a test."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from darkweb_enforcement.csvfiles import format_seeds
from darkweb_enforcement.errors import DatapackageError, ReleaseExists
from darkweb_enforcement.paths import PACKAGE_DIR, REPO_ROOT


@pytest.mark.slow
def test_the_codebook_renders_under_python_OO(package: Path):
    code = (
        "import sys, pathlib\nfrom darkweb_enforcement.validate import require_valid\nfrom darkweb_enforcement.documents import render_codebook\n"
        "print('Rule 2' in render_codebook(require_valid(pathlib.Path(sys.argv[1]))))"
    )
    done = subprocess.run([sys.executable, "-OO", "-c", code, str(package)], capture_output=True, text=True)
    assert done.stdout.strip() == "True", done.stderr


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=root, check=True, capture_output=True
    )


def test_git_history_works_in_a_path_with_spaces_and_inline_schemas(package: Path, tmp_path: Path):
    from darkweb_enforcement.changes import snapshot_of_commit
    from darkweb_enforcement.history import export_tree, head_commit

    root = tmp_path / "a folder with spaces"
    import shutil

    shutil.copytree(package, root)
    descriptor = json.loads((root / "datapackage.json").read_text())
    resource = next(r for r in descriptor["resources"] if r["name"] == "countries")
    resource["schema"] = json.loads((root / resource["schema"]).read_text())  # inline
    (root / "datapackage.json").write_text(json.dumps(descriptor))
    (root / "seeds" / "notes – ünïcode.txt").write_text("x")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "seeds")
    commit = head_commit(root)
    snapshot = snapshot_of_commit(root, commit)
    assert snapshot.tables["countries"].num_rows == 6
    tree = export_tree(root, commit, tmp_path / "export")
    assert (tree / "seeds" / "notes – ünïcode.txt").read_text() == "x"


def test_a_git_failure_is_one_clear_line(tmp_path: Path):
    from darkweb_enforcement.history import read_at

    git(tmp_path, "init", "-q", "-b", "main")
    with pytest.raises(DatapackageError, match=r"^git cat-file failed in .*: fatal: .*"):
        read_at(tmp_path, "0" * 40, "seeds/x.csv")


def test_a_failed_replace_puts_the_old_build_back(tmp_path: Path, monkeypatch):
    from darkweb_enforcement import build

    target = tmp_path / "darkweb-enforcement-0.1.0"
    target.mkdir()
    (target / "old").write_text("old build")
    new = tmp_path / "new"
    new.mkdir()
    original = Path.rename

    def failing(self, other):
        if self == new:
            raise OSError("injected")
        return original(self, other)

    monkeypatch.setattr(Path, "rename", failing)
    with pytest.raises(ReleaseExists):
        build.publish(new, target, force=True)
    assert (target / "old").read_text() == "old build"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_organisation_check_ignores_fields_of_a_schema_without_a_descriptor():
    from darkweb_enforcement.privacy import person_in_organisation_fields
    from darkweb_enforcement.schema import Field, TableSchema

    schema = TableSchema("t", (Field("note", "string"),), ())
    assert person_in_organisation_fields("t", schema, pa.table({"note": ["John Smith"]})) == []


def test_fmt_names_the_rows_validate_names_after_a_blank_line(package: Path):
    path = package / "seeds" / "agencies.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], "", lines[1], lines[2] + ",extra", lines[3]]) + "\n")
    with pytest.raises(DatapackageError, match=r"rows \[4\] do not have 7 cells"):
        format_seeds(package)


STDLIB = set(sys.stdlib_module_names)
DECLARED = {"click", "pandas", "pooch", "pyarrow", "requests", "numpy"}  # numpy: pandas and pyarrow require it
EXTRAS = {"frictionless": "curate", "matplotlib": "curate", "datasette": "serve"}


def test_every_library_import_is_declared():
    """`requests` was imported but not declared; every third-party import is now a dependency or an extra."""
    found = set()
    for path in PACKAGE_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    third_party = found - STDLIB - {"darkweb_enforcement"}
    assert third_party - DECLARED - set(EXTRAS) == set()
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    for name in DECLARED - {"numpy"}:
        assert f'"{name}>=' in pyproject, name
    for name, extra in EXTRAS.items():
        assert f"{extra} = [" in pyproject and f'"{name}>=' in pyproject, name


def test_no_module_cites_a_file_the_repository_does_not_have():
    for path in PACKAGE_DIR.glob("*.py"):
        assert "DATA-MODEL.md" not in path.read_text(), path.name
