"""dwe release, rebuild, verify and diff on a real git repository in a temporary folder."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from darkweb_enforcement.cli import main
from darkweb_enforcement.errors import DatapackageError
from darkweb_enforcement.release import cut_release, rebuild_release
from darkweb_enforcement.synthetic import write_package
from darkweb_enforcement.verify import verify_path


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=root, check=True, capture_output=True)


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A repository with two releases: 0.1.0, then 0.2.0 after one corrected value and one new claim."""
    root = write_package(tmp_path_factory.mktemp("repo"), 100)
    (root / ".gitignore").write_text("dist/\n")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "seeds")
    first = cut_release(root, root / "dist", bump="minor", date="2026-01-01")
    commit_all(root, "Release 0.1.0")
    claims = root / "seeds" / "reported_totals.csv"
    text = claims.read_text().replace("c00000005,op-000001,arrests,,WORLD,,5,", "c00000005,op-000001,arrests,,WORLD,,6,")
    text += "c00000100,op-000000,arrests,,WORLD,,100,persons,exact,,src-000001,,para 9,current,,,\n"
    claims.write_text(text)
    commit_all(root, "Correct c00000005, add c00000100")
    return root, first


def test_first_release_is_the_descriptor_version_with_every_row_added(history):
    root, first = history
    assert first.version == "0.1.0"
    changes = pd.read_csv(first.folder / "data" / "changes.csv", dtype=str, keep_default_na=False)
    assert set(changes["change"]) == {"added"} and len(changes) == 100 + 5 + 6 + 1 + 2 + 2 + 2 + 1 + 3
    index = json.loads((root / "releases.json").read_text())
    assert [(r["version"], r["status"]) for r in index["releases"]] == [("0.1.0", "current")]
    assert index["releases"][0]["archive_sha256"] == first.sha256
    assert index["releases"][0]["row_counts"]["reported_totals"] == 100


def test_patch_bump_is_refused_when_rows_were_added(history):
    root, _ = history
    with pytest.raises(DatapackageError, match=r"a patch bump \(0\.1\.0 → 0\.1\.1\) is too small: 1 added record\(s\) in reported_totals \(needs minor\)"):
        cut_release(root, root / "dist", bump="patch", date="2026-02-01")
    assert not (root / "dist" / "darkweb-enforcement-0.1.1").exists()


def test_second_release_records_exactly_the_edit(history):
    root, _ = history
    second = cut_release(root, root / "dist", bump="minor", date="2026-02-01")
    commit_all(root, "Release 0.2.0")
    changes = pd.read_csv(second.folder / "data" / "changes.csv", dtype=str, keep_default_na=False)
    assert changes.values.tolist() == [
        ["reported_totals", "c00000005", "changed", "value", "5", "6"],
        ["reported_totals", "c00000100", "added", "", "", ""],
    ]
    changelog = (root / "CHANGELOG.md").read_text()
    assert changelog.index("## 0.2.0 — 2026-02-01") < changelog.index("## 0.1.0 — 2026-01-01")
    assert "- `reported_totals`: 1 added, 0 removed, 1 changed" in changelog
    assert "- `c00000005` value: 5 → 6" in changelog
    index = json.loads((root / "releases.json").read_text())
    assert [(r["version"], r["status"]) for r in index["releases"]] == [("0.2.0", "current"), ("0.1.0", "superseded")]
    assert 'version: "0.2.0"' in (root / "CITATION.cff").read_text()
    assert json.loads((root / "datapackage.json").read_text())["version"] == "0.2.0"


def test_existing_version_is_refused(history):
    root, first = history
    with pytest.raises(DatapackageError, match="not above the current release"):
        cut_release(root, root / "dist", version="0.1.0")


def test_release_with_uncommitted_seeds_is_refused(history, tmp_path):
    root, _ = history
    path = root / "seeds" / "agencies.csv"
    original = path.read_text()
    path.write_text(original.replace("Europol", "Europol (edited)"))
    try:
        with pytest.raises(DatapackageError, match="uncommitted changes in seeds/agencies.csv; commit them first"):
            cut_release(root, tmp_path, bump="patch")
    finally:
        path.write_text(original)


def test_rebuild_from_git_gives_the_same_archive(history, tmp_path):
    root, first = history
    rebuilt = rebuild_release(root, "0.1.0", tmp_path)
    assert rebuilt.sha256 == first.sha256


def test_rebuild_refuses_unknown_version(history, tmp_path):
    root, _ = history
    with pytest.raises(DatapackageError, match=r"release 9.9.9 is not in releases.json \(known: "):
        rebuild_release(root, "9.9.9", tmp_path)


def test_verify_passes_on_folder_and_archive(history):
    _, first = history
    assert verify_path(first.folder) == []
    assert verify_path(first.archive) == []


def test_verify_names_a_changed_byte(history, tmp_path):
    _, first = history
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(first.folder), str(copy)], check=True)
    target = copy / "data" / "operations.csv"
    data = bytearray(target.read_bytes())
    data[-2] ^= 1
    target.write_bytes(bytes(data))
    found = verify_path(copy)
    assert found[0].startswith("data/operations.csv: sha256 expected ")
    assert any(line.startswith("data/operations.csv: hash expected sha256:") for line in found)


def test_verify_names_missing_and_extra_files(history, tmp_path):
    _, first = history
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(first.folder), str(copy)], check=True)
    (copy / "CITATION.cff").unlink()
    (copy / "data" / "extra.csv").write_text("x\n")
    assert verify_path(copy) == ["CITATION.cff: missing", "data/extra.csv: not listed in SHA256SUMS"]


def test_verify_refuses_an_escaping_archive(tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("darkweb-enforcement-0.1.0/SHA256SUMS", "")
        zf.writestr("../outside.txt", "x")
    with pytest.raises(DatapackageError, match=r"entry '../outside.txt' escapes the release folder; nothing was extracted"):
        verify_path(evil)
    assert not (tmp_path / "outside.txt").exists()


def test_cli_verify_exit_codes(history, tmp_path):
    _, first = history
    ok = CliRunner().invoke(main, ["verify", str(first.archive)])
    assert ok.exit_code == 0, ok.output
    broken = tmp_path / "broken.zip"
    broken.write_bytes(first.archive.read_bytes()[:-100])
    bad = CliRunner().invoke(main, ["verify", str(broken)])
    assert bad.exit_code == 1
    assert "not a zip archive" in bad.stderr


def test_diff_between_two_releases(history):
    root, _ = history
    old, new = root / "dist" / "darkweb-enforcement-0.1.0.zip", root / "dist" / "darkweb-enforcement-0.2.0"
    result = CliRunner().invoke(main, ["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "~ reported_totals c00000005: value: '5' -> '6'\n+ reported_totals c00000100\n"
