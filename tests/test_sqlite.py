"""The SQLite copy of a release: typed tables, keys, full-text search, views, Datasette metadata."""

from __future__ import annotations

import csv
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from darkweb_enforcement.errors import DatapackageError
from darkweb_enforcement.sqlite import datasette_metadata, write_sqlite


def descriptor_of(release: Path) -> dict:
    return json.loads((release / "datapackage.json").read_text(encoding="utf-8"))


def csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def database(real_release: Path, tmp_path_factory) -> sqlite3.Connection:
    target = tmp_path_factory.mktemp("sqlite") / "darkweb-enforcement.db"
    write_sqlite(real_release, descriptor_of(real_release)["resources"], target)
    db = sqlite3.connect(target)
    yield db
    db.close()


def csv_only(resources: list[dict]) -> list[dict]:
    """The resources without their Parquet copies, so the database is read from the (edited) CSV files."""
    return [{k: v for k, v in r.items() if k != "parquet"} for r in resources]


def test_the_database_holds_the_same_rows_from_parquet_and_from_csv(real_release, tmp_path):
    resources = descriptor_of(real_release)["resources"]
    write_sqlite(real_release, resources, tmp_path / "parquet.db")
    write_sqlite(real_release, csv_only(resources), tmp_path / "csv.db")
    assert (tmp_path / "parquet.db").read_bytes() == (tmp_path / "csv.db").read_bytes()


def one(db: sqlite3.Connection, sql: str, *params):
    return db.execute(sql, params).fetchone()


def test_every_tabular_resource_is_a_table_with_all_its_rows(database, real_release):
    tabular = [r for r in descriptor_of(real_release)["resources"] if r.get("schema")]
    assert {"reported_totals", "headline_totals", "sources"} <= {r["name"] for r in tabular}
    for resource in tabular:
        expected = len(csv_rows(real_release / resource["path"]))
        assert one(database, f'SELECT count(*) FROM "{resource["name"]}"') == (expected,), resource["name"]


def test_columns_are_declared_with_the_schema_types(database):
    declared = {name: kind for _, name, kind, *_ in database.execute("PRAGMA table_info(reported_totals)")}
    assert (declared["claim_id"], declared["value"], declared["as_of"]) == ("TEXT", "REAL", "DATE")
    assert {name: kind for _, name, kind, *_ in database.execute("PRAGMA table_info(headline_totals)")}[
        "n_claims"
    ] == "INTEGER"
    assert {name: kind for _, name, kind, *_ in database.execute("PRAGMA table_info(countries)")}[
        "is_aggregate"
    ] == "INTEGER"


def test_values_are_typed_dates_iso_booleans_0_1_and_empty_is_null(database):
    assert one(database, "SELECT typeof(value), value FROM reported_totals WHERE claim_id = 'spector-2023-001'") == (
        "real",
        288.0,
    )
    assert one(
        database, "SELECT announced_on, typeof(announced_on) FROM operations WHERE operation_id = 'spector-2023'"
    ) == ("2023-05-02", "text")
    assert one(database, "SELECT takedown_on FROM operations WHERE operation_id = 'spector-2023'") == (None,)
    assert database.execute("SELECT DISTINCT is_aggregate FROM countries ORDER BY 1").fetchall() == [(0,), (1,)]
    assert one(database, "SELECT is_aggregate FROM countries WHERE code = 'WORLD'") == (1,)
    assert one(database, "SELECT count(*) FROM reported_totals WHERE item = '' OR market_id = ''") == (0,)


def test_the_country_code_NA_stays_text(database):
    assert one(database, "SELECT name, iso3 FROM countries WHERE code = 'NA'") == ("Namibia", "NAM")


def test_primary_and_foreign_keys_come_from_the_schema(database):
    assert [row[5] for row in database.execute("PRAGMA table_info(operation_agencies)") if row[5]] == [1, 2, 3]
    references = {(row[3], row[2], row[4]) for row in database.execute("PRAGMA foreign_key_list(reported_totals)")}
    assert ("source_id", "sources", "source_id") in references
    assert ("scope_code", "countries", "code") in references
    assert ("corrected_by_claim_id", "reported_totals", "claim_id") in references  # resource "" = the same table
    indexes = {row[1] for row in database.execute("PRAGMA index_list(reported_totals)")}
    assert {"reported_totals_source_id_idx", "reported_totals_operation_id_idx"} <= indexes


def test_foreign_key_check_is_clean(database):
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []


