"""dwe build writes a complete, typed, checksummed, reproducible release."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from darkweb_enforcement.build import build_release
from darkweb_enforcement.errors import ReleaseExists
from darkweb_enforcement.paths import REPO_ROOT
from darkweb_enforcement.synthetic import write_package
from darkweb_enforcement.validate import CURATED_TABLES

TABLES = list(CURATED_TABLES)


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    root = write_package(tmp_path_factory.mktemp("pkg"), 400)
    return build_release(root, root / "dist")


def test_release_layout(release: Path):
    assert release.name == "darkweb-enforcement-0.1.0"
    tables = TABLES + ["changes", "coverage", "headline_totals"]
    assert sorted(p.name for p in (release / "data").iterdir()) == sorted(
        [f"{t}.csv" for t in tables] + [f"{t}.parquet" for t in tables]
    )
    assert sorted(p.name for p in release.iterdir()) == [
        "CHANGELOG.md",
        "CITATION.cff",
        "CODEBOOK.md",
        "README.md",
        "SHA256SUMS",
        "darkweb-enforcement.sqlite",
        "data",
        "datapackage.json",
        "load.R",
    ]
    assert (release / "load.R").read_bytes() == (REPO_ROOT / "scripts" / "load.R").read_bytes()


def test_a_release_is_readable_by_others(release: Path):
    modes = {oct(p.stat().st_mode & 0o777) for p in [release, *release.rglob("*")]}
    assert modes == {"0o755", "0o644"}


@pytest.mark.slow
def test_the_archive_holds_no_figures_and_its_bytes_need_no_plotting_library(tmp_path: Path):
    """A build in a process where matplotlib cannot be imported gives the same bytes as one where it can."""
    import subprocess
    import sys

    root = write_package(tmp_path / "pkg", 120)
    code = (
        "import sys, pathlib\n"
        "if sys.argv[3] == 'block':\n"
        "    class Block:\n"
        "        def find_spec(self, name, path=None, target=None):\n"
        "            if name.split('.')[0] == 'matplotlib': raise ImportError('matplotlib is blocked')\n"
        "    sys.meta_path.insert(0, Block())\n"
        "from darkweb_enforcement.build import build_release\n"
        "print(build_release(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])))\n"
    )
    built = [
        subprocess.run(
            [sys.executable, "-c", code, str(root), str(tmp_path / out), mode],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for out, mode in (("with", "allow"), ("without", "block"))
    ]
    with_mpl, without = (Path(b) for b in built)
    assert (with_mpl / "SHA256SUMS").read_bytes() == (without / "SHA256SUMS").read_bytes()
    assert not list(with_mpl.rglob("*.png")) and not list(with_mpl.rglob("*.svg"))


def test_checksums_pass_sha256sum(release: Path):
    done = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=release, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": OK") == 3 * 2 + 9 * 2 + 7


def test_parquet_types_follow_the_schema(release: Path):
    schema = pq.read_schema(release / "data" / "reported_totals.parquet")
    assert schema.field("value").type == pa.float64()
    assert schema.field("as_of").type == pa.date32()
    assert schema.field("metric").type == pa.dictionary(pa.int32(), pa.string())
    assert schema.field("claim_id").nullable is False
    assert json.loads(schema.metadata[b"table_schema"])["primaryKey"] == ["claim_id"]
    levels = pq.read_table(release / "data" / "reported_totals.parquet")["qualifier"].chunk(0).dictionary.to_pylist()
    assert levels[:3] == ["exact", "approximately", "more_than"]


@pytest.mark.parametrize("table", TABLES + ["changes"])
def test_csv_and_parquet_hold_the_same_data(release: Path, table: str):
    from_parquet = pd.read_parquet(release / "data" / f"{table}.parquet")
    from_csv = pd.read_csv(release / "data" / f"{table}.csv", dtype=str, keep_default_na=False)
    assert list(from_parquet.columns) == list(from_csv.columns)
    assert len(from_parquet) == len(from_csv)
    for column in from_csv.columns:
        parquet_text = from_parquet[column].astype(object).map(_as_text)
        csv_text = from_csv[column].map(lambda v, column=column: _as_text(float(v)) if v and column == "value" else v)
        assert parquet_text.tolist() == csv_text.tolist(), column


def _as_text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def test_rebuild_is_byte_identical(tmp_path: Path):
    root = write_package(tmp_path / "pkg", 200)
    first = build_release(root, tmp_path / "a")
    second = build_release(root, tmp_path / "b")
    for name in ["SHA256SUMS", "datapackage.json", "darkweb-enforcement.sqlite"] + [f"data/{t}.csv" for t in TABLES]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    for t in TABLES:
        assert pq.read_table(first / "data" / f"{t}.parquet").equals(pq.read_table(second / "data" / f"{t}.parquet"))


def test_existing_release_is_refused_unless_forced(tmp_path: Path):
    root = write_package(tmp_path / "pkg", 100)
    target = build_release(root, tmp_path / "dist")
    with pytest.raises(ReleaseExists, match="already exists; bump the version"):
        build_release(root, tmp_path / "dist")
    assert build_release(root, tmp_path / "dist", force=True) == target
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == [target.name]


def test_frictionless_validates_the_release_descriptor(release: Path):
    from frictionless import validate

    report = validate(release / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_release_descriptor_records_bytes_and_hashes(release: Path):
    from darkweb_enforcement.checksums import sha256_file

    descriptor = json.loads((release / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        path = release / resource["path"]
        assert resource["bytes"] == path.stat().st_size
        assert resource["hash"] == f"sha256:{sha256_file(path)}"
        if resource["name"] == "database":
            assert (resource["path"], resource["format"]) == ("darkweb-enforcement.sqlite", "sqlite")
            continue
        assert resource["profile"] == "tabular-data-resource"
        assert resource["parquet"]["hash"] == f"sha256:{sha256_file(release / resource['parquet']['path'])}"


def test_first_build_lists_every_row_as_added(release: Path):
    changes = pd.read_csv(release / "data" / "changes.csv", dtype=str, keep_default_na=False)
    rows = sum(len(pd.read_csv(release / "data" / f"{t}.csv", dtype=str)) for t in TABLES)
    assert len(changes) == rows
    assert set(changes["change"]) == {"added"}
    assert changes[changes.table == "reported_totals"]["key"].iloc[0] == "c00000000"
