"""scripts/load.R reads a release exactly as darkweb_enforcement.load does: same tables, rows, values and types."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import darkweb_enforcement
import pandas as pd
import pytest
from darkweb_enforcement.checksums import sha256_file
from darkweb_enforcement.paths import REPO_ROOT

pytestmark = pytest.mark.slow  # starts R for every test

RSCRIPT = shutil.which("Rscript")
R_KIND = {
    "Date": "date",
    "integer": "integer",
    "factor": "category",
    "numeric": "number",
    "logical": "boolean",
    "character": "string",
}


@pytest.fixture(autouse=True)
def rscript() -> str:
    """Rscript, or a skip; CI sets DWE_REQUIRE_R=1 so that a missing R fails instead."""
    if RSCRIPT is None:
        reason = "Rscript is not installed (apt-get install r-base-core r-cran-readr r-cran-jsonlite r-cran-digest)"
        if os.environ.get("DWE_REQUIRE_R") == "1":
            pytest.fail(f"DWE_REQUIRE_R=1 but {reason}")
        pytest.skip(reason)
    return RSCRIPT


def run_r(tmp_path: Path, source: str | Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run scripts/test_load.R on `source`; the summary lands in tmp_path/summary.json."""
    command = [RSCRIPT, str(REPO_ROOT / "scripts" / "test_load.R"), str(source), str(tmp_path / "summary.json"), *extra]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300)


def r_summary(tmp_path: Path, source: str | Path, *extra: str, env: dict | None = None) -> dict:
    done = run_r(tmp_path, source, *extra, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads((tmp_path / "summary.json").read_text())


def kind(series: pd.Series) -> str:
    """Name a pandas dtype by the kind R gives the same column."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return "category"
    return {"datetime64[s]": "date", "Int64": "integer", "float64": "number", "boolean": "boolean", "string": "string"}[
        str(series.dtype)
    ]


def plain(value, dtype_kind: str):
    """Turn one pandas cell into what R's JSON summary holds."""
    if pd.isna(value):
        return None
    return value.date().isoformat() if dtype_kind == "date" else value.item() if hasattr(value, "item") else value


def assert_same(r_tables: dict, frames: dict[str, pd.DataFrame]) -> None:
    assert list(r_tables) == list(frames)
    for name, frame in frames.items():
        r_table = r_tables[name]
        assert r_table["rows"] == len(frame), name
        assert list(r_table["columns"]) == list(frame.columns), name
        for column, r_column in r_table["columns"].items():
            k = kind(frame[column])
            assert R_KIND[r_column["class"]] == k, (name, column)
            if k == "category":
                assert r_column["levels"] == list(frame[column].cat.categories), (name, column)
            ours = [plain(v, k) for v in frame[column]]
            if k == "number":
                assert all(
                    (a is None and b is None) or math.isclose(a, b, rel_tol=1e-14)
                    for a, b in zip(r_column["values"], ours, strict=True)
                ), (name, column)
            else:
                assert r_column["values"] == ours, (name, column)


@pytest.mark.parametrize("which", ["folder", "archive"])
def test_r_reads_what_python_reads(built_release, tmp_path, which):
    source = built_release[0] if which == "folder" else built_release[1]
    assert_same(r_summary(tmp_path, source), darkweb_enforcement.load(path=source))


def test_r_types_follow_the_table_schema(built_release, tmp_path):
    tables = r_summary(tmp_path, built_release[0], "reported_totals,headline_totals,countries")
    claims, headline, countries = (
        tables["reported_totals"]["columns"],
        tables["headline_totals"]["columns"],
        tables["countries"]["columns"],
    )
    assert [claims[c]["class"] for c in ("claim_id", "metric", "value", "as_of")] == [
        "character",
        "factor",
        "numeric",
        "Date",
    ]
    assert claims["qualifier"]["levels"][:3] == ["exact", "approximately", "more_than"]
    assert [headline[c]["class"] for c in ("n_claims", "conflict")] == ["integer", "logical"]
    assert countries["code"]["values"][3] == "NA"


def test_r_refuses_a_changed_file(built_release, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(built_release[0], copy)
    (copy / "data" / "operations.csv").write_text("operation_id\nop-x\n")
    done = run_r(tmp_path, copy)
    assert done.returncode != 0
    assert "copy does not match its SHA256SUMS: data/operations.csv: sha256 expected " in done.stderr
    assert "nothing was loaded" in done.stderr


def test_r_names_the_tables_when_one_is_missing(built_release, tmp_path):
    done = run_r(tmp_path, built_release[0], "claims")
    assert (
        "table 'claims' is not in darkweb-enforcement-0.1.0; its tables are: agencies, changes, countries, "
        in done.stderr
    )


def test_r_downloads_a_version_once_and_refuses_a_tampered_one(built_release, file_server, tmp_path):
    archive, www = built_release[1], file_server.folder
    shutil.copy(archive, www / "darkweb-enforcement-0.1.0.zip")
    tampered = bytearray(archive.read_bytes())
    tampered[len(tampered) // 2] ^= 1
    (www / "darkweb-enforcement-0.0.9.zip").write_bytes(bytes(tampered))
    entries = [
        {"version": v, "status": s, "archive_sha256": sha256_file(archive)}
        for v, s in (("0.1.0", "current"), ("0.0.9", "superseded"))
    ]
    (www / "releases.json").write_text(
        json.dumps(
            {
                "url_pattern": "{base_url}/darkweb-enforcement-{version}.zip",
                "base_url": file_server.url,
                "releases": entries,
            }
        )
    )
    env, index = {"DWE_CACHE_DIR": str(tmp_path / "cache")}, f"{file_server.url}/releases.json"
    assert r_summary(tmp_path, "0.1.0", "sources", index, env=env)["sources"]["rows"] == 5
    file_server.requests.clear()
    (www / "darkweb-enforcement-0.1.0.zip").unlink()
    # a cached version loads offline: the index below answers nothing
    assert r_summary(tmp_path, "0.1.0", "sources", "http://127.0.0.1:9/releases.json", env=env)["sources"]["rows"] == 5
    assert file_server.requests == []
    done = run_r(tmp_path, "0.0.9", "sources", index, env=env)
    assert (
        f"sha256 of darkweb-enforcement-0.0.9.zip from {file_server.url}/darkweb-enforcement-0.0.9.zip: expected {sha256_file(archive)} but got "
        in done.stderr
    )
    assert not (tmp_path / "cache" / "0.0.9").exists()
