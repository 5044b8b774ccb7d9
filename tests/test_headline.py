"""Headline rule 2, pinned on small cases, against a plain Python reading of it, and as a property."""

from __future__ import annotations

import datetime as dt
import random

import pyarrow as pa
import pytest
from darkweb_enforcement.headline import QUALIFIER_RANK, headline_rows
from darkweb_enforcement.vocabulary import KG_PER_UNIT, UNIT_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st

# source_id, primacy, published_on, publisher, publisher_agency_id, syndicated_from
SOURCE_ROWS = [
    ("doj", "primary", dt.date(2020, 9, 22), "US Department of Justice", "us-doj", None),
    ("europol", "primary", dt.date(2020, 9, 22), "Europol", "europol", None),
    ("uspis", "primary", dt.date(2020, 9, 23), "USPIS", "us-uspis", None),
    ("news", "secondary", dt.date(2020, 9, 23), "Daily News", None, None),
    ("news2", "secondary", None, "Other Paper", None, None),
    ("wire1", "secondary", dt.date(2020, 9, 23), "Paper A (AFP)", None, "afp"),
    ("wire2", "secondary", dt.date(2020, 9, 24), "Paper B (AFP)", None, "afp"),
]
SOURCES = pa.table(
    {
        name: pa.array([r[i] for r in SOURCE_ROWS], pa.date32() if name == "published_on" else pa.string())
        for i, name in enumerate(
            ["source_id", "primacy", "published_on", "publisher", "publisher_agency_id", "syndicated_from"]
        )
    }
)
TOOK_PART = pa.table(
    {
        "operation_id": ["op", "op", "op", "op"],
        "agency_id": ["us-doj", "europol", "us-uspis", "nl-politie"],
        "role": ["lead", "coordinating", "participating", "participating"],
    }
)
AGENCIES = pa.table(
    {"agency_id": ["us-doj", "us-fbi", "us-jcode", "europol"], "parent_agency_id": [None, "us-doj", "us-fbi", None]}
)
NAMES = [
    "claim_id",
    "operation_id",
    "metric",
    "item",
    "market_id",
    "scope_code",
    "value",
    "unit",
    "qualifier",
    "as_of",
    "source_id",
    "attributed_to_agency_id",
    "status",
]


def claims(*rows: tuple) -> pa.Table:
    types = {"value": pa.float64(), "as_of": pa.date32()}
    return pa.table({n: pa.array([r[i] for r in rows], types.get(n, pa.string())) for i, n in enumerate(NAMES)})


def rows_for(*rows: tuple) -> list[dict]:
    return headline_rows(claims(*rows), SOURCES, TOOK_PART)


def arrests(claim_id, value, source, attributed=None, qualifier="exact", status="current", scope="WORLD", as_of=None):
    return (
        claim_id,
        "op",
        "arrests",
        None,
        None,
        scope,
        value,
        "persons",
        qualifier,
        as_of,
        source,
        attributed,
        status,
    )


def test_two_agencies_outvote_one_primary_release():
    """Dark HunTor: USPIS's own release says 151, Europol and the DOJ (relayed) say 150."""
    (row,) = rows_for(
        arrests("c1", 151.0, "uspis"), arrests("c2", 150.0, "news", "europol"), arrests("c3", 150.0, "news2", "us-doj")
    )
    assert (row["preferred_claim_id"], row["value"], row["support"], row["conflict"]) == ("c2", 150.0, 2, True)


def test_two_independent_reports_outvote_one_official_figure_but_an_official_one_breaks_a_tie():
    (row,) = rows_for(
        arrests("c1", 117.0, "doj"),
        arrests("c2", 120.0, "news", qualifier="more_than"),
        arrests("c3", 120.0, "news2", qualifier="more_than"),
    )
    assert (row["value"], row["support"]) == (120.0, 2)
    (row,) = rows_for(arrests("c1", 117.0, "doj"), arrests("c2", 120.0, "news"))
    assert (row["preferred_claim_id"], row["tier"], row["support"]) == ("c1", 1, 1)