def test_headline_by_operation_gives_spector_worldwide_arrests_288(database):
    row = one(
        database,
        "SELECT operation_name, year, value, unit, conflict FROM headline_by_operation "
        "WHERE operation_id = 'spector-2023' AND metric = 'arrests' AND scope_code = 'WORLD'",
    )
    assert row == ("Operation SpecTor", 2023, 288.0, "persons", 1)


def test_arrests_per_operation_year_answers_in_one_select(database):
    assert one(
        database,
        "SELECT year, operation_name, arrests FROM arrests_per_operation_year WHERE operation_id = 'spector-2023'",
    ) == (2023, "Operation SpecTor", 288.0)
    years = dict(database.execute("SELECT year, count(*) FROM arrests_per_operation_year GROUP BY year").fetchall())
    assert (
        years[2023] >= 1
        and sum(years.values())
        == one(database, "SELECT count(*) FROM headline_totals WHERE metric = 'arrests' AND scope_code = 'WORLD'")[0]
    )


def test_claims_with_sources_carry_title_publisher_and_url(database, real_release):
    source = next(
        r
        for r in csv_rows(real_release / "data/sources.csv")
        if r["source_id"] == "highergroundtimes-2023-05-02-spector"
    )
    row = one(
        database,
        "SELECT value, source_title, source_publisher, source_url FROM claims_with_sources WHERE claim_id = 'spector-2023-001'",
    )
    assert row == (288.0, source["title"], source["publisher"], source["url"])
    assert one(database, "SELECT count(*) FROM claims_with_sources") == one(
        database, "SELECT count(*) FROM reported_totals"
    )


def test_market_actions_name_the_operations_that_acted_on_a_market(database):
    rows = database.execute(
        "SELECT market_name, action, operation_name FROM market_actions WHERE operation_id = 'spector-2023'"
    ).fetchall()
    assert rows == [("Monopoly Market", "data_exploited", "Operation SpecTor")]


def test_full_text_search_over_titles_summaries_and_names(database):
    found = database.execute(
        "SELECT o.operation_id FROM operations_fts JOIN operations AS o ON o.rowid = operations_fts.rowid "
        "WHERE operations_fts MATCH 'monopoly' ORDER BY 1"
    ).fetchall()
    assert ("spector-2023",) in found
    titles = database.execute(
        "SELECT s.source_id FROM sources_fts JOIN sources AS s ON s.rowid = sources_fts.rowid WHERE sources_fts MATCH 'spector'"
    ).fetchall()
    assert ("eurasiareview-2023-05-03-spector",) in titles
    assert one(database, "SELECT name FROM markets_fts WHERE markets_fts MATCH 'alphabay'") == ("AlphaBay",)


def test_same_release_gives_the_same_bytes(real_release, tmp_path):
    resources = descriptor_of(real_release)["resources"]
    write_sqlite(real_release, resources, tmp_path / "a.db")
    write_sqlite(real_release, resources, tmp_path / "b.db")
    assert (tmp_path / "a.db").read_bytes() == (tmp_path / "b.db").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db", "b.db"]  # no temporary file left behind


def test_a_missing_optional_table_leaves_out_its_keys_and_views(real_release, tmp_path):
    resources = [r for r in descriptor_of(real_release)["resources"] if r["name"] not in ("markets", "headline_totals")]
    write_sqlite(real_release, resources, tmp_path / "partial.db")
    with sqlite3.connect(tmp_path / "partial.db") as db:
        views = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")]
        assert views == ["claims_with_sources"]
        assert "markets" not in {row[2] for row in db.execute("PRAGMA foreign_key_list(reported_totals)")}
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()


def add_column(path: Path, name: str, value: str) -> None:
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([rows[0] + [name]] + [row + [value] for row in rows[1:]])


def test_a_new_table_and_a_new_column_need_no_change(real_release, tmp_path):
    folder = shutil.copytree(real_release, tmp_path / "next")
    resources = descriptor_of(folder)["resources"]
    headline = next(r for r in resources if r["name"] == "headline_totals")
    headline["schema"]["fields"].append({"name": "reviewed_on", "type": "date"})
    add_column(folder / headline["path"], "reviewed_on", "2027-01-31")
    (folder / "data/briefings.csv").write_text(
        "briefing_id,operation_id,pages,public\nb1,spector-2023,12,true\n", encoding="utf-8"
    )
    resources.append(
        {
            "name": "briefings",
            "path": "data/briefings.csv",
            "schema": {
                "fields": [
                    {"name": "briefing_id", "type": "string"},
                    {"name": "operation_id", "type": "string"},
                    {"name": "pages", "type": "integer"},
                    {"name": "public", "type": "boolean"},
                ],
                "primaryKey": "briefing_id",
                "foreignKeys": [
                    {"fields": "operation_id", "reference": {"resource": "operations", "fields": "operation_id"}}
                ],
            },
        }
    )
    write_sqlite(folder, csv_only(resources), tmp_path / "next.db")
    with sqlite3.connect(tmp_path / "next.db") as db:
        assert one(
            db,
            "SELECT reviewed_on FROM headline_by_operation WHERE operation_id = 'spector-2023' AND metric = 'arrests' AND scope_code = 'WORLD'",
        ) == ("2027-01-31",)
        assert one(db, "SELECT pages, public FROM briefings") == (12, 1)
        assert "briefings_operation_id_idx" in {row[1] for row in db.execute("PRAGMA index_list(briefings)")}
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()


