"""Headline totals: one preferred claim per operation, metric, item, scope and unit family.

Rule (version 1), within each group of current claims:
1. tier: 1 = primary source; 2 = figure attributed to an agency that took part in the operation;
   3 = everything else;
2. the latest date (as_of, else the source's published_on; undated last);
3. exact before approximately, at_least, more_than, up_to, less_than;
4. the lowest value (in kg for masses); then the claim_id, so the choice is deterministic.
Each currency and each coin is its own unit family: no exchange rate is part of the claims.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrays import order_codes, strictly_ascending
from .vocabulary import KG_PER_UNIT, UNIT_FAMILY

RULE_VERSION = "1"
QUALIFIER_RANK = {"exact": 0, "approximately": 1, "at_least": 2, "more_than": 3, "up_to": 4, "less_than": 5, "unquantified": 6}
FIELDS = ("operation_id", "metric", "item", "scope_code", "unit_family", "preferred_claim_id", "value", "unit", "qualifier",
          "value_kg", "source_id", "tier", "rule_version", "n_claims", "n_sources", "min_value", "max_value", "conflict")


GROUP = ["operation_id", "metric", "item", "scope_code", "unit_family"]
QUALIFIERS = pa.array(list(QUALIFIER_RANK), pa.string())
UNITS = pa.array(list(UNIT_FAMILY), pa.string())
FAMILIES = pa.array([f if f in ("count", "mass") else u for u, f in UNIT_FAMILY.items()], pa.string())
KG_FACTORS = pa.array([KG_PER_UNIT.get(u, 1.0) for u in UNIT_FAMILY], pa.float64())


def _plain(column) -> pa.Array:
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return column.dictionary_decode() if pa.types.is_dictionary(column.type) else column


def ranked_claims(claims: pa.Table, sources: pa.Table, operation_agencies: pa.Table) -> pa.Table:
    """Current claims with their group, tier, date, qualifier rank and value in comparable units."""
    c = claims.select(["claim_id", "operation_id", "metric", "item", "scope_code", "value", "unit", "qualifier", "as_of", "source_id", "attributed_to_agency_id"])
    current = pc.equal(_plain(claims["status"]), "current")
    if not pc.all(current).as_py():  # filtering copies every column: only when a claim is withdrawn
        c = c.filter(current)
    source_ids = _plain(sources["source_id"])
    primary = source_ids.filter(pc.equal(_plain(sources["primacy"]), "primary"))
    took_part = pc.binary_join_element_wise(_plain(operation_agencies["operation_id"]), _plain(operation_agencies["agency_id"]), "|")
    attributed = pc.binary_join_element_wise(_plain(c["operation_id"]), _plain(c["attributed_to_agency_id"]), "|")
    tier = pc.if_else(pc.is_in(_plain(c["source_id"]), primary), 1, pc.if_else(pc.fill_null(pc.is_in(attributed, took_part), False), 2, 3))
    published = pc.take(sources["published_on"], pc.index_in(_plain(c["source_id"]), source_ids))
    unit_index = pc.index_in(_plain(c["unit"]), UNITS)
    value = pc.cast(c["value"], pa.float64())
    return pa.table({
        "operation_id": _plain(c["operation_id"]), "metric": _plain(c["metric"]), "item": pc.fill_null(_plain(c["item"]), ""),
        "scope_code": _plain(c["scope_code"]), "unit_family": pc.take(FAMILIES, unit_index), "claim_id": _plain(c["claim_id"]),
        "value": value, "unit": _plain(c["unit"]), "qualifier": _plain(c["qualifier"]), "source_id": _plain(c["source_id"]),
        "tier": pc.cast(tier, pa.int64()), "date": pc.coalesce(pc.cast(c["as_of"], pa.date32()), pc.cast(published, pa.date32())),
        "qualifier_rank": pc.index_in(_plain(c["qualifier"]), QUALIFIERS),
        "comparable": pc.multiply(value, pc.take(KG_FACTORS, unit_index)),
    })


def headline_table(claims: pa.Table, sources: pa.Table, operation_agencies: pa.Table) -> pa.Table:
    """One row per group, in group order: the preferred claim (first by the rule) with the group's spread."""
    ranked = ranked_claims(claims, sources, operation_agencies)
    # strings sort as integers: one order-keeping code per group, one rank per claim_id; only
    # these keys are sorted, and only the preferred rows are taken from the claims
    group = order_codes([ranked[g] for g in GROUP])
    keys = pa.table({"group": group, "tier": ranked["tier"], "date": ranked["date"], "qualifier_rank": ranked["qualifier_rank"],
                     "comparable": ranked["comparable"], "claim_rank": _claim_ranks(ranked["claim_id"])})
    order = [("group", "ascending"), ("tier", "ascending"), ("date", "descending"), ("qualifier_rank", "ascending"), ("comparable", "ascending"), ("claim_rank", "ascending")]
    sorted_rows = pc.sort_indices(keys, sort_keys=[(name, direction, "at_end") for name, direction in order]).to_numpy()
    codes = group.to_numpy()[sorted_rows]
    first = np.ones(len(codes), dtype=bool)
    first[1:] = codes[1:] != codes[:-1]
    best = ranked.take(pa.array(sorted_rows[first]))
    spread = _spread(first, ranked.select(["source_id", "comparable"]).take(pa.array(sorted_rows)))
    return best.append_column("claim_id_count", spread["n_claims"]).append_column(
        "source_id_count_distinct", spread["n_sources"]).append_column("comparable_min", spread["min"]).append_column(
        "comparable_max", spread["max"]).append_column("rounded_count_distinct", spread["n_values"])


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
        "min": pa.array(low, from_pandas=True), "max": pa.array(high, from_pandas=True),
        "n_values": _distinct_per_group(group, n_groups, rounded),
    }