def test_among_relays_of_one_agency_the_value_most_outlets_print_wins():
    """Adam Bomb: two outlets relay the DEA's 8 arrests, one prints 15."""
    (row,) = rows_for(
        arrests("c1", 15.0, "news", "us-doj", as_of=dt.date(2012, 4, 17)),
        arrests("c2", 8.0, "news2", "us-doj"),
        arrests("c3", 8.0, "wire1", "us-doj"),
    )
    assert (row["value"], row["support"]) == (8.0, 1)


def test_a_rounded_relay_loses_to_the_precise_figure():
    (row,) = rows_for(
        arrests("c1", 26000000.0, "news", "europol", as_of=dt.date(2021, 10, 27)),
        arrests("c2", 26700000.0, "news2", "europol"),
    )
    assert row["value"] == 26700000.0


def test_copies_of_one_wire_story_count_once():
    (row,) = rows_for(
        arrests("c1", 55.0, "wire1"),
        arrests("c2", 55.0, "wire2"),
        arrests("c3", 53.0, "news"),
        arrests("c4", 53.0, "news2"),
    )
    assert (row["value"], row["support"]) == (53.0, 2)


def test_the_coordinating_agency_breaks_a_tie_of_support():
    """RapTor NL: the Dutch police (relayed) say 0 arrests, Europol's country list says 4."""
    (row,) = rows_for(
        arrests("c1", 0.0, "news", "nl-politie", scope="NL"), arrests("c2", 4.0, "news2", "europol", scope="NL")
    )
    assert (row["preferred_claim_id"], row["value"]) == ("c2", 4.0)


def test_exact_beats_a_lower_qualified_figure():
    """Wall Street Market: "over half a million" vs 550,000 from one source each: exact wins, not the lowest."""
    rows = rows_for(
        ("c1", "op", "seizure_cash", None, None, "DE", 500000.0, "EUR", "more_than", None, "news", None, "current"),
        ("c2", "op", "seizure_cash", None, None, "DE", 550000.0, "EUR", "exact", None, "news2", None, "current"),
    )
    assert [r["value"] for r in rows] == [550000.0]


def test_errata_partial_counts_and_withdrawn_claims_take_no_part():
    (row,) = rows_for(
        arrests("c1", 121.0, "news", "us-doj", scope="US"),
        arrests("c2", 85.0, "uspis", scope="US", status="partial"),
        arrests("c3", 158.0, "wire1", "us-doj", scope="US", status="erratum"),
        arrests("c4", 999.0, "doj", scope="US", status="withdrawn"),
    )
    assert (row["value"], row["n_claims"], row["n_sources"], row["min_value"], row["max_value"], row["conflict"]) == (
        121.0,
        1,
        1,
        121.0,
        121.0,
        False,
    )


def test_eur_and_usd_are_separate_families_and_pounds_compare_in_kg():
    rows = rows_for(
        (
            "c1",
            "op",
            "seizure_cash_and_crypto",
            None,
            None,
            "WORLD",
            50.8e6,
            "EUR",
            "exact",
            None,
            "europol",
            None,
            "current",
        ),
        (
            "c2",
            "op",
            "seizure_cash_and_crypto",
            None,
            None,
            "WORLD",
            53.4e6,
            "USD",
            "exact",
            None,
            "doj",
            None,
            "current",
        ),
        (
            "c3",
            "op",
            "seizure_drugs_mass",
            "all_drugs",
            None,
            "WORLD",
            1874.0,
            "lb",
            "exact",
            None,
            "news",
            "us-doj",
            "current",
        ),
    )
    assert [(r["unit_family"], r["value"], r["conflict"]) for r in rows] == [
        ("EUR", 50.8e6, False),
        ("USD", 53.4e6, False),
        ("mass", 1874.0, False),
    ]
    assert round(rows[2]["value_kg"], 3) == 850.032


