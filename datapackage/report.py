"""The curator's coverage report: gaps, single-source figures, conflicts and country sums."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from .headline import headline_rows
from .validate import Validation


@dataclass(frozen=True)
class Section:
    title: str
    header: tuple[str, ...]
    rows: list[tuple]


def _fmt(v) -> str:
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:.10g}"
    return "" if v is None else str(v)


def country_sums(claims: list[dict]) -> list[tuple]:
    """Per (operation, metric, item, unit, source): WORLD figure versus the sum of its countries."""
    world: dict[tuple, float] = {}
    parts: dict[tuple, list[float]] = defaultdict(list)
    for c in claims:
        if c["status"] != "current" or c["value"] is None:
            continue
        key = (c["operation_id"], c["metric"], c["item"] or "", c["unit"], c["source_id"])
        if c["scope_code"] == "WORLD":
            world[key] = max(world.get(key, 0.0), c["value"])
        elif c["scope_code"] != "UNSPECIFIED":
            parts[key].append(c["value"])
    rows = []
    for key in sorted(world.keys() & parts.keys()):
        total = sum(parts[key])
        if total != world[key]:
            rows.append((*key, len(parts[key]), _fmt(total), _fmt(world[key]), "above" if total > world[key] else "short"))
    return rows


def build_sections(validation: Validation) -> list[Section]:
    """Compute every section of the report from validated seeds."""
    t = validation.typed
    claims = t["reported_totals"].to_pylist()
    operations = t["operations"].to_pylist()
    heads = headline_rows(t["reported_totals"], t["sources"], t["operation_agencies"])
    with_arrests = {c["operation_id"] for c in claims if c["metric"] == "arrests" and c["scope_code"] == "WORLD"}
    cited_by_claims = {c["source_id"] for c in claims}
    per_year_ops = Counter(o["announced_on"].year for o in operations)
    year_of = {o["operation_id"]: o["announced_on"].year for o in operations}
    per_year_claims = Counter(year_of[c["operation_id"]] for c in claims)
    return [
        Section("Operations without a worldwide arrests claim", ("operation_id", "operation_type"),
                [(o["operation_id"], o["operation_type"]) for o in operations if o["operation_id"] not in with_arrests]),
        Section("Figures resting on a single source", ("operation_id", "metric", "item", "scope", "unit_family", "claim"),
                [(h["operation_id"], h["metric"], h["item"], h["scope_code"], h["unit_family"], h["preferred_claim_id"]) for h in heads if h["n_sources"] == 1]),
        Section("Conflicts (same operation, metric, item, scope and unit family; different values)", ("operation_id", "metric", "item", "scope", "unit_family", "n_claims", "min", "max", "headline"),
                [(h["operation_id"], h["metric"], h["item"], h["scope_code"], h["unit_family"], h["n_claims"], _fmt(h["min_value"]), _fmt(h["max_value"]), _fmt(h["value"])) for h in heads if h["conflict"]]),
        Section("Per-country sums that differ from the same source's worldwide figure", ("operation_id", "metric", "item", "unit", "source_id", "countries", "sum", "world", "gap"),
                country_sums(claims)),
        Section("Sources cited by no claim (only by links or dates)", ("source_id",),
                [(s,) for s in t["sources"]["source_id"].to_pylist() if s not in cited_by_claims]),
        Section("Coverage by year of announcement", ("year", "operations", "claims"),
                [(y, per_year_ops[y], per_year_claims[y]) for y in sorted(per_year_ops)]),
    ]


def render(sections: list[Section], markdown: bool = False, limit: int = 40) -> str:
    """Render sections for a terminal, or as Markdown for a pull request."""
    out = []
    for s in sections:
        out.append(f"## {s.title} ({len(s.rows)})\n" if markdown else f"{s.title}: {len(s.rows)}")
        shown = s.rows if markdown else s.rows[:limit]
        if markdown and s.rows:
            out.append("| " + " | ".join(s.header) + " |")
            out.append("|" + "---|" * len(s.header))
            out += ["| " + " | ".join(str(v) for v in r) + " |" for r in shown]
        else:
            out += ["  " + "  ".join(str(v) for v in r) for r in shown]
            if len(s.rows) > len(shown):
                out.append(f"  ... and {len(s.rows) - len(shown)} more (--format markdown lists all)")
        out.append("")
    return "\n".join(out)
