"""The real curated seeds: valid table by table, and complete enough for the questions researchers ask."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest
from darkweb_enforcement.paths import REPO_ROOT
from darkweb_enforcement.validate import CURATED_TABLES, validate_package

SWEEPS = [
    "hyperion-2016",
    "disarray-2018",
    "dark-gold-2018",
    "sabotor-2019",
    "disruptor-2020",
    "dark-huntor-2021",
    "spector-2023",
    "raptor-2025",
]


@pytest.fixture(scope="module")
def validation():
    return validate_package(REPO_ROOT)


def rows(table: str) -> list[dict]:
    with open(REPO_ROOT / "seeds" / f"{table}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("table", CURATED_TABLES)
def test_seed_table_is_valid(validation, table):
    assert [p.line() for p in validation.problems if p.table in (table, "datapackage")] == []
    assert validation.strings[table].num_rows > 0


def test_every_sweep_has_worldwide_arrests_from_two_publishers():
    publisher = {s["source_id"]: s["publisher"] for s in rows("sources")}
    by_operation = defaultdict(set)
    for c in rows("reported_totals"):
        if c["scope_code"] == "WORLD" and c["metric"] in ("arrests", "contacts", "identifications"):
            by_operation[c["operation_id"]].add(publisher[c["source_id"]])
    for operation in SWEEPS:
        assert len(by_operation[operation]) >= 2, operation


def test_the_dataset_holds_75_operations_and_1900_claims():
    assert len(rows("operations")) >= 75 and len(rows("reported_totals")) >= 1900


def test_every_operation_has_a_sourced_claim_and_an_agency():
    with_claims = {c["operation_id"] for c in rows("reported_totals")}
    with_agencies = {a["operation_id"] for a in rows("operation_agencies")}
    operations = {o["operation_id"] for o in rows("operations")}
    assert operations - with_claims == set() and operations - with_agencies == set()


def test_sweeps_hold_at_least_150_claims():
    claims = [c for c in rows("reported_totals") if c["operation_id"] in SWEEPS]
    assert len(claims) >= 150


def test_spector_keeps_its_known_conflicts_as_separate_claims():
    spector = [c for c in rows("reported_totals") if c["operation_id"] == "spector-2023"]
    firearms = {
        (c["value"], c["qualifier"])
        for c in spector
        if c["metric"] == "seizure_firearms" and c["scope_code"] == "WORLD"
    }
    assert {("117", "exact"), ("120", "more_than")} <= firearms
    money_units = {
        c["unit"] for c in spector if c["metric"] == "seizure_cash_and_crypto" and c["scope_code"] == "WORLD"
    }
    assert {"EUR", "USD"} <= money_units
    arrests = {(c["scope_code"], c["value"]) for c in spector if c["metric"] == "arrests"}
    assert {("WORLD", "288"), ("US", "153")} <= arrests


def test_market_table_covers_at_least_105_markets_each_cited():
    markets = rows("markets")
    assert len(markets) >= 105
    assert all(m["source_id"] and m["closure_type"] for m in markets)


def test_relayed_figures_name_an_agency_that_exists():
    agencies = {a["agency_id"] for a in rows("agencies")}
    attributed = [c["attributed_to_agency_id"] for c in rows("reported_totals") if c["attributed_to_agency_id"]]
    assert attributed and set(attributed) <= agencies


@pytest.fixture(scope="module")
def headline(validation) -> dict[tuple, dict]:
    from darkweb_enforcement.headline import headline_rows

    t = validation.typed
    return {
        (h["operation_id"], h["metric"], h["item"], h["scope_code"], h["unit_family"]): h
        for h in headline_rows(t["reported_totals"], t["sources"], t["operation_agencies"], t["agencies"])
    }


# issue 15: the better-supported figure wins where rule 1 let a stray report win
EXPECTED_HEADLINES = [
    (("adam-bomb-2012", "arrests", "", "WORLD", "count"), 8),
    (("disruptor-2020", "arrests", "", "US", "count"), 121),
    (("raptor-2025", "arrests", "", "NL", "count"), 4),
    (("dark-huntor-2021", "arrests", "", "WORLD", "count"), 150),
    (("dark-huntor-2021", "seizure_cash_and_crypto", "", "WORLD", "USD"), 31_600_000),
    (("darkode-takedown-2015", "arrests", "", "WORLD", "count"), 28),
    (("wall-street-market-takedown-2019", "seizure_cash", "cash", "DE", "EUR"), 550_000),
    (("spector-2023", "arrests", "", "WORLD", "count"), 288),
    (("spector-2023", "arrests", "", "US", "count"), 153),
    (("spector-2023", "arrests", "", "GB", "count"), 55),
    (("spector-2023", "seizure_firearms", "firearm", "WORLD", "count"), 117),
    (("spector-2023", "seizure_drugs_mass", "all_drugs", "WORLD", "mass"), 850),
    (("spector-2023", "seizure_drugs_mass", "fentanyl_laced", "WORLD", "mass"), 64),
    (("spector-2023", "seizure_cash_and_crypto", "", "WORLD", "USD"), 53_400_000),
]


@pytest.mark.parametrize(
    "group,value", EXPECTED_HEADLINES, ids=["/".join(g[:2] + g[3:4]) for g, _ in EXPECTED_HEADLINES]
)
def test_headline_gives_the_better_supported_figure(headline, group, value):
    row = headline[group]
    assert row["value"] == value and row["rule_version"] == "2", row


def test_no_market_is_called_active_without_a_date():
    markets = rows("markets")
    assert "active" not in {m["closure_type"] for m in markets}
    assert all(m["last_seen_active_on"] for m in markets if m["closure_type"] == "none_reported")
