"""Headline totals: one preferred claim per operation, metric, item, market, scope and unit family (RULE_TEXT)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrays import order_codes, plain, strictly_ascending
from .vocabulary import KG_PER_UNIT, UNIT_FAMILY, family_of_units

RULE_VERSION = "2"
# kept as data, not as the module docstring: `python -OO` strips docstrings
RULE_TEXT = """
Rule 2, within each group (operation, metric, item, market, scope, unit family) of current claims
(errata, partial counts and withdrawn claims never take part, and do not count in the spread):
1. support: the value reported by the most independent origins. An origin is the agency a figure
   is attributed to, else the agency that published the source, else the wire service the page
   republishes, else the publisher: all relays of one statement, and all copies of one wire
   story, count once;
2. class: official figures first (a primary source, or a figure attributed to an agency that took
   part in the operation, or to a parent body of one: the DOJ for its JCODE), then the rest;
3. relays: the value printed by the most publishers (copies of one wire story count once);
4. a figure attributed to (or published by) the lead or coordinating agency of the operation;
5. exact before approximately, at_least, more_than, up_to, less_than;
6. the more precise figure (more significant digits: 26.7 million before 26 million, a rounding of it);
7. primary source before a relay of it;
8. the latest date (as_of, else the source's published_on; undated last);
9. the lowest value (in kg for masses); then the claim_id, so the choice is deterministic.
Why: a single stray report (a misprint in one news copy, a swapped wire figure, one agency's own
share) has one origin, so it can never displace a value that two or more independent origins
report, whatever its tier: adding one claim with a new value never changes a headline backed by
two or more origins. Among equally supported values an official figure wins; among relays of one
agency, the figure most outlets print wins over a lone variant.
Each currency and each coin is its own unit family: no exchange rate is part of the claims.
Rule 1 (releases before 1.0.0) ranked tier, then date, qualifier and lowest value; those releases
rebuild with the code they were cut with.
"""
QUALIFIER_RANK = {
    "exact": 0,
    "approximately": 1,
    "at_least": 2,
    "more_than": 3,
    "up_to": 4,
    "less_than": 5,
    "unquantified": 6,
}
FIELDS = (
    "operation_id",
    "metric",
    "item",
    "market_id",
    "scope_code",
    "unit_family",
    "preferred_claim_id",
    "value",
    "unit",
    "qualifier",
    "value_kg",
    "source_id",
    "tier",
    "support",
    "rule_version",
    "n_claims",
    "n_sources",
    "min_value",
    "max_value",
    "conflict",
)
GROUP = ["operation_id", "metric", "item", "market_id", "scope_code", "unit_family"]
LEADING_ROLES = ("lead", "coordinating")
QUALIFIERS = pa.array(list(QUALIFIER_RANK), pa.string())
UNITS = pa.array(list(UNIT_FAMILY), pa.string())
KG_FACTORS = pa.array([KG_PER_UNIT.get(u, 1.0) for u in UNIT_FAMILY], pa.float64())


def _pairs(operations, agencies) -> pa.Array:
    return pc.binary_join_element_wise(plain(operations), plain(agencies), "|")


def _lookup(sources: pa.Table, column: str, source_ids: pa.Array) -> pa.Array:
    return pc.take(plain(sources[column]), pc.index_in(source_ids, plain(sources["source_id"])))


def with_parents(operation_agencies: pa.Table, agencies: pa.Table | None) -> pa.Table:
    """Operation agencies plus every parent body of each (JCODE's operation is the FBI's and the DOJ's too).

    A figure the DOJ announces for an operation its JCODE led is the lead's own figure, not a third party's.
    """
    if agencies is None:
        return operation_agencies
    parent_of = dict(zip(plain(agencies["agency_id"]).to_pylist(), plain(agencies["parent_agency_id"]).to_pylist()))
    rows = set()
    for op, agency, role in zip(
        *(plain(operation_agencies[c]).to_pylist() for c in ("operation_id", "agency_id", "role"))
    ):
        seen = set()
        while agency is not None and agency not in seen:
            rows.add((op, agency, role))
            seen.add(agency)
            agency = parent_of.get(agency)
    ops, ids, roles = zip(*sorted(rows)) if rows else ((), (), ())
    return pa.table(
        {
            "operation_id": pa.array(ops, pa.string()),
            "agency_id": pa.array(ids, pa.string()),
            "role": pa.array(roles, pa.string()),
        }
    )


def ranked_claims(
    claims: pa.Table, sources: pa.Table, operation_agencies: pa.Table, agencies: pa.Table | None = None
) -> pa.Table:
    """Current claims with their group, class, origin, lead flag, tier, date, qualifier rank and comparable value."""
    c = claims.filter(pc.equal(plain(claims["status"]), "current"))
    source_ids = plain(c["source_id"])
    primary = plain(sources["source_id"]).filter(pc.equal(plain(sources["primacy"]), "primary"))
    op_agencies = with_parents(operation_agencies, agencies)
    took_part = _pairs(op_agencies["operation_id"], op_agencies["agency_id"])
    leading = took_part.filter(pc.is_in(plain(op_agencies["role"]), pa.array(LEADING_ROLES)))
    attributed = plain(c["attributed_to_agency_id"])
    publisher_agency = _lookup(sources, "publisher_agency_id", source_ids)
    speaker = pc.coalesce(attributed, publisher_agency)
    is_primary = pc.is_in(source_ids, primary)
    tier = pc.if_else(
        is_primary, 1, pc.if_else(pc.fill_null(pc.is_in(_pairs(c["operation_id"], attributed), took_part), False), 2, 3)
    )
    wire = pc.binary_join_element_wise("wire", _lookup(sources, "syndicated_from", source_ids), ":")
    outlet = pc.coalesce(wire, pc.binary_join_element_wise("publisher", _lookup(sources, "publisher", source_ids), ":"))
    origin = pc.coalesce(pc.binary_join_element_wise("agency", speaker, ":"), outlet)
    unit_index = pc.index_in(plain(c["unit"]), UNITS)
    value = pc.cast(c["value"], pa.float64())
    comparable = pc.multiply(value, pc.take(KG_FACTORS, unit_index))
    return pa.table(
        {
            "operation_id": plain(c["operation_id"]),
            "metric": plain(c["metric"]),
            "item": pc.fill_null(plain(c["item"]), ""),
            "market_id": pc.fill_null(plain(c["market_id"]), ""),
            "scope_code": plain(c["scope_code"]),
            "unit_family": family_of_units(c["unit"]),
            "claim_id": plain(c["claim_id"]),
            "value": value,
            "unit": plain(c["unit"]),
            "qualifier": plain(c["qualifier"]),
            "source_id": source_ids,
            "tier": pc.cast(tier, pa.int64()),
            "class": pc.cast(pc.greater(tier, 2), pa.int64()),
            "origin": origin,
            "outlet": outlet,
            "not_lead": pc.cast(
                pc.invert(pc.fill_null(pc.is_in(_pairs(c["operation_id"], speaker), leading), False)), pa.int64()
            ),
            "date": pc.coalesce(
                pc.cast(c["as_of"], pa.date32()), pc.cast(_lookup(sources, "published_on", source_ids), pa.date32())
            ),
            "qualifier_rank": pc.index_in(plain(c["qualifier"]), QUALIFIERS),
            # + 0.0 makes -0.0 equal 0.0; an unquantified claim (no value) gets a key no value has, so it joins
            "comparable": comparable,
            "value_key": pc.fill_null(pc.add(pc.round(comparable, 6), 0.0), -1.0),
        }
    )


def significant_digits(values: pa.Array) -> pa.Array:
    """Significant digits of each value as printed (26700000 -> 3, 26000000 -> 2, 0.5 -> 1; missing -> 0)."""
    x = np.abs(pc.fill_null(values, 0.0).to_numpy(zero_copy_only=False).astype(np.float64))
    scaled = x.copy()
    for _ in range(6):  # up to six decimals: make each value a whole number
        fractional = np.abs(scaled - np.round(scaled)) > 1e-9 * np.maximum(scaled, 1.0)
        scaled = np.where(fractional, scaled * 10, scaled)
    n = np.round(scaled).astype(np.int64)
    for _ in range(18):  # trailing zeros are not significant
        n = np.where((n % 10 == 0) & (n > 0), n // 10, n)
    digits = np.where(n > 0, np.floor(np.log10(np.maximum(n, 1))) + 1, 1).astype(np.int64)
    return pa.array(np.where(pc.is_valid(values).to_numpy(zero_copy_only=False), digits, 0))


def _support(ranked: pa.Table, group: pa.Array) -> tuple[pa.Array, pa.Array]:
    """For each claim: how many distinct origins, and how many distinct outlets, report its value in its group."""
    keys = pa.table(
        {"group": group, "value_key": ranked["value_key"], "origin": ranked["origin"], "outlet": ranked["outlet"]}
    )
    counted = keys.group_by(["group", "value_key"], use_threads=False).aggregate(
        [("origin", "count_distinct"), ("outlet", "count_distinct")]
    )
    joined = (
        keys.append_column("row", pa.array(np.arange(keys.num_rows, dtype=np.int64)))
        .join(counted, ["group", "value_key"], join_type="left outer", use_threads=False)
        .sort_by("row")
    )
    return joined["origin_count_distinct"].combine_chunks(), joined["outlet_count_distinct"].combine_chunks()


def headline_table(
    claims: pa.Table, sources: pa.Table, operation_agencies: pa.Table, agencies: pa.Table | None = None
) -> pa.Table:
    """One row per group, in group order: the preferred claim (first by rule 2) with the group's spread."""
    ranked = ranked_claims(claims, sources, operation_agencies, agencies)
    # strings sort as integers: one order-keeping code per group, one rank per claim_id; only
    # these keys are sorted, and only the preferred rows are taken from the claims
    group = order_codes([ranked[g] for g in GROUP])
    support, relays = _support(ranked, group)
    ranked = ranked.append_column("support", support)
    keys = pa.table(
        {
            "group": group,
            "support": support,
            "class": ranked["class"],
            "relays": relays,
            "not_lead": ranked["not_lead"],
            "qualifier_rank": ranked["qualifier_rank"],
            "precision": significant_digits(ranked["value"]),
            "tier": ranked["tier"],
            "date": ranked["date"],
            "comparable": ranked["comparable"],
            "claim_rank": _claim_ranks(ranked["claim_id"]),
        }
    )
    order = [
        ("group", "ascending"),
        ("support", "descending"),
        ("class", "ascending"),
        ("relays", "descending"),
        ("not_lead", "ascending"),
        ("qualifier_rank", "ascending"),
        ("precision", "descending"),
        ("tier", "ascending"),
        ("date", "descending"),
        ("comparable", "ascending"),
        ("claim_rank", "ascending"),
    ]
    sorted_rows = pc.sort_indices(keys, sort_keys=[(name, direction, "at_end") for name, direction in order]).to_numpy()
    codes = group.to_numpy()[sorted_rows]
    first = np.ones(len(codes), dtype=bool)
    first[1:] = codes[1:] != codes[:-1]
    best = ranked.take(pa.array(sorted_rows[first]))
    spread = _spread(first, ranked.select(["source_id", "comparable"]).take(pa.array(sorted_rows)))
    return (
        best.append_column("claim_id_count", spread["n_claims"])
        .append_column("source_id_count_distinct", spread["n_sources"])
        .append_column("comparable_min", spread["min"])
        .append_column("comparable_max", spread["max"])
        .append_column("rounded_count_distinct", spread["n_values"])
    )


def _spread(first: np.ndarray, claims: pa.Table) -> dict[str, pa.Array]:
    """Per group of `claims` (sorted by group; `first` marks each group's first row): claims,
    distinct sources, min and max comparable value, and distinct values rounded to 6 decimals."""
    starts = np.flatnonzero(first)
    group, n_groups = np.cumsum(first) - 1, len(starts)
    comparable = claims["comparable"].combine_chunks()
    values = pc.fill_null(comparable, np.nan).to_numpy(zero_copy_only=False)
    low = np.fmin.reduceat(values, starts) if n_groups else values[:0]  # fmin skips NaN (a null)
    high = np.fmax.reduceat(values, starts) if n_groups else values[:0]
    rounded = pc.add(pc.round(comparable, 6), 0.0)  # + 0.0 makes -0.0 the same value as 0.0
    return {
        "n_claims": pa.array(np.diff(np.r_[starts, len(first)]).astype(np.int64)),
        "n_sources": _distinct_per_group(group, n_groups, claims["source_id"]),
        "min": pa.array(low, from_pandas=True),
        "max": pa.array(high, from_pandas=True),
        "n_values": _distinct_per_group(group, n_groups, rounded),
    }


def _distinct_per_group(group: np.ndarray, n_groups: int, values) -> pa.Array:
    """How many distinct non-null values each group holds."""
    encoded = (
        pc.dictionary_encode(values).combine_chunks()
        if isinstance(values, pa.ChunkedArray)
        else pc.dictionary_encode(values)
    )
    size = max(len(encoded.dictionary), 1)
    valid = pc.is_valid(encoded.indices).to_numpy(zero_copy_only=False)
    indices = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    pairs = pc.unique(pa.array((group * size + indices)[valid])).to_numpy()
    return pa.array(np.bincount(pairs // size, minlength=n_groups).astype(np.int64))


def _claim_ranks(claim_ids) -> pa.Array:
    """The rank of each claim_id; seeds are sorted by it, so usually the row number."""
    ids = plain(claim_ids)
    if strictly_ascending([ids]):
        return pa.array(np.arange(len(ids), dtype=np.int64))
    return order_codes([ids])


def headline_rows(
    claims: pa.Table, sources: pa.Table, operation_agencies: pa.Table, agencies: pa.Table | None = None
) -> list[dict]:
    """Return one headline dict per group, sorted by group (agencies: their parents take part too)."""
    rows = []
    for r in headline_table(claims, sources, operation_agencies, agencies).to_pylist():
        mass = r["unit"] in KG_PER_UNIT
        rows.append(
            {
                **{g: r[g] for g in GROUP},
                "preferred_claim_id": r["claim_id"],
                "value": r["value"],
                "unit": r["unit"],
                "qualifier": r["qualifier"],
                "value_kg": r["comparable"] if mass else None,
                "source_id": r["source_id"],
                "tier": r["tier"],
                "support": r["support"],
                "rule_version": RULE_VERSION,
                "n_claims": r["claim_id_count"],
                "n_sources": r["source_id_count_distinct"],
                "min_value": r["comparable_min"],
                "max_value": r["comparable_max"],
                "conflict": r["rounded_count_distinct"] > 1,
            }
        )
    return rows
