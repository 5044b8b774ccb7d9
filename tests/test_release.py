"""dwe release, rebuild, verify and diff on a real git repository in a temporary folder."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from darkweb_enforcement.cli import main
from darkweb_enforcement.errors import ChecksumMismatch, DatapackageError
from darkweb_enforcement.reader import verify_path
from darkweb_enforcement.release import JOURNAL_NAME, cut_release, finish_interrupted, rebuild_release
from darkweb_enforcement.synthetic import write_package


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=root, check=True, capture_output=True
    )


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    """A repository with release 0.1.0, then one corrected value and one new claim committed (not released)."""
    root = write_package(tmp_path_factory.mktemp("repo") / "repo", 100)
    (root / ".gitignore").write_text("dist/\n")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "seeds")
    first = cut_release(root, root / "dist", bump="minor", date="2026-01-01")
    commit_all(root, "Release 0.1.0")
    claims = root / "seeds" / "reported_totals.csv"
    text = claims.read_text().replace(
        "c00000005,op-000001,arrests,,WORLD,,5,", "c00000005,op-000001,arrests,,WORLD,,6,"
    )
    text += "c00000100,op-000000,arrests,,WORLD,,100,persons,exact,,src-000001,,para 9,current,,,\n"
    claims.write_text(text)
    commit_all(root, "Correct c00000005, add c00000100")
    return root, first


@pytest.fixture(scope="module")
def released_twice(edited, tmp_path_factory):
    """A copy of `edited` with 0.2.0 released: tests that release work on their own copy, in any order."""
    source, first = edited
    root = tmp_path_factory.mktemp("twice") / "repo"
    shutil.copytree(source, root, symlinks=True)
    second = cut_release(root, root / "dist", bump="minor", date="2026-02-01")
    commit_all(root, "Release 0.2.0")
    return root, first, second


def test_first_release_is_the_descriptor_version_with_every_row_added(edited):
    root, first = edited
    assert first.version == "0.1.0"
    folder = root / "dist" / "darkweb-enforcement-0.1.0"
    changes = pd.read_csv(folder / "data" / "changes.csv", dtype=str, keep_default_na=False)
    assert set(changes["change"]) == {"added"} and len(changes) == 100 + 5 + 6 + 1 + 2 + 2 + 2 + 1 + 3
    index = json.loads((root / "releases.json").read_text())
    assert [(r["version"], r["status"]) for r in index["releases"]] == [("0.1.0", "current")]
    assert index["releases"][0]["archive_sha256"] == first.sha256
    assert index["releases"][0]["row_counts"]["reported_totals"] == 100
    assert (root / "releases" / "darkweb-enforcement-0.1.0.zip").read_bytes() == first.archive.read_bytes()
    assert not (root / JOURNAL_NAME).exists()


def test_patch_bump_is_refused_when_rows_were_added(edited):
    root, _ = edited
    with pytest.raises(
        DatapackageError,
        match=r"a patch bump \(0\.1\.0 → 0\.1\.1\) is too small: 1 added record\(s\) in reported_totals \(needs minor\)",
    ):
        cut_release(root, root / "dist", bump="patch", date="2026-02-01")
    assert not (root / "dist" / "darkweb-enforcement-0.1.1").exists()


def test_second_release_records_exactly_the_edit(released_twice):
    root, _, second = released_twice
    changes = pd.read_csv(
        root / "dist" / "darkweb-enforcement-0.2.0" / "data" / "changes.csv", dtype=str, keep_default_na=False
    )
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
    assert second.level == "minor"


@pytest.mark.parametrize(
    "version,message",
    [
        ("0.1.0", "not above the current release"),
        ("0.2", "is not a version X.Y.Z"),
        ("1.0.0\n", "is not a version X.Y.Z"),
        ("١.٠.٠", "is not a version X.Y.Z"),
        ("../1.0.0", "is not a version X.Y.Z"),
    ],
)
def test_a_bad_or_existing_version_is_refused(edited, version, message):
    root, _ = edited
    with pytest.raises(DatapackageError, match=message):
        cut_release(root, root / "dist", version=version, date="2026-02-01")


@pytest.mark.parametrize("date", ["2026-02-30", "02/05/2026", "2026-02-01\nauthors: x", "1900-01-01", "9999-01-01"])
def test_a_bad_release_date_is_refused_before_anything_is_written(edited, date):
    root, _ = edited
    before = (root / "CITATION.cff").read_text()
    with pytest.raises(DatapackageError, match="--date"):
        cut_release(root, root / "dist", bump="minor", date=date)
    assert (root / "CITATION.cff").read_text() == before


def test_release_with_uncommitted_seeds_is_refused(edited, tmp_path):
    root, _ = edited
    path = root / "seeds" / "agencies.csv"
    original = path.read_text()
    path.write_text(original.replace("Europol", "Europol (edited)"))
    try:
        with pytest.raises(DatapackageError, match="uncommitted changes in seeds/agencies.csv; commit them first"):
            cut_release(root, tmp_path, bump="patch")
    finally:
        path.write_text(original)


def test_an_interrupted_recording_is_finished_by_the_next_run(released_twice, tmp_path):
    root, _, _ = released_twice
    copy = tmp_path / "repo"
    shutil.copytree(root, copy, symlinks=True)
    files = {
        name: (copy / name).read_text()
        for name in ("datapackage.json", "CHANGELOG.md", "CITATION.cff", "CODEBOOK.md", "releases.json")
    }
    # as if killed after the journal and two of the five renames
    planned = {
        **files,
        "CITATION.cff": files["CITATION.cff"].replace("0.2.0", "0.3.0"),
        "releases.json": files["releases.json"].replace('"0.2.0"', '"0.2.0"'),
    }
    (copy / JOURNAL_NAME).write_text(json.dumps({"version": "0.3.0", "files": planned}))
    (copy / "datapackage.json").write_text("half-written")
    assert finish_interrupted(copy) == "0.3.0"
    assert (copy / "datapackage.json").read_text() == files["datapackage.json"]
    assert 'version: "0.3.0"' in (copy / "CITATION.cff").read_text()
    assert not (copy / JOURNAL_NAME).exists()


def test_rebuild_from_git_gives_the_same_archive_and_touches_nothing_published(released_twice, tmp_path):
    root, first, _ = released_twice
    published = {
        p: p.read_bytes() for p in [*(root / "dist").rglob("*"), *(root / "releases").rglob("*")] if p.is_file()
    }
    rebuilt = rebuild_release(root, "0.1.0", tmp_path / "rebuilt")
    assert rebuilt.sha256 == first.sha256
    assert {p: p.read_bytes() for p in published} == published


def test_a_rebuild_that_does_not_match_deletes_nothing(released_twice, tmp_path):
    root, _, _ = released_twice
    copy = tmp_path / "repo"
    shutil.copytree(root, copy, symlinks=True)
    index = json.loads((copy / "releases.json").read_text())
    index["releases"][1]["archive_sha256"] = "0" * 64
    (copy / "releases.json").write_text(json.dumps(index))
    before = sorted(p.name for p in (copy / "dist").iterdir())
    with pytest.raises(ChecksumMismatch, match="nothing published was touched"):
        rebuild_release(copy, "0.1.0")
    assert sorted(p.name for p in (copy / "dist").iterdir()) == before
    assert (copy / "releases" / "darkweb-enforcement-0.1.0.zip").is_file()


@pytest.mark.parametrize("commit", ["HEAD", "--output=/tmp/x", "0" * 39, "g" * 40])
def test_rebuild_refuses_a_commit_that_is_not_40_hex_digits(released_twice, tmp_path, commit):
    root, _, _ = released_twice
    copy = tmp_path / "repo"
    shutil.copytree(root, copy, symlinks=True)
    index = json.loads((copy / "releases.json").read_text())
    index["releases"][1]["commit"] = commit
    (copy / "releases.json").write_text(json.dumps(index))
    with pytest.raises(DatapackageError, match="not 40 hex digits"):
        rebuild_release(copy, "0.1.0")


def test_rebuild_refuses_unknown_version(edited, tmp_path):
    root, _ = edited
    with pytest.raises(DatapackageError, match=r"release 9.9.9 is not in releases.json \(known: "):
        rebuild_release(root, "9.9.9", tmp_path / "x")


def test_verify_passes_on_folder_and_archive(edited):
    root, first = edited
    assert verify_path(root / "dist" / "darkweb-enforcement-0.1.0").differences == []
    assert verify_path(first.archive).differences == []


def test_verify_compares_an_archive_with_releases_json(edited, tmp_path):
    root, first = edited
    index = json.loads((root / "releases.json").read_text())
    assert verify_path(first.archive, index).notes == [
        "darkweb-enforcement-0.1.0.zip: sha256 matches release 0.1.0 in releases.json"
    ]
    index["releases"][0]["archive_sha256"] = "f" * 64
    assert (
        verify_path(first.archive, index)
        .differences[0]
        .endswith(f"is not the {'f' * 64} recorded for release 0.1.0 in releases.json")
    )


def test_verify_names_a_changed_byte(edited, tmp_path):
    root, _ = edited
    copy = tmp_path / "copy"
    shutil.copytree(root / "dist" / "darkweb-enforcement-0.1.0", copy)
    target = copy / "data" / "operations.csv"
    data = bytearray(target.read_bytes())
    data[-2] ^= 1
    target.write_bytes(bytes(data))
    found = verify_path(copy).differences
    assert found[0].startswith("data/operations.csv: sha256 expected ")
    assert any(line.startswith("data/operations.csv: hash expected sha256:") for line in found)


def test_verify_names_missing_and_extra_files(edited, tmp_path):
    root, _ = edited
    copy = tmp_path / "copy"
    shutil.copytree(root / "dist" / "darkweb-enforcement-0.1.0", copy)
    (copy / "CITATION.cff").unlink()
    (copy / "data" / "extra.csv").write_text("x\n")
    assert verify_path(copy).differences == ["CITATION.cff: missing", "data/extra.csv: not listed in SHA256SUMS"]


def test_verify_refuses_an_escaping_archive(tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("darkweb-enforcement-0.1.0/SHA256SUMS", "")
        zf.writestr("../outside.txt", "x")
    with pytest.raises(
        DatapackageError, match=r"entry '../outside.txt' escapes the release folder; nothing was extracted"
    ):
        verify_path(evil)
    assert not (tmp_path / "outside.txt").exists()


def test_cli_verify_exit_codes(edited, tmp_path):
    _, first = edited
    ok = CliRunner().invoke(main, ["verify", str(first.archive)])
    assert ok.exit_code == 0, ok.output
    broken = tmp_path / "broken.zip"
    broken.write_bytes(first.archive.read_bytes()[:-100])
    bad = CliRunner().invoke(main, ["verify", str(broken)])
    assert bad.exit_code == 1
    assert "not a zip archive" in bad.stderr


def test_diff_between_two_releases(released_twice):
    root, _, _ = released_twice
    old, new = root / "dist" / "darkweb-enforcement-0.1.0.zip", root / "dist" / "darkweb-enforcement-0.2.0"
    result = CliRunner().invoke(main, ["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "~ reported_totals c00000005: value: '5' -> '6'\n+ reported_totals c00000100\n"


def recorded_releases() -> list[dict]:
    from darkweb_enforcement.paths import REPO_ROOT

    return json.loads((REPO_ROOT / "releases.json").read_text())["releases"]


@pytest.mark.slow
@pytest.mark.parametrize("entry", recorded_releases(), ids=[r["version"] for r in recorded_releases()])
def test_every_recorded_release_of_this_repository_rebuilds_byte_for_byte(entry, tmp_path):
    """Each release rebuilds with the code and seeds of its own commit (0.1.0's code drew figures with matplotlib)."""
    import platform
    import sqlite3
    from importlib.metadata import PackageNotFoundError, version

    from darkweb_enforcement.paths import REPO_ROOT

    if (
        subprocess.run(
            ["git", "cat-file", "-e", f"{entry['commit']}^{{commit}}"], cwd=REPO_ROOT, capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip(f"commit {entry['commit'][:12]} is not in this clone (shallow?)")
    here = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for name in ("pyarrow", "matplotlib"):
        try:
            here[name] = version(name)
        except PackageNotFoundError:
            here[name] = "absent"
    differs = {k: (v, here.get(k)) for k, v in entry.get("built_with", {}).items() if here.get(k) != v}
    if differs:
        pytest.skip(f"built with other versions than this machine has: {differs}")
    rebuilt = rebuild_release(REPO_ROOT, entry["version"], tmp_path / "rebuilt")
    assert rebuilt.sha256 == entry["archive_sha256"]
