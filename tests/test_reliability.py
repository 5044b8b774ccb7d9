"""Interrupted and concurrent builds, hostile archives, and fuzzed seeds never half-write or crash."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_package
from darkweb_enforcement import build as build_module
from darkweb_enforcement.archive import extract_archive
from darkweb_enforcement.build import build_release
from darkweb_enforcement.cli import main
from darkweb_enforcement.errors import DatapackageError
from darkweb_enforcement.synthetic import write_package
from darkweb_enforcement.validate import CURATED_TABLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DWE = [sys.executable, "-m", "darkweb_enforcement.cli"]


def release_folders(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) if out.exists() else []


STEPS = [
    ("write_parquet", 1),
    ("write_parquet", 9),
    ("write_derived", 1),
    ("write_derived", 3),
    ("write_database", 1),
    ("write_documents", 1),
    ("make_readable", 1),
    ("write_checksums", 1),
    ("verify_written", 1),
]


@pytest.mark.parametrize("step,fail_after", STEPS, ids=[f"{s}-{n}" for s, n in STEPS])
def test_failure_after_any_file_write_leaves_no_release(
    package: Path, tmp_path: Path, monkeypatch, step: str, fail_after: int
):
    calls = {"n": 0}
    *owners, name = step.split(".")
    owner = build_module
    for part in owners:
        owner = getattr(owner, part)
    original = getattr(owner, name)

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == fail_after:
            raise OSError("disk full (injected)")
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, flaky)
    out = tmp_path / "dist"
    with pytest.raises(DatapackageError, match="failed \\(disk full \\(injected\\)\\); nothing was published"):
        build_release(package, out)
    assert release_folders(out) == [] and list(out.iterdir()) == []


@pytest.mark.slow
def test_killed_build_leaves_no_release_and_the_next_build_cleans_up(tmp_path: Path):
    root = write_package(tmp_path / "pkg", 20_000)
    out = tmp_path / "dist"
    proc = subprocess.Popen(
        [*DWE, "build", "--root", str(root), "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 60
    while time.time() < deadline and not (out.exists() and any(out.glob(".*.tmp-*/data/*"))):
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert release_folders(out) == []
    build_release(root, out)
    assert release_folders(out) == ["darkweb-enforcement-0.1.0"]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_two_builds_at_once_one_wins_the_other_refuses(tmp_path: Path):
    root = write_package(tmp_path / "pkg", 5_000)
    out = tmp_path / "dist"
    procs = [
        subprocess.Popen(
            [*DWE, "build", "--root", str(root), "--out", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    assert sorted(code for code, _ in results) == [0, 1], results
    loser = next(err for code, err in results if code == 1)
    assert "already exists" in loser or "created by another build at the same time" in loser
    assert "Traceback" not in loser
    assert CliRunner().invoke(main, ["verify", str(out / "darkweb-enforcement-0.1.0")]).exit_code == 0


def test_symlink_entry_in_archive_is_refused(tmp_path: Path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("darkweb-enforcement-0.1.0/data/agencies.csv")
        info.external_attr = (0o120777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(DatapackageError, match="is a symbolic link; nothing was extracted"):
        extract_archive(archive, tmp_path / "x")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("content", [b"<!DOCTYPE html><html>Not found</html>", b"PK\x03\x04truncated"])
def test_html_or_truncated_download_is_refused(tmp_path: Path, content: bytes):
    archive = tmp_path / "download.zip"
    archive.write_bytes(content)
    with pytest.raises(DatapackageError, match="not a zip archive or corrupt .*was it truncated or an HTML error page"):
        extract_archive(archive, tmp_path / "x")


CORRUPTIONS = st.one_of(
    st.tuples(st.just("bytes"), st.integers(0, 10_000), st.binary(min_size=1, max_size=4)),
    st.tuples(st.just("cell"), st.integers(0, 10_000), st.text(max_size=12)),
    st.tuples(st.just("drop-line"), st.integers(0, 10_000), st.just("")),
    st.tuples(st.just("dup-line"), st.integers(0, 10_000), st.just("")),
    st.tuples(st.just("header"), st.integers(0, 10_000), st.text(max_size=8)),
)
TABLES = list(CURATED_TABLES)


def corrupt(data: bytes, kind: str, where: int, what) -> bytes:
    lines = data.split(b"\n")
    line = where % max(1, len(lines) - 1)
    if kind == "bytes":
        at = where % max(1, len(data))
        return data[:at] + what + data[at + 1 :]
    if kind == "cell":
        cells = lines[line].split(b",")
        cells[where % len(cells)] = what.encode("utf-8", "surrogatepass")
        lines[line] = b",".join(cells)
    elif kind == "drop-line":
        del lines[line]
    elif kind == "dup-line":
        lines.insert(line, lines[line])
    else:
        cells = lines[0].split(b",")
        cells[where % len(cells)] = what.encode("utf-8", "surrogatepass")
        lines[0] = b",".join(cells)
    return b"\n".join(lines)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.sampled_from(TABLES), corruptions=st.lists(CORRUPTIONS, min_size=1, max_size=3))
def test_fuzzed_seeds_never_crash_validate_or_build(tmp_path_factory, table, corruptions):
    root = make_package(tmp_path_factory.mktemp("fuzz") / "pkg")
    path = root / "seeds" / f"{table}.csv"
    data = path.read_bytes()
    for kind, where, what in corruptions:
        data = corrupt(data, kind, where, what)
    path.write_bytes(data)
    for args in (["validate", "--root", str(root)], ["build", "--root", str(root), "--out", str(root / "dist")]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code in (0, 1), (args, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        if result.exit_code == 1:
            assert result.stderr.strip(), "a failure must say why"
            if args[0] == "build":
                assert release_folders(root / "dist") == []
    shutil.rmtree(root)


def test_a_full_disk_is_one_clear_line_and_leaves_nothing(package: Path, tmp_path: Path, monkeypatch):
    import errno

    from darkweb_enforcement import parquet

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(parquet.pq, "write_table", no_space)
    result = CliRunner().invoke(main, ["build", "--root", str(package), "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert (
        "failed (No space left on device); nothing was published (is the disk full or the folder read-only?)"
        in result.stderr
    )
    assert "Traceback" not in result.output and list((tmp_path / "dist").iterdir()) == []


def test_an_output_folder_that_cannot_exist_is_one_clear_line(package: Path, tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["build", "--root", str(package), "--out", str(blocker / "dist")])
    assert result.exit_code == 1 and "cannot write a release into" in result.stderr and "Traceback" not in result.output


def test_a_named_pipe_in_place_of_a_seed_is_refused_without_hanging(package: Path):
    import os

    seed = package / "seeds" / "markets.csv"
    seed.unlink()
    os.mkfifo(seed)
    result = CliRunner().invoke(main, ["validate", "--root", str(package)])
    assert result.exit_code == 1
    assert (
        "seeds/markets.csv: seeds/markets.csv cannot be read (not a regular file (a folder, named pipe or device))"
        in result.stderr
    )
