"""Hostile input (issue 17): malicious indexes, descriptors and archives never escape, never publish, never crash.

Each case gives one clear error naming what is wrong, writes nothing outside its place, and leaves
the cache without a half-written file. The same cases are run against the R loader where it applies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import darkweb_enforcement
import pytest
from darkweb_enforcement.archive import extract_archive
from darkweb_enforcement.checksums import sha256_file, write_checksums
from darkweb_enforcement.errors import DatapackageError, UnsafeRelease
from darkweb_enforcement.index import check_index
from darkweb_enforcement.paths import REPO_ROOT
from darkweb_enforcement.reader import verify_path

R_LOADER = REPO_ROOT / "scripts" / "load.R"


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("DWE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DWE_BASE_URL", raising=False)
    monkeypatch.delenv("DWE_INDEX", raising=False)
    return tmp_path / "cache"


def reseal(folder: Path) -> Path:
    """Recompute the descriptor's bytes and hashes and SHA256SUMS, as a careful attacker would."""
    descriptor = json.loads((folder / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        for facts in (resource, resource.get("parquet") or {}):
            path = folder / str(facts.get("path", ""))
            if path.is_file():
                facts["bytes"], facts["hash"] = path.stat().st_size, f"sha256:{sha256_file(path)}"
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    (folder / "SHA256SUMS").unlink()
    write_checksums(folder)
    return folder


def copy_release(built_release, tmp_path: Path) -> Path:
    copy = tmp_path / "darkweb-enforcement-0.1.0"
    shutil.copytree(built_release[0], copy)
    return copy


def index_with(versions: list[str], sha: str, base_url: str = "https://example.org") -> dict:
    return {
        "base_url": base_url,
        "url_pattern": "{base_url}/darkweb-enforcement-{version}.zip",
        "releases": [
            {"version": v, "status": "current" if i == 0 else "superseded", "archive_sha256": sha}
            for i, v in enumerate(versions)
        ],
    }


# class 2: nothing from an index becomes a path unchecked
BAD_VERSIONS = [
    "../../evil",
    "0.1.0/../../x",
    "1.0",
    "1.0.0.0",
    "01.0.0",
    "1.0.0\n",
    " 1.0.0",
    "1.0.0 ",
    "١.٠.٠",
    "1.0.0-rc1",
    "1.0.0/",
    "..",
    "",
    1,
]


@pytest.mark.parametrize("version", BAD_VERSIONS, ids=[repr(v) for v in BAD_VERSIONS])
def test_an_index_version_that_is_not_strict_is_refused_before_any_path(tmp_path, cache, version):
    index = tmp_path / "releases.json"
    index.write_text(json.dumps(index_with([version], "a" * 64)))
    with pytest.raises(DatapackageError, match="is not X.Y.Z; the index is refused before any path is built from it"):
        darkweb_enforcement.load(index=index)
    assert not cache.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["releases.json"]


@pytest.mark.parametrize("version", ["../1.0.0", "1.0.0\n", "١.٠.٠", "1.0"])
def test_a_requested_version_that_is_not_strict_is_refused(cache, version):
    with pytest.raises(DatapackageError, match="is not a version X.Y.Z"):
        darkweb_enforcement.load(version)
    assert not cache.exists()


@pytest.mark.parametrize(
    "index,message",
    [
        ([], "not a releases index"),
        ({"releases": "x"}, "not a releases index"),
        ({"releases": [1]}, "is not an object"),
        ({"releases": [{"version": "1.0.0", "status": "live", "archive_sha256": "a" * 64}]}, "status 'live'"),
        (
            {"releases": [{"version": "1.0.0", "status": "current", "archive_sha256": "xyz"}]},
            "archive_sha256 must be 64",
        ),
        (
            {"releases": [{"version": "1.0.0", "status": "current", "archive_sha256": "a" * 64, "commit": "HEAD"}]},
            "commit 'HEAD' is not 40 hex",
        ),
        (
            {
                "releases": [
                    {"version": "1.0.0", "status": "current", "archive_sha256": "a" * 64},
                    {"version": "1.1.0", "status": "current", "archive_sha256": "a" * 64},
                ]
            },
            "2 releases are current",
        ),
        ({"releases": [{"version": "1.0.0", "status": "current", "archive_sha256": "a" * 64}] * 2}, "listed twice"),
        ({"base_url": 5, "releases": []}, "base_url must be a string"),
    ],
)
def test_an_index_of_the_wrong_shape_is_refused(index, message):
    with pytest.raises(DatapackageError, match=message):
        check_index(index, "releases.json")


def test_an_index_that_is_not_json_is_refused(tmp_path):
    (tmp_path / "releases.json").write_text("<html>login</html>")
    with pytest.raises(DatapackageError, match="is not releases.json \\(not JSON; an HTML page\\?\\)"):
        darkweb_enforcement.load(index=tmp_path / "releases.json")


@pytest.mark.parametrize("url_pattern", ["{base_url}/../../{version}.zip/{version}", "{version}.zip"])
def test_a_url_pattern_without_exactly_one_version_and_a_base_is_refused(tmp_path, built_release, url_pattern):
    index = index_with(["9.9.9"], sha256_file(built_release[1])) | {"url_pattern": url_pattern}
    (tmp_path / "releases.json").write_text(json.dumps(index))
    with pytest.raises(DatapackageError, match="url_pattern"):
        darkweb_enforcement.load(index=tmp_path / "releases.json")


DESCRIPTOR_PATHS = [
    "../outside.csv",
    "/etc/passwd",
    "data/../../outside.csv",
    "https://example.org/x.csv",
    "file:///etc/passwd",
    "~/x.csv",
    "data\\agencies.csv",
    "data/link.csv",
]


@pytest.mark.parametrize("rel", DESCRIPTOR_PATHS)
def test_a_descriptor_path_leaving_the_release_is_refused_by_verify_and_load(built_release, tmp_path, rel):
    folder = copy_release(built_release, tmp_path)
    (tmp_path / "outside.csv").write_bytes((folder / "data" / "agencies.csv").read_bytes())
    (folder / "data" / "link.csv").symlink_to(tmp_path / "outside.csv")
    descriptor = json.loads((folder / "datapackage.json").read_text())
    resource = next(r for r in descriptor["resources"] if r["name"] == "agencies")
    resource["path"] = rel
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    (folder / "data" / "link.csv").unlink()
    write_checksums_after = reseal(folder)
    (write_checksums_after / "data" / "link.csv").symlink_to(tmp_path / "outside.csv")
    assert any("agencies" in line or "link.csv" in line for line in verify_path(folder).differences)
    with pytest.raises(DatapackageError):
        darkweb_enforcement.load(path=folder, tables=["agencies"], format="csv")


def test_a_resource_whose_file_is_missing_fails_verify(built_release, tmp_path):
    folder = copy_release(built_release, tmp_path)
    (folder / "data" / "markets.parquet").unlink()
    reseal(folder)
    assert any(line.startswith("markets: ") and "missing" in line for line in verify_path(folder).differences)


# class 6: archives are opened defensively
def zip_with(path: Path, entries: list[tuple[str, bytes]], method=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def test_a_zip_bomb_is_refused_before_extraction(tmp_path):
    bomb = zip_with(tmp_path / "bomb.zip", [("darkweb-enforcement-9.9.9/data/x.csv", b"0" * (64 << 20))])
    with pytest.raises(UnsafeRelease, match="expands .* times \\(a zip bomb\\?\\)"):
        extract_archive(bomb, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_duplicate_entry_names_are_refused(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is asked to write
        dup = zip_with(
            tmp_path / "dup.zip",
            [("darkweb-enforcement-9.9.9/SHA256SUMS", b"a"), ("darkweb-enforcement-9.9.9/SHA256SUMS", b"b")],
        )
    with pytest.raises(UnsafeRelease, match="appears more than once"):
        extract_archive(dup, tmp_path / "x")


def test_an_unsupported_compression_method_is_refused(tmp_path):
    lzma = zip_with(
        tmp_path / "lzma.zip", [("darkweb-enforcement-9.9.9/SHA256SUMS", b"a" * 100)], method=zipfile.ZIP_LZMA
    )
    with pytest.raises(UnsafeRelease, match="uses compression method 14"):
        extract_archive(lzma, tmp_path / "x")


def test_an_encrypted_entry_is_refused(tmp_path):
    archive = zip_with(tmp_path / "enc.zip", [("darkweb-enforcement-9.9.9/SHA256SUMS", b"a" * 100)])
    data = bytearray(archive.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the encryption flag in both headers
        at = data.find(signature)
        data[at + offset] |= 1
    archive.write_bytes(bytes(data))
    with pytest.raises(UnsafeRelease, match="is encrypted"):
        extract_archive(archive, tmp_path / "x")


def test_corrupt_compressed_data_is_one_clear_error(tmp_path, built_release):
    data = bytearray(built_release[1].read_bytes())
    data[2000] ^= 0xFF  # inside the first entry's compressed data
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(bytes(data))
    with pytest.raises(DatapackageError, match="corrupt"):
        extract_archive(corrupt, tmp_path / "x")
    assert not (tmp_path / "x" / "darkweb-enforcement-0.1.0").exists()


# class 8: Parquet is checked against the Table Schema
PARQUET_MUTATIONS = [
    (
        "operations",
        "announced_on",
        lambda n: __import__("pyarrow").array(["05/02/2023"] * n),
        "column 'announced_on' is string but the Table Schema says date",
    ),
    (
        "reported_totals",
        "value",
        lambda n: __import__("pyarrow").array(["12"] * n),
        "column 'value' is string but the Table Schema says number",
    ),
    (
        "reported_totals",
        "qualifier",
        lambda n: __import__("pyarrow").array(["roughly"] * n).dictionary_encode(),
        "column 'qualifier' holds \\['roughly'\\], outside its enum",
    ),
    (
        "headline_totals",
        "n_claims",
        lambda n: __import__("pyarrow").array([1.5] * n),
        "column 'n_claims' is double but the Table Schema says integer",
    ),
]


@pytest.mark.parametrize("table,column,values,message", PARQUET_MUTATIONS, ids=[m[1] for m in PARQUET_MUTATIONS])
def test_a_parquet_column_of_the_wrong_type_is_an_error_not_a_guess(
    built_release, tmp_path, table, column, values, message
):
    import pyarrow.parquet as pq

    folder = copy_release(built_release, tmp_path)
    path = folder / "data" / f"{table}.parquet"
    data = pq.read_table(path)
    pq.write_table(data.set_column(data.schema.get_field_index(column), column, values(data.num_rows)), path)
    reseal(folder)
    with pytest.raises(DatapackageError, match=message):
        darkweb_enforcement.load(path=folder, tables=[table])


@pytest.mark.parametrize(
    "descriptor",
    [
        [],
        {"resources": "x"},
        {"resources": [{"path": "data/x.csv"}]},
        {"resources": [{"name": "t", "schema": "schemas/t.json"}]},
    ],
)
def test_a_release_descriptor_of_the_wrong_shape_is_a_clear_error(built_release, tmp_path, descriptor):
    folder = copy_release(built_release, tmp_path)
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    (folder / "SHA256SUMS").unlink()
    write_checksums(folder)
    with pytest.raises(DatapackageError, match="datapackage.json"):
        darkweb_enforcement.load(path=folder)


# class 3: any date the schema accepts loads
def test_the_loader_reads_dates_far_outside_pandas_nanosecond_range(built_release, tmp_path):
    folder = copy_release(built_release, tmp_path)
    path = folder / "data" / "operations.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace("2023-05-02", "0001-01-01", 1)
    lines[2] = lines[2].replace("2023-05-02", "9999-12-31", 1)
    path.write_text("\n".join(lines) + "\n")
    reseal(folder)
    operations = darkweb_enforcement.load_table("operations", path=folder, format="csv")
    assert operations["announced_on"].dtype == "datetime64[s]"
    assert [str(d.date()) for d in operations["announced_on"]] == ["0001-01-01", "9999-12-31"]


def test_dates_at_both_ends_of_the_plausible_range_validate_build_and_load(tmp_path):
    import datetime as dt

    from darkweb_enforcement.build import build_release
    from darkweb_enforcement.synthetic import write_package

    root = write_package(tmp_path / "pkg", 60)
    path = root / "seeds" / "operations.csv"
    latest = (dt.date.today() + dt.timedelta(days=31)).isoformat()
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace("2023-01-01,month", "1990-01-01,day")
    lines[1] = lines[1].replace("2023-05-02,day", f"{latest},day")
    path.write_text("\n".join(lines) + "\n")
    operations = darkweb_enforcement.load_table("operations", path=build_release(root, tmp_path / "dist"))
    assert (str(operations.loc[0, "started_on"].date()), str(operations.loc[0, "announced_on"].date())) == (
        "1990-01-01",
        latest,
    )


# the R loader refuses the same
def run_r(tmp_path: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    script = (
        f'source("{R_LOADER}"); args <- commandArgs(TRUE); x <- dwe_load(args[1], index = args[2]); cat("loaded\\n")'
    )
    return subprocess.run(
        ["Rscript", "-e", script, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, **(env or {})},
    )


def needs_r(test):
    """Mark a test slow (it starts R), and skip it when Rscript is missing unless DWE_REQUIRE_R is set."""
    missing = shutil.which("Rscript") is None and not os.environ.get("DWE_REQUIRE_R")
    return pytest.mark.slow(pytest.mark.skipif(missing, reason="Rscript is not installed")(test))


@needs_r
@pytest.mark.parametrize("version", ["../../evil", "1.0.0\n", "١.٠.٠", "1.0"])
def test_r_refuses_an_index_version_that_is_not_strict(tmp_path, version):
    (tmp_path / "releases.json").write_text(json.dumps(index_with([version], "a" * 64)))
    done = run_r(tmp_path, "current", str(tmp_path / "releases.json"), env={"DWE_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode != 0 and "is not X.Y.Z; the index is refused before any path is built from it" in done.stderr
    assert not (tmp_path / "cache").exists()


@needs_r
@pytest.mark.parametrize("rel", ["../outside.csv", "/etc/passwd", "data/../../outside.csv"])
def test_r_refuses_a_descriptor_path_leaving_the_release(built_release, tmp_path, rel):
    folder = copy_release(built_release, tmp_path)
    (tmp_path / "outside.csv").write_bytes((folder / "data" / "agencies.csv").read_bytes())
    descriptor = json.loads((folder / "datapackage.json").read_text())
    next(r for r in descriptor["resources"] if r["name"] == "agencies")["path"] = rel
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    reseal(folder)
    done = run_r(tmp_path, str(folder), "releases.json")
    assert done.returncode != 0 and "must stay inside the release folder" in done.stderr


@needs_r
def test_r_refuses_a_zip_bomb_and_duplicates(tmp_path):
    bomb = zip_with(tmp_path / "bomb.zip", [("darkweb-enforcement-9.9.9/data/x.csv", b"0" * (64 << 20))])
    done = run_r(tmp_path, str(bomb), "releases.json")
    assert done.returncode != 0 and "a zip bomb?" in done.stderr
    assert not list(tmp_path.glob("**/x.csv"))
