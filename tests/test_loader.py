"""darkweb_enforcement.load: download once, verify, cache, and type every column as its Table Schema says."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import darkweb_enforcement
import duckdb
import pandas as pd
import polars as pl
import pytest
from darkweb_enforcement.checksums import sha256_file
from darkweb_enforcement.errors import ChecksumMismatch, DatapackageError
from darkweb_enforcement.validate import CURATED_TABLES

TABLES = sorted([*CURATED_TABLES, "changes", "coverage", "headline_totals"])
KIND = {"string": "string", "number": "float64", "integer": "Int64", "date": "datetime64[s]", "boolean": "boolean"}


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch) -> Path:
    """Every test downloads into its own empty cache."""
    monkeypatch.setenv("DWE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DWE_BASE_URL", raising=False)
    return tmp_path / "cache"


def entry(version: str, status: str, archive: Path) -> dict:
    """A releases.json entry recording the genuine archive's sha256."""
    return {
        "version": version,
        "date": "2026-01-01",
        "status": status,
        "commit": "0" * 40,
        "archive": f"darkweb-enforcement-{version}.zip",
        "archive_sha256": sha256_file(archive),
        "archive_bytes": archive.stat().st_size,
        "row_counts": {},
    }


@pytest.fixture
def site(file_server, built_release) -> tuple:
    """A server holding 0.1.0 (genuine), 0.0.9 (one byte changed) and 0.0.8 (an HTML page), and releases.json."""
    archive = built_release[1]
    www = file_server.folder
    shutil.copy(archive, www / "darkweb-enforcement-0.1.0.zip")
    tampered = bytearray(archive.read_bytes())
    tampered[len(tampered) // 2] ^= 1
    (www / "darkweb-enforcement-0.0.9.zip").write_bytes(bytes(tampered))
    (www / "darkweb-enforcement-0.0.8.zip").write_text("<!DOCTYPE html><html><body>Sign in to continue</body></html>")
    index = {
        "dataset": "darkweb-enforcement",
        "url_pattern": "{base_url}/darkweb-enforcement-{version}.zip",
        "base_url": file_server.url,
        "releases": [
            entry("0.1.0", "current", archive),
            entry("0.0.9", "superseded", archive),
            entry("0.0.8", "superseded", archive),
        ],
    }
    (www / "releases.json").write_text(json.dumps(index))
    return file_server, f"{file_server.url}/releases.json"


def test_download_is_verified_and_cached(site, cache):
    server, index = site
    frames = darkweb_enforcement.load(version="0.1.0", index=index)
    assert sorted(frames) == TABLES and len(frames["reported_totals"]) == 100
    assert server.requests == ["/releases.json", "/darkweb-enforcement-0.1.0.zip"]
    assert (cache / "0.1.0" / "darkweb-enforcement-0.1.0.zip").is_file()


def test_second_call_for_a_cached_version_makes_no_request(site):
    server, index = site
    darkweb_enforcement.load(version="0.1.0", index=index)
    server.requests.clear()
    table = darkweb_enforcement.load_table("operations", "0.1.0", index=index)
    assert server.requests == [] and len(table) == 2


def test_no_version_loads_the_current_release(site):
    server, index = site
    assert len(darkweb_enforcement.load_table("reported_totals", index=index)) == 100
    assert server.requests[-1] == "/darkweb-enforcement-0.1.0.zip"


def test_cached_version_loads_offline(site, built_release, tmp_path):
    server, index = site
    darkweb_enforcement.load(version="0.1.0", index=index)
    local_index = tmp_path / "releases.json"
    shutil.copy(server.folder / "releases.json", local_index)
    server.stop()
    assert len(darkweb_enforcement.load_table("sources", "0.1.0", index=index)) == 5
    assert len(darkweb_enforcement.load_table("sources", "0.1.0", index=local_index)) == 5


def test_current_release_falls_back_to_the_cached_index_offline(site):
    server, index = site
    darkweb_enforcement.load(index=index)
    server.stop()
    with pytest.warns(
        UserWarning, match=r"could not fetch http://127\.0\.0\.1:\d+/releases\.json; using the copy cached at "
    ):
        assert len(darkweb_enforcement.load_table("sources", index=index)) == 5


def test_withdrawn_release_loads_with_a_warning(site, tmp_path):
    server, _ = site
    index = json.loads((server.folder / "releases.json").read_text())
    index["releases"][0]["status"] = "withdrawn"
    (tmp_path / "releases.json").write_text(json.dumps(index))
    with pytest.warns(UserWarning, match=r"release 0\.1\.0 is withdrawn; prefer the current release"):
        darkweb_enforcement.load(version="0.1.0", index=tmp_path / "releases.json", tables=["sources"])


def test_missing_archive_names_the_url(site, cache):
    server, index = site
    (server.folder / "darkweb-enforcement-0.1.0.zip").unlink()
    with pytest.raises(
        DatapackageError,
        match=r"could not download release 0\.1\.0 from http://127\.0\.0\.1:\d+/darkweb-enforcement-0\.1\.0\.zip \(404 .*\); check base_url / DWE_BASE_URL or your connection",
    ):
        darkweb_enforcement.load(version="0.1.0", index=index)
    assert not (cache / "0.1.0").exists()


def test_offline_without_cache_says_so(site):
    server, index = site
    server.stop()
    with pytest.raises(
        DatapackageError,
        match=r"could not fetch http://127\.0\.0\.1:\d+/releases\.json \(.*\); nothing is cached for it yet",
    ):
        darkweb_enforcement.load(version="0.0.9", index=index)  # 0.1.0 would load from the bundle, offline


def test_tampered_archive_is_refused_and_not_cached(site, built_release, cache):
    _, index = site
    expected = sha256_file(built_release[1])
    with pytest.raises(
        ChecksumMismatch,
        match=rf"^sha256 of darkweb-enforcement-0\.0\.9\.zip from http://127\.0\.0\.1:\d+/darkweb-enforcement-0\.0\.9\.zip: expected {expected} but got [0-9a-f]{{64}}; the download was deleted$",
    ):
        darkweb_enforcement.load(version="0.0.9", index=index)
    assert not (cache / "0.0.9").exists()


def test_html_page_is_refused(site, cache):
    _, index = site
    with pytest.raises(
        DatapackageError,
        match=r"/darkweb-enforcement-0\.0\.8\.zip sent an HTML page instead of darkweb-enforcement-0\.0\.8\.zip; check base_url / DWE_BASE_URL\. The download was deleted",
    ):
        darkweb_enforcement.load(version="0.0.8", index=index)
    assert not (cache / "0.0.8").exists()


def test_unknown_version_lists_the_known_ones(site):
    _, index = site
    with pytest.raises(
        DatapackageError,
        match=r"releases\.json has no release 9\.9\.9; known versions: 0\.1\.0 \(current\), 0\.0\.9 \(superseded\), 0\.0\.8 \(superseded\)$",
    ):
        darkweb_enforcement.load(version="9.9.9", index=index)


def test_base_url_comes_from_the_argument_then_the_environment(site, tmp_path, monkeypatch):
    server, _ = site
    index = json.loads((server.folder / "releases.json").read_text()) | {"base_url": ""}
    (tmp_path / "releases.json").write_text(json.dumps(index))
    with pytest.raises(
        DatapackageError,
        match="no download host for release 0.1.0: the index has no base_url; pass base_url= or set DWE_BASE_URL",
    ):
        darkweb_enforcement.load(version="0.1.0", index=tmp_path / "releases.json")
    assert (
        len(darkweb_enforcement.load_table("sources", "0.1.0", index=tmp_path / "releases.json", base_url=server.url))
        == 5
    )
    monkeypatch.setenv("DWE_BASE_URL", server.url)
    assert len(darkweb_enforcement.load_table("sources", "0.1.0", index=tmp_path / "releases.json")) == 5


def test_missing_table_names_the_tables_that_exist(built_release):
    with pytest.raises(
        DatapackageError,
        match=r"table 'claims' is not in darkweb-enforcement-0\.1\.0; its tables are: agencies, changes, countries, coverage, headline_totals, markets, ",
    ):
        darkweb_enforcement.load(path=built_release[0], tables=["claims"])


def test_folder_and_archive_give_the_same_frames(built_release):
    folder, archive = built_release
    from_folder, from_archive = darkweb_enforcement.load(path=folder), darkweb_enforcement.load(path=str(archive))
    assert list(from_folder) == TABLES
    for name in TABLES:
        pd.testing.assert_frame_equal(from_folder[name], from_archive[name])


@pytest.mark.parametrize("table", TABLES)
def test_csv_and_parquet_give_identical_frames(built_release, table):
    csv = darkweb_enforcement.load_table(table, path=built_release[0], format="csv")
    parquet = darkweb_enforcement.load_table(table, path=built_release[0], format="parquet")
    pd.testing.assert_frame_equal(csv, parquet, check_exact=True)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_dtypes_follow_the_table_schema(built_release, fmt):
    folder = built_release[0]
    frames = darkweb_enforcement.load(path=folder, format=fmt)
    for resource in json.loads((folder / "datapackage.json").read_text())["resources"]:
        if "schema" not in resource:
            continue  # the SQLite database
        frame = frames[resource["name"]]
        assert list(frame.columns) == [f["name"] for f in resource["schema"]["fields"]]
        for field in resource["schema"]["fields"]:
            enum = field.get("constraints", {}).get("enum")
            expected = pd.CategoricalDtype(enum) if enum else KIND[field["type"]]
            assert frame[field["name"]].dtype == expected, (resource["name"], field["name"])


def test_values_keep_their_meaning(built_release):
    claims = darkweb_enforcement.load_table("reported_totals", path=built_release[0])
    assert list(claims["qualifier"].cat.categories[:3]) == ["exact", "approximately", "more_than"]
    assert not claims["qualifier"].cat.ordered
    assert claims.loc[0, "as_of"] == pd.Timestamp("2023-05-02") and claims["value"].sum() == sum(range(100))
    assert claims["item"].isna().all() and claims["market_id"].isna().all()
    countries = darkweb_enforcement.load_table("countries", path=built_release[0]).set_index("code")
    assert countries.loc["NA", "name"] == "Namibia" and countries.loc["WORLD", "is_aggregate"]
    headline = darkweb_enforcement.load_table("headline_totals", path=built_release[0])
    assert headline["n_claims"].dtype == "Int64" and headline["n_claims"].min() >= 1


def test_changed_file_in_a_folder_is_refused(built_release, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(built_release[0], copy)
    target = copy / "data" / "operations.parquet"
    target.write_bytes(target.read_bytes()[:-1] + b"\0")
    with pytest.raises(
        ChecksumMismatch,
        match=r"copy does not match its SHA256SUMS: data/operations\.parquet: sha256 expected [0-9a-f]{64} but got [0-9a-f]{64}; .*nothing was read",
    ):
        darkweb_enforcement.load(path=copy)


def test_html_file_given_as_archive_is_refused(tmp_path):
    page = tmp_path / "darkweb-enforcement-0.1.0.zip"
    page.write_text("<!DOCTYPE html><html></html>")
    with pytest.raises(
        DatapackageError,
        match=r"darkweb-enforcement-0\.1\.0\.zip: not a zip archive or corrupt \(.*\); was it truncated or an HTML error page\?",
    ):
        darkweb_enforcement.load(path=page)


def test_bad_arguments_are_refused(built_release, tmp_path):
    with pytest.raises(DatapackageError, match=r"format 'xlsx' is not one of \['parquet', 'csv'\]"):
        darkweb_enforcement.load(path=built_release[0], format="xlsx")
    with pytest.raises(DatapackageError, match="give a version or a path, not both"):
        darkweb_enforcement.load("0.1.0", path=built_release[0])
    with pytest.raises(DatapackageError, match=r"nowhere: no such release folder or archive"):
        darkweb_enforcement.load(path=tmp_path / "nowhere")
    with pytest.raises(DatapackageError, match=r"releases\.json: no releases\.json here; pass index="):
        darkweb_enforcement.load(index=tmp_path / "releases.json")


def test_importing_the_package_stays_cheap():
    code = "import sys, darkweb_enforcement; print(sorted(m for m in ('pandas', 'pyarrow', 'pooch', 'frictionless') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


@pytest.mark.slow
def test_loading_keeps_frictionless_and_click_out(built_release):
    code = (
        "import sys, darkweb_enforcement, darkweb_enforcement.fetch; darkweb_enforcement.load(path=sys.argv[1]); "
        "print(sorted(m for m in ('frictionless', 'click') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(built_release[1])], capture_output=True, text=True, check=True
    )
    assert done.stdout == "[]\n"


def test_duckdb_reads_the_parquet_types(built_release):
    path = built_release[0] / "data" / "reported_totals.parquet"
    types = dict(
        duckdb.sql(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{path}'))").fetchall()
    )
    # duckdb reads dictionary-encoded Parquet strings as VARCHAR; the levels live in the schema
    assert (types["as_of"], types["value"], types["metric"], types["claim_id"]) == (
        "DATE",
        "DOUBLE",
        "VARCHAR",
        "VARCHAR",
    )
    assert duckdb.sql(f"SELECT sum(value) FROM read_parquet('{path}') WHERE metric = 'searches'").fetchall() == [
        (float(sum(range(3, 100, 4))),)
    ]


def test_polars_reads_the_parquet_types(built_release):
    frame = pl.read_parquet(built_release[0] / "data" / "reported_totals.parquet")
    assert (frame.schema["as_of"], frame.schema["value"], frame.schema["metric"], frame.schema["claim_id"]) == (
        pl.Date,
        pl.Float64,
        pl.Categorical,
        pl.String,
    )
    headline = pl.read_parquet(built_release[0] / "data" / "headline_totals.parquet")
    assert (headline.schema["n_claims"], headline.schema["conflict"]) == (pl.Int64, pl.Boolean)
