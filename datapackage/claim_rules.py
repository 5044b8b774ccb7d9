"""Business rules on claims, sources and operations (registered in rules.RULES)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from .arrays import fault_rows, group_codes, repeated_rows, row_numbers
from .problems import Problem
from .rules import Tables, rule
from .vocabulary import BOUNDING_QUALIFIERS, MARKET_METRICS, METRIC_UNITS, NON_COUNTRY_SCOPES, STATUS_REASONS

CLAIMS = "reported_totals"


def _claims(t: Tables) -> pa.Table:
    return t.typed[CLAIMS]


@rule(
    "unit-metric",
    "The unit fits the metric (a mass for masses, a currency or coin for money, persons for arrests).",
    (CLAIMS,),
)
def unit_metric(t: Tables) -> list[Problem]:
    c = _claims(t)
    pairs = pc.binary_join_element_wise(c["metric"], c["unit"], "|")
    allowed = pa.array([f"{m}|{u}" for m, units in METRIC_UNITS.items() for u in units])
    out = []
    for row in fault_rows(pc.invert(pc.is_in(pairs, allowed))):
        metric, unit = c["metric"][row - 2].as_py(), c["unit"][row - 2].as_py()
        out.append(
            Problem(
                CLAIMS,
                row,
                "unit",
                "unit-metric",
                f"unit {unit!r} does not fit metric {metric!r}; use one of {', '.join(METRIC_UNITS.get(metric, ()))}",
            )
        )
    return out


@rule("market-required", "Market-size claims (market_* metrics) name their market in market_id.", (CLAIMS,))
def market_required(t: Tables) -> list[Problem]:
    c = _claims(t)
    missing = pc.and_(pc.is_in(c["metric"], pa.array(MARKET_METRICS)), pc.is_null(c["market_id"]))
    return [
        Problem(CLAIMS, r, "market_id", "market-required", "market_* metrics must name the market in market_id")
        for r in fault_rows(missing)
    ]


@rule("value-qualifier", "value is empty exactly when the qualifier is unquantified.", (CLAIMS,))
def value_qualifier(t: Tables) -> list[Problem]:
    c = _claims(t)
    mismatch = pc.not_equal(pc.equal(c["qualifier"], "unquantified"), pc.is_null(c["value"]))
    return [
        Problem(CLAIMS, r, "value", "value-qualifier", "value must be empty exactly when the qualifier is unquantified")
        for r in fault_rows(mismatch)
    ]


@rule("status-reason", "status_reason is set exactly when status is not current, and fits the status.", (CLAIMS,))
def status_reason(t: Tables) -> list[Problem]:
    c = _claims(t)
    allowed = pa.array([f"{s}|{r}" for s, reasons in STATUS_REASONS.items() for r in reasons] + ["current|"])
    pairs = pc.binary_join_element_wise(c["status"], pc.fill_null(c["status_reason"], ""), "|")
    out = []
    for row in fault_rows(pc.invert(pc.is_in(pairs, allowed))):
        status, reason = c["status"][row - 2].as_py(), c["status_reason"][row - 2].as_py()
        if status == "current":
            out.append(
                Problem(
                    CLAIMS,
                    row,
                    "status_reason",
                    "status-reason",
                    f"a current claim has no status_reason (found {reason!r}); clear it or change the status",
                )
            )
        else:
            found = f"found {reason!r}" if reason else "it is empty"
            out.append(
                Problem(
                    CLAIMS,
                    row,
                    "status_reason",
                    "status-reason",
                    f"status {status} needs a status_reason: one of {', '.join(STATUS_REASONS.get(status, ()))} ({found})",
                )
            )
    return out


@rule("status-note", "A claim that is not current gives the evidence in note.", (CLAIMS,))
def status_note(t: Tables) -> list[Problem]:
    c = _claims(t)
    missing = pc.and_(pc.not_equal(c["status"], "current"), pc.is_null(c["note"]))
    return [
        Problem(
            CLAIMS, r, "note", "status-note", f"a claim with status {c['status'][r - 2]} needs the evidence in note"
        )
        for r in fault_rows(missing)
    ]


@rule(
    "corrected-by",
    "corrected_by_claim_id is set only on errata and names another, current claim of the same operation (no cycles).",
    (CLAIMS,),
)
def corrected_by(t: Tables) -> list[Problem]:
    c = _claims(t)
    rows = pc.indices_nonzero(pc.is_valid(c["corrected_by_claim_id"])).to_pylist()
    if not rows:
        return []
    ids = c["claim_id"].to_pylist()
    at = {claim: i for i, claim in enumerate(ids)}
    status, operation, target = (
        c["status"].to_pylist(),
        c["operation_id"].to_pylist(),
        c["corrected_by_claim_id"].to_pylist(),
    )
    out = []
    for i in rows:
        problem = _correction_problem(i, ids, at, status, operation, target)
        if problem:
            out.append(Problem(CLAIMS, i + 2, "corrected_by_claim_id", "corrected-by", problem))
    return out


def _correction_problem(i: int, ids: list, at: dict, status: list, operation: list, target: list) -> str | None:
    if status[i] != "erratum":
        return f"only an erratum names the claim that corrects it; this claim is {status[i]}"
    if target[i] == ids[i]:
        return "an erratum cannot be corrected by itself; name the claim that gives the origin's figure"
    j = at.get(target[i])
    if j is None:
        return None  # the foreign-key check reports a missing claim
    chain, node = [ids[i]], j
    while node is not None and status[node] == "erratum" and ids[node] not in chain:
        chain.append(ids[node])
        node = at.get(target[node])
    if node is not None and ids[node] in chain:
        return f"errata correct each other in a cycle ({' -> '.join(chain + [ids[node]])}); one of them must point at a current claim"
    if status[j] != "current":
        return f"{target[i]} is {status[j]}; an erratum points at a current claim"
    if operation[j] != operation[i]:
        return f"{target[i]} belongs to {operation[j]}, not {operation[i]}"
    return None


def headline_groups(c: pa.Table) -> pa.Array:
    """One integer per headline group: operation, metric, item, scope and unit family."""
    from .vocabulary import family_of_units

    return group_codes(
        [
            c["operation_id"],
            c["metric"],
            pc.fill_null(c["item"], ""),
            pc.fill_null(c["market_id"], ""),
            c["scope_code"],
            family_of_units(c["unit"]),
        ]
    )[0]


@rule(
    "partial-alone",
    "A partial claim is not the only current claim of its group (operation, metric, item, market, scope, unit family).",
    (CLAIMS,),
)
def partial_alone(t: Tables) -> list[Problem]:
    c = _claims(t)
    partial = pc.equal(c["status"], "partial")
    if not pc.any(partial).as_py():
        return []
    groups = headline_groups(c)
    with_current = pc.unique(groups.filter(pc.equal(c["status"], "current")))
    alone = pc.and_(partial, pc.invert(pc.is_in(groups, with_current)))
    return [
        Problem(
            CLAIMS,
            r,
            "status",
            "partial-alone",
            "a partial count must sit beside a current claim of the same operation, metric, item, market, scope and unit family; "
            "with none, change its scope or metric to what it counts and keep it current",
        )
        for r in fault_rows(alone)
    ]


SUM_GROUP = ["operation_id", "metric", "item", "unit", "source_id"]


@rule(
    "duplicate-claim", "No two claims share operation, metric, item, market, scope, value, unit and source.", (CLAIMS,)
)
def duplicate_claims(t: Tables) -> list[Problem]:
    c = _claims(t)
    groups = group_codes([c[k] for k in SUM_GROUP])[0]
    return [
        Problem(
            CLAIMS,
            row + 2,
            "claim_id",
            "duplicate-claim",
            f"same operation, metric, item, market, scope, value, unit and source as row {first + 2}",
        )
        for row, first in repeated_rows([c["value"], groups, c["scope_code"], c["market_id"]])
    ]


def country_sum_gaps(c: pa.Table) -> pa.Table:
    """Per operation, metric, item, unit and source: the sum of current per-country claims beside the
    largest bounding WORLD claim (exact, up_to or less_than) of the same source.

    Columns: row (first per-country row, 0-based), n_countries, country_sum, world. INTL and
    UNSPECIFIED are left out: they are not countries and may overlap them. The largest WORLD figure
    is the bound, so a source that gives two worldwide figures is judged by the one it can meet.
    """
    current = pc.equal(c["status"], "current")
    is_world = pc.equal(c["scope_code"], "WORLD")
    bounding = pc.and_(pc.and_(current, is_world), pc.is_in(c["qualifier"], pa.array(BOUNDING_QUALIFIERS)))
    in_country = pc.and_(current, pc.invert(pc.is_in(c["scope_code"], pa.array(NON_COUNTRY_SCOPES))))
    codes = group_codes([c[k] for k in SUM_GROUP])[0]
    rows = pa.table({"group": codes, "value": c["value"], "row": row_numbers(c.num_rows)})
    bound = rows.filter(bounding).group_by("group", use_threads=False).aggregate([("value", "max")])
    sums = (
        rows.filter(in_country)
        .group_by("group", use_threads=False)
        .aggregate([("value", "sum"), ("row", "count"), ("row", "min")])
    )
    joined = sums.join(bound, "group", join_type="inner", use_threads=False)
    return pa.table(
        {
            "row": joined["row_min"],
            "n_countries": joined["row_count"],
            "country_sum": joined["value_sum"],
            "world": joined["value_max"],
        }
    ).sort_by("row")


@rule(
    "country-sum",
    "Per-country claims of one source never add up to more than that source's worldwide figure.",
    (CLAIMS,),
)
def country_sums(t: Tables) -> list[Problem]:
    c = _claims(t)
    if not pc.any(pc.equal(c["scope_code"], "WORLD")).as_py():
        return []
    gaps = country_sum_gaps(c)
    out = []
    for g in gaps.filter(pc.greater(gaps["country_sum"], gaps["world"])).to_pylist():
        key = {k: c[k][g["row"]].as_py() or "" for k in SUM_GROUP}
        text = (
            f"{key['operation_id']} {key['metric']} {key['item']} from {key['source_id']}: {g['n_countries']} per-country claims add up to "
            f"{g['country_sum']:g} {key['unit']}, above the WORLD figure {g['world']:g}"
        )
        out.append(Problem(CLAIMS, g["row"] + 2, "value", "country-sum", text.replace("  ", " ")))
    return out


@rule("uncited-source", "Every source is cited by at least one row of another table.", ("sources",))
def uncited_sources(t: Tables) -> list[Problem]:
    cited = [s["source_id"] for name, s in t.strings.items() if name != "sources" and "source_id" in s.column_names]
    if not cited:
        return []
    # distinct values first: a lookup set of a million repeated strings costs more memory than the column
    all_cited = pa.chunked_array([pc.unique(col) for col in cited], pa.string())
    ids = t.strings["sources"]["source_id"]
    return [
        Problem(
            "sources", r, "source_id", "uncited-source", f"source {ids[r - 2]} is cited by no row; cite it or remove it"
        )
        for r in fault_rows(pc.invert(pc.is_in(ids, all_cited)))
    ]


@rule("operation-without-claim", "Every operation has at least one claim.", ("operations", CLAIMS))
def operations_without_claims(t: Tables) -> list[Problem]:
    ids = t.strings["operations"]["operation_id"]
    claimed = pc.unique(t.strings[CLAIMS]["operation_id"])
    return [
        Problem(
            "operations",
            r,
            "operation_id",
            "operation-without-claim",
            f"operation {ids[r - 2]} has no claim in reported_totals",
        )
        for r in fault_rows(pc.invert(pc.is_in(ids, claimed)))
    ]