def test_a_foreign_key_to_a_missing_row_is_refused(real_release, tmp_path):
    folder = shutil.copytree(real_release, tmp_path / "broken")
    claims = folder / "data/reported_totals.csv"
    claims.write_text(
        claims.read_text(encoding="utf-8").replace("highergroundtimes-2023-05-02-spector", "no-such-source", 1),
        encoding="utf-8",
    )
    with pytest.raises(
        DatapackageError, match=r"^1 foreign key\(s\) point at missing rows: reported_totals row \d+ -> sources; "
    ):
        write_sqlite(folder, csv_only(descriptor_of(folder)["resources"]), tmp_path / "broken.db")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken"]  # neither the database nor its temporary file


def test_a_value_that_is_not_its_type_names_file_row_and_field(real_release, tmp_path):
    folder = shutil.copytree(real_release, tmp_path / "bad")
    countries = folder / "data/countries.csv"
    countries.write_text(
        countries.read_text(encoding="utf-8").replace("NA,Namibia,NAM,false", "NA,Namibia,NAM,maybe"), encoding="utf-8"
    )
    with pytest.raises(
        DatapackageError, match=r"^data/countries.csv: row \d+: field 'is_aggregate': 'maybe' is not a boolean$"
    ):
        write_sqlite(folder, csv_only(descriptor_of(folder)["resources"]), tmp_path / "bad.db")


def test_datasette_metadata_describes_tables_columns_views_licence_and_citation(real_release):
    descriptor = descriptor_of(real_release)
    metadata = datasette_metadata(descriptor, "dwe")
    claims = next(r for r in descriptor["resources"] if r["name"] == "reported_totals")
    value = next(f for f in claims["schema"]["fields"] if f["name"] == "value")
    tables = metadata["databases"]["dwe"]["tables"]
    assert metadata["title"] == f"{descriptor['title']} {descriptor['version']}"
    assert (metadata["license"], metadata["license_url"]) == (
        "CC-BY-4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    )
    assert metadata["source"] == f"darkweb-enforcement {descriptor['version']} (datapackage.json)"
    assert tables["reported_totals"]["description"] == claims["description"]
    assert tables["reported_totals"]["columns"]["value"] == value["description"]
    assert tables["headline_by_operation"]["description"].startswith(
        "Headline figures with the operation's name and year"
    )
    assert (
        f"darkweb-enforcement curators. {descriptor['title']} (version {descriptor['version']}) [Data set]."
        in metadata["description"]
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, deadline: float) -> bytes:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.slow
def test_datasette_serves_the_tables_and_the_json_api(real_release, tmp_path):
    pytest.importorskip("datasette")
    descriptor = descriptor_of(real_release)
    write_sqlite(real_release, descriptor["resources"], tmp_path / "dwe.db")
    (tmp_path / "dwe.metadata.json").write_text(json.dumps(datasette_metadata(descriptor, "dwe")), encoding="utf-8")
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            str(tmp_path / "dwe.db"),
            "--metadata",
            str(tmp_path / "dwe.metadata.json"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        page = fetch(
            f"{base}/dwe/headline_by_operation?operation_id=spector-2023&metric=arrests&scope_code=WORLD",
            time.monotonic() + 30,
        ).decode("utf-8")
        assert "Operation SpecTor" in page and "Headline figures with the operation" in page
        api = json.loads(
            fetch(f"{base}/dwe/reported_totals.json?claim_id=spector-2023-001&_shape=objects", time.monotonic() + 5)
        )
        assert [(r["operation_id"], r["metric"], r["scope_code"], r["value"]) for r in api["rows"]] == [
            ("spector-2023", "arrests", "WORLD", 288.0)
        ]
        search = json.loads(
            fetch(f"{base}/dwe/sources.json?_search=spector&_shape=objects&_size=max", time.monotonic() + 5)
        )
        assert "eurasiareview-2023-05-03-spector" in {r["source_id"] for r in search["rows"]}
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stderr.close()
