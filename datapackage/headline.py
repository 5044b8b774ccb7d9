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
from dataclasses import dataclass

import pyarrow as pa

from .vocabulary import KG_PER_UNIT, UNIT_FAMILY

RULE_VERSION = "1"
QUALIFIER_RANK = {"exact": 0, "approximately": 1, "at_least": 2, "more_than": 3, "up_to": 4, "less_than": 5, "unquantified": 6}
FIELDS = ("operation_id", "metric", "item", "scope_code", "unit_family", "preferred_claim_id", "value", "unit", "qualifier",
          "value_kg", "source_id", "tier", "rule_version", "n_claims", "n_sources", "min_value", "max_value", "conflict")


@dataclass(frozen=True)
class Claim:
    claim_id: str
    group: tuple[str, str, str, str, str]
    value: float | None
    unit: str
    qualifier: str
    source_id: str
    tier: int
    date: str


def unit_family(unit: str) -> str:
    """Return 'count' or 'mass', or the currency or coin itself."""
    family = UNIT_FAMILY[unit]
    return unit if family in ("currency", "coin") else family


def comparable(value: float | None, unit: str) -> float | None:
    """Return the value in kg for masses, as is otherwise."""
    if value is None:
        return None
    return value * KG_PER_UNIT[unit] if unit in KG_PER_UNIT else value


def collect_claims(claims: pa.Table, sources: pa.Table, operation_agencies: pa.Table) -> list[Claim]:
    """Turn current claims into Claim records with their tier and date."""
    primacy = dict(zip(sources["source_id"].to_pylist(), sources["primacy"].to_pylist()))
    published = dict(zip(sources["source_id"].to_pylist(), sources["published_on"].to_pylist()))
    took_part = set(zip(operation_agencies["operation_id"].to_pylist(), operation_agencies["agency_id"].to_pylist()))
    out = []
    for r in claims.to_pylist():
        if r["status"] != "current":
            continue
        tier = 1 if primacy.get(r["source_id"]) == "primary" else 2 if (r["operation_id"], r["attributed_to_agency_id"]) in took_part else 3
        date = r["as_of"] or published.get(r["source_id"])
        group = (r["operation_id"], r["metric"], r["item"] or "", r["scope_code"], unit_family(r["unit"]))
        out.append(Claim(r["claim_id"], group, r["value"], r["unit"], r["qualifier"], r["source_id"], tier, date.isoformat() if date else ""))
    return out


def preference(c: Claim) -> tuple:
    """Sort key: the preferred claim of a group sorts first."""
    value = comparable(c.value, c.unit)
    return (c.tier, "~" if not c.date else _invert(c.date), QUALIFIER_RANK[c.qualifier], value is None, value or 0.0, c.claim_id)


def _invert(date: str) -> str:
    """Make later dates sort first in an ascending sort."""
    return "".join(chr(ord("9") - ord(ch) + ord("0")) if ch.isdigit() else ch for ch in date)


def headline_rows(claims: list[Claim]) -> list[dict]:
    """Return one headline row per group, sorted by group."""
    groups: dict[tuple, list[Claim]] = {}
    for c in claims:
        groups.setdefault(c.group, []).append(c)
    rows = []
    for group in sorted(groups):
        members = sorted(groups[group], key=preference)
        best = members[0]
        values = [comparable(c.value, c.unit) for c in members if c.value is not None]
        distinct = {round(v, 6) for v in values}
        rows.append({
            **dict(zip(FIELDS[:5], group)), "preferred_claim_id": best.claim_id, "value": best.value, "unit": best.unit,
            "qualifier": best.qualifier, "value_kg": comparable(best.value, best.unit) if best.unit in KG_PER_UNIT else None,
            "source_id": best.source_id, "tier": best.tier, "rule_version": RULE_VERSION, "n_claims": len(members),
            "n_sources": len({c.source_id for c in members}), "min_value": min(values) if values else None,
            "max_value": max(values) if values else None, "conflict": len(distinct) > 1,
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
