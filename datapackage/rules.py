"""Business rules of DATA-MODEL.md that no Table Schema can express."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from .arrays import fault_rows, first_descent, group_codes, repeated_rows, row_numbers
from .problems import Problem
from .schema import TableSchema
from .vocabulary import BOUNDING_QUALIFIERS, MARKET_METRICS, METRIC_UNITS

FORMULA_STARTS = ("=", "+", "-", "@")


def formula_text(name: str, schema: TableSchema, strings: pa.Table) -> list[Problem]:
    """Text cells must not start like a spreadsheet formula."""
    out = []
    for f in schema.fields:
        # rules run on schema-valid data only, so a field with an enum holds nothing but its values
        if f.type != "string" or (f.enum and not any(v.startswith(FORMULA_STARTS) for v in f.enum)):
            continue
        for row in fault_rows(_starts_like_formula(strings[f.name])):
            out.append(Problem(name, row, f.name, "formula-text", "text starts with =, +, - or @ and would run as a spreadsheet formula; reword it"))
    return out


def _starts_like_formula(values) -> pa.Array:
    """True where a cell starts with one of FORMULA_STARTS (four prefix tests beat one regex)."""
    found = None
    for start in FORMULA_STARTS:
        hit = pc.starts_with(values, start)
        found = hit if found is None else pc.or_(found, hit)
    return found


def date_precision(name: str, schema: TableSchema, typed: pa.Table) -> list[Problem]:
    """A *_precision is set exactly when its date is set."""
    out = []
    for f in schema.fields:
        if f.type != "date" or f"{f.name}_precision" not in schema.field_names:
            continue
        has_date, has_prec = pc.is_valid(typed[f.name]), pc.is_valid(typed[f"{f.name}_precision"])
        for row in fault_rows(pc.not_equal(has_date, has_prec)):
            out.append(Problem(name, row, f"{f.name}_precision", "date-precision", f"{f.name}_precision must be set exactly when {f.name} is set"))
    return out


def date_order(name: str, typed: pa.Table, pairs: list[tuple[str, str]]) -> list[Problem]:
    """Each (earlier, later) pair of dates is in order where both are set."""
    out = []
    for early, late in pairs:
        for row in fault_rows(pc.greater(typed[early], typed[late])):
            i = row - 2
            out.append(Problem(name, row, late, "date-order", f"{late} {typed[late][i]} is before {early} {typed[early][i]}"))
    return out


def claim_units(claims: pa.Table) -> list[Problem]:
    """Units fit metrics; market metrics name a market; unquantified claims have no value."""
    out = []
    pairs = pc.binary_join_element_wise(claims["metric"], claims["unit"], "|")
    allowed_pairs = pa.array([f"{m}|{u}" for m, units in METRIC_UNITS.items() for u in units])
    for row in fault_rows(pc.invert(pc.is_in(pairs, allowed_pairs))):
        metric, unit = claims["metric"][row - 2].as_py(), claims["unit"][row - 2].as_py()
        allowed = ", ".join(METRIC_UNITS.get(metric, ()))
        out.append(Problem("reported_totals", row, "unit", "unit-metric", f"unit {unit!r} does not fit metric {metric!r}; use one of {allowed}"))
    no_market = pc.and_(pc.is_in(claims["metric"], pa.array(MARKET_METRICS)), pc.is_null(claims["market_id"]))
    out += [Problem("reported_totals", r, "market_id", "market-required", "market_* metrics must name the market in market_id") for r in fault_rows(no_market)]
    unquantified = pc.equal(claims["qualifier"], "unquantified")
    mismatch = pc.not_equal(unquantified, pc.is_null(claims["value"]))
    for row in fault_rows(mismatch):
        out.append(Problem("reported_totals", row, "value", "value-qualifier", "value must be empty exactly when the qualifier is unquantified"))
    withdrawn = pc.and_(pc.equal(claims["status"], "withdrawn"), pc.is_null(claims["note"]))
    out += [Problem("reported_totals", r, "note", "withdrawn-without-reason", "a withdrawn claim needs the reason in note") for r in fault_rows(withdrawn)]
    return out


SUM_GROUP = ["operation_id", "metric", "item", "unit", "source_id"]


def claim_groups(claims: pa.Table) -> pa.Array:
    """One integer per operation, metric, item, unit and source: the groups of country_sums and,
    with scope and value, of duplicate_claims; computed once for both."""
    return group_codes([claims[k] for k in SUM_GROUP])[0]


def duplicate_claims(claims: pa.Table, groups: pa.Array | None = None) -> list[Problem]:
    """No two claims share operation, metric, item, scope, value, unit and source."""
    groups = claim_groups(claims) if groups is None else groups
    return [
        Problem("reported_totals", row + 2, "claim_id", "duplicate-claim", f"same operation, metric, item, scope, value, unit and source as row {first + 2}")
        for row, first in repeated_rows([claims["value"], groups, claims["scope_code"]])  # the most telling first
    ]


def country_sums(claims: pa.Table, groups: pa.Array | None = None) -> list[Problem]:
    """Per-country values of one source never add up to more than its bounding WORLD figure."""
    group = SUM_GROUP
    current, is_world = pc.equal(claims["status"], "current"), pc.equal(claims["scope_code"], "WORLD")
    bounding = pc.and_(pc.and_(current, is_world), pc.is_in(claims["qualifier"], pa.array(BOUNDING_QUALIFIERS)))
    in_country = pc.and_(current, pc.invert(is_world))
    if not pc.any(bounding).as_py() or not pc.any(in_country).as_py():
        return []
    # one integer per group, so that grouping and joining copy no strings
    codes = claim_groups(claims) if groups is None else groups
    rows = pa.table({"group": codes, "value": claims["value"], "row": row_numbers(claims.num_rows)})
    bound = rows.filter(bounding).group_by("group", use_threads=False).aggregate([("value", "min")])
    sums = rows.filter(in_country).group_by("group", use_threads=False).aggregate([("value", "sum"), ("row", "count"), ("row", "min")])
    joined = sums.join(bound, "group", join_type="inner", use_threads=False)
    out = []
    for r in joined.filter(pc.greater(joined["value_sum"], joined["value_min"])).to_pylist():
        key = {k: claims[k][r["row_min"]].as_py() or "" for k in group}
        claim = pc.min(pc.filter(claims["claim_id"], pc.and_(bounding, pc.equal(codes, r["group"])))).as_py()
        text = f"{key['operation_id']} {key['metric']} {key['item']} from {key['source_id']}: {r['row_count']} per-country claims add up to {r['value_sum']:g} {key['unit']}, above the WORLD figure {r['value_min']:g} (claim {claim})"
        out.append(Problem("reported_totals", r["row_min"] + 2, "value", "country-sum", text.replace("  ", " ")))
    return out


def uncited_sources(strings: dict[str, pa.Table]) -> list[Problem]:
    """Every source is cited by at least one row of another table."""
    cited = [t["source_id"] for name, t in strings.items() if name != "sources" and "source_id" in t.column_names]
    if "sources" not in strings or not cited:
        return []
    # distinct values first: a lookup set of a million repeated strings costs more memory than the column
    all_cited = pa.chunked_array([pc.unique(col) for col in cited], pa.string())
    ids = strings["sources"]["source_id"]
    return [Problem("sources", r, "source_id", "uncited-source", f"source {ids[r - 2]} is cited by no row; cite it or remove it") for r in fault_rows(pc.invert(pc.is_in(ids, all_cited)))]


def operations_without_claims(strings: dict[str, pa.Table]) -> list[Problem]:
    """Every operation has at least one claim."""
    if "operations" not in strings or "reported_totals" not in strings:
        return []
    ids = strings["operations"]["operation_id"]
    claimed = pc.unique(strings["reported_totals"]["operation_id"])
    return [Problem("operations", r, "operation_id", "operation-without-claim", f"operation {ids[r - 2]} has no claim in reported_totals") for r in fault_rows(pc.invert(pc.is_in(ids, claimed)))]


def sort_order(name: str, schema: TableSchema, strings: pa.Table) -> list[Problem]:
    """Rows are sorted by primary key (compared field by field, as `dwe fmt` sorts them)."""
    if strings.num_rows < 2 or not schema.primary_key:
        return []
    row = first_descent([strings[k] for k in schema.primary_key])
    if row is None:
        return []
    return [Problem(name, row + 2, "", "unsorted", f"rows are not sorted by primary key ({', '.join(schema.primary_key)}) from here on; run `dwe fmt`")]