def _distinct_per_group(group: np.ndarray, n_groups: int, values) -> pa.Array:
    """How many distinct non-null values each group holds."""
    encoded = pc.dictionary_encode(values).combine_chunks() if isinstance(values, pa.ChunkedArray) else pc.dictionary_encode(values)
    size = max(len(encoded.dictionary), 1)
    valid = pc.is_valid(encoded.indices).to_numpy(zero_copy_only=False)
    indices = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    pairs = pc.unique(pa.array((group * size + indices)[valid])).to_numpy()
    return pa.array(np.bincount(pairs // size, minlength=n_groups).astype(np.int64))


def _claim_ranks(claim_ids) -> pa.Array:
    """The rank of each claim_id; seeds are sorted by it, so usually the row number."""
    ids = _plain(claim_ids)
    if strictly_ascending([ids]):
        return pa.array(np.arange(len(ids), dtype=np.int64))
    return order_codes([ids])


def headline_rows(claims: pa.Table, sources: pa.Table, operation_agencies: pa.Table) -> list[dict]:
    """Return one headline dict per group, sorted by group."""
    rows = []
    for r in headline_table(claims, sources, operation_agencies).to_pylist():
        mass = r["unit"] in KG_PER_UNIT
        rows.append({
            **{g: r[g] for g in GROUP}, "preferred_claim_id": r["claim_id"], "value": r["value"], "unit": r["unit"],
            "qualifier": r["qualifier"], "value_kg": r["comparable"] if mass else None, "source_id": r["source_id"], "tier": r["tier"],
            "rule_version": RULE_VERSION, "n_claims": r["claim_id_count"], "n_sources": r["source_id_count_distinct"],
            "min_value": r["comparable_min"], "max_value": r["comparable_max"], "conflict": r["rounded_count_distinct"] > 1,
        })
    return rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 9)).removesuffix(".0") if value == value else ""
    return str(value)


def render_headline_csv(rows: list[dict]) -> bytes:
    """Serialise headline rows as CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerows([_cell(r[f]) for f in FIELDS] for r in rows)
    return out.getvalue().encode("utf-8")
