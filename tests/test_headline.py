"""The headline rule, pinned on the known conflicts."""

from __future__ import annotations

import datetime as dt
import random

import pyarrow as pa
import pytest

from darkweb_enforcement.headline import headline_rows

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


def reference_headline(rows: list[tuple]) -> list[tuple]:
    """Rule 1 written out plainly in Python, to check the vectorised version against."""
    from darkweb_enforcement.headline import QUALIFIER_RANK
    from darkweb_enforcement.vocabulary import KG_PER_UNIT, UNIT_FAMILY

    primary = {"doj", "europol"}
    published = dict(zip(SOURCES["source_id"].to_pylist(), SOURCES["published_on"].to_pylist()))
    groups: dict[tuple, list[dict]] = {}
    for claim_id, op, metric, item, scope, value, unit, qualifier, as_of, source, attributed, status in rows:
        if status != "current":
            continue
        family = UNIT_FAMILY[unit] if UNIT_FAMILY[unit] in ("count", "mass") else unit
        comparable = None if value is None else value * KG_PER_UNIT.get(unit, 1.0)
        tier = 1 if source in primary else 2 if (op, attributed) == ("op", "us-doj") else 3
        date = as_of or published[source]
        groups.setdefault((op, metric, item or "", scope, family), []).append(
            {"claim_id": claim_id, "source": source, "comparable": comparable, "tier": tier, "date": date, "rank": QUALIFIER_RANK[qualifier]})
    out = []
    for key in sorted(groups):
        members = groups[key]
        best = min(members, key=lambda m: (m["tier"], m["date"] is None, -(m["date"].toordinal()) if m["date"] else 0, m["rank"],
                                           m["comparable"] is None, m["comparable"] or 0.0, m["claim_id"]))
        values = [m["comparable"] for m in members if m["comparable"] is not None]
        distinct = {round(v, 6) + 0.0 for v in values}
        out.append((*key, best["claim_id"], len(members), len({m["source"] for m in members}), min(values, default=None), max(values, default=None), len(distinct) > 1))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_vectorised_rule_matches_a_plain_python_reading_of_it(seed: int):
    rng = random.Random(seed)
    ids = [f"c{i:04d}" for i in range(400)]
    if seed % 2:
        rng.shuffle(ids)  # seeds are sorted by claim_id, but the rule must not depend on it
    rows = []
    for claim_id in ids:
        unit = rng.choice(["persons", "kg", "g", "USD", "EUR", "BTC"])
        metric = {"persons": "arrests"}.get(unit, "seizure_drugs_mass" if unit in ("kg", "g") else "seizure_cash")
        qualifier = rng.choice(["exact", "approximately", "at_least", "more_than", "unquantified"])
        value = None if qualifier == "unquantified" else rng.choice([0.0, -0.0, 1.0, 2.5, 1000.0, 2500.0, 1e-7, 3.0000001])
        rows.append((claim_id, rng.choice(["op", "op2"]), metric, rng.choice([None, "cocaine"]), rng.choice(["WORLD", "US", "DE"]), value, unit, qualifier,
                     rng.choice([None, dt.date(2020, 1, 2), dt.date(2021, 5, 6)]), rng.choice(["doj", "europol", "news", "news2"]),
                     rng.choice([None, "us-doj", "us-fbi"]), rng.choice(["current", "current", "current", "withdrawn"])))
    got = [(h["operation_id"], h["metric"], h["item"], h["scope_code"], h["unit_family"], h["preferred_claim_id"], h["n_claims"], h["n_sources"],
            h["min_value"], h["max_value"], h["conflict"]) for h in rows_for(*rows)]
    assert got == reference_headline(rows)


def test_order_codes_sort_like_the_rows_even_past_64_bits():
    from darkweb_enforcement.arrays import order_codes

    rng = random.Random(7)
    # six columns of about 3,000 distinct values: 3,000^6 codes would overflow int64 without renumbering
    columns = [[f"{rng.randrange(10**6):06d}" for _ in range(3000)] for _ in range(6)]
    columns[0] = [rng.choice(["b", "a", "ab"]) for _ in range(3000)]  # ties in the first column
    codes = order_codes([pa.array(c) for c in columns]).to_pylist()
    rows = list(zip(*columns))
    assert sorted(range(len(rows)), key=lambda i: (codes[i], i)) == sorted(range(len(rows)), key=lambda i: (rows[i], i))
    assert len(set(codes)) == len(set(rows))
