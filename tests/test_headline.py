"""The headline rule, pinned on the known conflicts."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from datapackage.headline import headline_rows

SOURCES = pa.table({
    "source_id": ["doj", "europol", "news", "news2"],
    "primacy": ["primary", "primary", "secondary", "secondary"],
    "published_on": [dt.date(2020, 9, 22), dt.date(2020, 9, 22), dt.date(2020, 9, 23), None],
})
TOOK_PART = pa.table({"operation_id": ["op"], "agency_id": ["us-doj"]})


def claims(*rows: tuple) -> pa.Table:
    names = ["claim_id", "operation_id", "metric", "item", "scope_code", "value", "unit", "qualifier", "as_of", "source_id", "attributed_to_agency_id", "status"]
    types = {"value": pa.float64(), "as_of": pa.date32()}
    return pa.table({n: pa.array([r[i] for r in rows], types.get(n, pa.string())) for i, n in enumerate(names)})


def rows_for(*rows: tuple) -> list[dict]:
    return headline_rows(claims(*rows), SOURCES, TOOK_PART)


def test_disruptor_63_vs_64_firearms_is_a_conflict_and_the_primary_figure_wins():
    (row,) = rows_for(
        ("c1", "op", "seizure_firearms", "firearm", "WORLD", 64.0, "count", "exact", None, "europol", None, "current"),
        ("c2", "op", "seizure_firearms", "firearm", "WORLD", 63.0, "count", "exact", None, "doj", None, "current"),
        ("c3", "op", "seizure_firearms", "firearm", "WORLD", 60.0, "count", "approximately", None, "news", None, "current"),
    )
    assert (row["preferred_claim_id"], row["value"], row["tier"]) == ("c2", 63.0, 1)
    assert (row["n_claims"], row["n_sources"], row["min_value"], row["max_value"], row["conflict"]) == (3, 3, 60.0, 64.0, True)


def test_eur_and_usd_are_separate_families_not_a_conflict():
    rows = rows_for(
        ("c1", "op", "seizure_cash_and_crypto", None, "WORLD", 50.8e6, "EUR", "exact", None, "europol", None, "current"),
        ("c2", "op", "seizure_cash_and_crypto", None, "WORLD", 53.4e6, "USD", "exact", None, "doj", None, "current"),
    )
    assert [(r["unit_family"], r["value"], r["conflict"]) for r in rows] == [("EUR", 50.8e6, False), ("USD", 53.4e6, False)]


def test_attributed_figure_beats_a_news_figure_and_pounds_compare_in_kg():
    (row,) = rows_for(
        ("c1", "op", "seizure_drugs_mass", "all_drugs", "WORLD", 1874.0, "lb", "exact", None, "news", "us-doj", "current"),
        ("c2", "op", "seizure_drugs_mass", "all_drugs", "WORLD", 800.0, "kg", "more_than", None, "news2", None, "current"),
    )
    assert (row["preferred_claim_id"], row["tier"], row["unit_family"]) == ("c1", 2, "mass")
    assert round(row["value_kg"], 3) == 850.032  # 1874 lb x 0.45359237
    assert row["min_value"] == 800.0 and row["conflict"] is True


def test_within_a_tier_latest_date_then_exact_then_lowest_and_undated_last():
    (row,) = rows_for(
        ("c1", "op", "arrests", None, "WORLD", 150.0, "persons", "exact", None, "news2", None, "current"),
        ("c2", "op", "arrests", None, "WORLD", 152.0, "persons", "more_than", dt.date(2021, 11, 1), "news", None, "current"),
        ("c3", "op", "arrests", None, "WORLD", 151.0, "persons", "exact", dt.date(2021, 11, 1), "news", None, "current"),
    )
    assert row["preferred_claim_id"] == "c3"


def test_withdrawn_claims_are_ignored_and_equal_values_are_no_conflict():
    (row,) = rows_for(
        ("c1", "op", "arrests", None, "WORLD", 288.0, "persons", "exact", None, "news", None, "current"),
        ("c2", "op", "arrests", None, "WORLD", 288.0, "persons", "approximately", None, "news2", None, "current"),
        ("c3", "op", "arrests", None, "WORLD", 999.0, "persons", "exact", None, "doj", None, "withdrawn"),
    )
    assert (row["preferred_claim_id"], row["n_claims"], row["conflict"]) == ("c1", 2, False)