def outlet(source: str) -> str:
    s = {r[0]: r for r in SOURCE_ROWS}[source]
    return f"wire:{s[5]}" if s[5] else f"publisher:{s[3]}"


def origin(source: str, attributed: str | None) -> str:
    s = {r[0]: r for r in SOURCE_ROWS}[source]
    return f"agency:{attributed or s[4]}" if attributed or s[4] else outlet(source)


def digits(value: float | None) -> int:
    """Significant digits, written plainly: the decimal text without its point, leading and trailing zeros."""
    if value is None:
        return 0
    text = f"{abs(value):.6f}".replace(".", "").strip("0")
    return max(len(text), 1)


def reference_headline(rows: list[tuple]) -> list[tuple]:
    """Rule 2 written out plainly in Python, to check the vectorised version against."""
    src = {r[0]: r for r in SOURCE_ROWS}
    took_part = set(zip(TOOK_PART["operation_id"].to_pylist(), TOOK_PART["agency_id"].to_pylist()))
    leading = {
        (o, a)
        for o, a, r in zip(*(TOOK_PART[c].to_pylist() for c in ("operation_id", "agency_id", "role")))
        if r in ("lead", "coordinating")
    }
    groups: dict[tuple, list[dict]] = {}
    for claim_id, op, metric, item, market, scope, value, unit, qualifier, as_of, source, attributed, status in rows:
        if status != "current":
            continue
        family = UNIT_FAMILY[unit] if UNIT_FAMILY[unit] in ("count", "mass") else unit
        comparable = None if value is None else value * KG_PER_UNIT.get(unit, 1.0)
        tier = 1 if src[source][1] == "primary" else 2 if (op, attributed) in took_part else 3
        speaker = attributed or src[source][4]
        groups.setdefault((op, metric, item or "", market or "", scope, family), []).append(
            {
                "claim_id": claim_id,
                "source": source,
                "comparable": comparable,
                "tier": tier,
                "class": tier > 2,
                "origin": origin(source, attributed),
                "outlet": outlet(source),
                "digits": digits(value),
                "key": -1.0 if comparable is None else round(comparable, 6) + 0.0,
                "lead": (op, speaker) in leading,
                "date": as_of or src[source][2],
                "rank": QUALIFIER_RANK[qualifier],
            }
        )
    out = []
    for key in sorted(groups):
        members = groups[key]
        for m in members:
            m["support"] = len({o["origin"] for o in members if o["key"] == m["key"]})
            m["relays"] = len({o["outlet"] for o in members if o["key"] == m["key"]})
        best = min(
            members,
            key=lambda m: (
                -m["support"],
                m["class"],
                -m["relays"],
                not m["lead"],
                m["rank"],
                -m["digits"],
                m["tier"],
                m["date"] is None,
                -(m["date"].toordinal()) if m["date"] else 0,
                m["comparable"] is None,
                m["comparable"] or 0.0,
                m["claim_id"],
            ),
        )
        values = [m["comparable"] for m in members if m["comparable"] is not None]
        out.append(
            (
                *key,
                best["claim_id"],
                best["support"],
                len(members),
                len({m["source"] for m in members}),
                min(values, default=None),
                max(values, default=None),
                len({round(v, 6) + 0.0 for v in values}) > 1,
            )
        )
    return out


def random_claims(rng: random.Random, n: int) -> list[tuple]:
    ids = [f"c{i:04d}" for i in range(n)]
    rng.shuffle(ids)  # seeds are sorted by claim_id, but the rule must not depend on it
    rows = []
    for claim_id in ids:
        unit = rng.choice(["persons", "kg", "g", "USD", "EUR", "BTC"])
        metric = {"persons": "arrests"}.get(unit, "seizure_drugs_mass" if unit in ("kg", "g") else "seizure_cash")
        qualifier = rng.choice(["exact", "approximately", "at_least", "more_than", "unquantified"])
        value = (
            None if qualifier == "unquantified" else rng.choice([0.0, -0.0, 1.0, 2.5, 1000.0, 2500.0, 1e-7, 3.0000001])
        )
        rows.append(
            (
                claim_id,
                rng.choice(["op", "op2"]),
                metric,
                rng.choice([None, "cocaine"]),
                rng.choice([None, None, "m1"]),
                rng.choice(["WORLD", "US", "DE"]),
                value,
                unit,
                qualifier,
                rng.choice([None, dt.date(2020, 1, 2), dt.date(2021, 5, 6)]),
                rng.choice([r[0] for r in SOURCE_ROWS]),
                rng.choice([None, "us-doj", "us-fbi", "europol"]),
                rng.choice(["current", "current", "current", "erratum", "partial"]),
            )
        )
    return rows


@pytest.mark.parametrize("seed", range(6))
def test_vectorised_rule_matches_a_plain_python_reading_of_it(seed: int):
    rows = random_claims(random.Random(seed), 400)
    got = [
        (
            h["operation_id"],
            h["metric"],
            h["item"],
            h["market_id"],
            h["scope_code"],
            h["unit_family"],
            h["preferred_claim_id"],
            h["support"],
            h["n_claims"],
            h["n_sources"],
            h["min_value"],
            h["max_value"],
            h["conflict"],
        )
        for h in rows_for(*rows)
    ]
    assert got == reference_headline(rows)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    value=st.integers(0, 10**6),
    source=st.sampled_from([r[0] for r in SOURCE_ROWS]),
    attributed=st.sampled_from([None, "us-doj", "europol", "us-fbi", "nl-politie"]),
    qualifier=st.sampled_from(["exact", "approximately", "more_than"]),
)
def test_one_added_outlier_never_displaces_a_value_backed_by_two_origins(seed, value, source, attributed, qualifier):
    """A value reported by two or more independent origins keeps the headline when one claim with a new value is added, whatever its tier."""
    rows = random_claims(random.Random(seed), 60)
    key = ("operation_id", "metric", "item", "market_id", "scope_code", "unit_family")
    before = {tuple(h[k] for k in key): h for h in rows_for(*rows)}
    backed = [k for k, h in before.items() if h["support"] >= 2 and k[5] == "count"]
    if not backed:
        return
    op, metric, item, market, scope, _ = backed[0]
    values = {r[6] for r in rows if (r[1], r[2], r[3] or "", r[4] or "", r[5]) == (op, metric, item, market, scope)}
    if round(float(value), 6) in {
        round(v, 6) + 0.0 for v in values if v is not None
    }:  # the rule compares values at 6 decimals
        return  # not an outlier: it reports a value already there
    outlier = (
        "z9999",
        op,
        metric,
        item or None,
        market or None,
        scope,
        float(value),
        "persons",
        qualifier,
        None,
        source,
        attributed,
        "current",
    )
    after = {tuple(h[k] for k in key): h for h in rows_for(*rows, outlier)}
    assert after[backed[0]]["preferred_claim_id"] == before[backed[0]]["preferred_claim_id"]


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


def test_a_parent_body_of_a_participant_takes_part():
    """The DOJ announces for the operation its JCODE led: its figure is official, and the lead's."""
    took_part = pa.table({"operation_id": ["op"], "agency_id": ["us-jcode"], "role": ["lead"]})
    rows = claims(arrests("c1", 5.0, "news", "us-doj"), arrests("c2", 6.0, "news2"))
    (row,) = headline_rows(rows, SOURCES, took_part, AGENCIES)
    assert (row["preferred_claim_id"], row["tier"]) == ("c1", 2)
    (row,) = headline_rows(rows, SOURCES, took_part)
    assert row["tier"] == 3  # without the agencies table, only listed bodies take part
