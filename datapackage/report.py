"""The curator's coverage report: gaps, single-source figures, conflicts, country sums and scope hints."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .claim_rules import country_sum_gaps
from .headline import headline_rows
from .validate import Validation

NARROWER = re.compile(
    r"\b(?:arrested or charged|charged or arrested|detained or charged|charged or detained|own share|alone|only)\b",
    re.I,
)


@dataclass(frozen=True)
class Section:
    title: str
    header: tuple[str, ...]
    rows: list[tuple]


def _fmt(v) -> str:
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:.10g}"
    return "" if v is None else str(v)


def country_sums(validation: Validation) -> list[tuple]:
    """Per (operation, metric, item, unit, source): the sum of its countries beside its WORLD figure, where they differ."""
    claims = validation.typed["reported_totals"]
    rows = []
    for g in country_sum_gaps(claims).to_pylist():
        if g["country_sum"] != g["world"]:
            key = [claims[k][g["row"]].as_py() or "" for k in ("operation_id", "metric", "item", "unit", "source_id")]
            rows.append(
                (
                    *key,
                    g["n_countries"],
                    _fmt(g["country_sum"]),
                    _fmt(g["world"]),
                    "above" if g["country_sum"] > g["world"] else "short",
                )
            )
    return sorted(rows)


def narrower_scope(claims: list[dict], countries: list[dict]) -> list[tuple]:
    """Current WORLD claims whose note names one country ("in Germany") or a narrower count ("arrested or charged")."""
    names = sorted(
        {c["name"] for c in countries if not c["is_aggregate"] and len(c["name"]) > 3}, key=len, reverse=True
    )
    in_country = (
        re.compile(r"\bin (?:the )?(" + "|".join(re.escape(n) for n in names) + r"|US|UK)\b") if names else None
    )
    rows = []
    for c in claims:
        note = c["note"] or ""
        if c["status"] != "current" or c["scope_code"] != "WORLD" or not note:
            continue
        hint = NARROWER.search(note) or (in_country.search(note) if in_country else None)
        if hint:
            rows.append((c["claim_id"], c["metric"], _fmt(c["value"]), hint.group(0)))
    return rows


def build_sections(validation: Validation) -> list[Section]:
    """Compute every section of the report from validated seeds."""
    t = validation.typed
    claims = t["reported_totals"].to_pylist()
    operations = t["operations"].to_pylist()
    heads = headline_rows(t["reported_totals"], t["sources"], t["operation_agencies"], t["agencies"])
    with_arrests = {h["operation_id"] for h in heads if h["metric"] == "arrests" and h["scope_code"] == "WORLD"}
    cited_by_claims = {c["source_id"] for c in claims}
    year_of = {o["operation_id"]: o["announced_on"].year for o in operations}
    per_year_ops, per_year_claims = Counter(year_of.values()), Counter(year_of[c["operation_id"]] for c in claims)
    statuses = Counter((c["status"], c["status_reason"] or "") for c in claims)
    return [
        Section(
            "Operations without a worldwide arrests headline",
            ("operation_id", "operation_type"),
            [(o["operation_id"], o["operation_type"]) for o in operations if o["operation_id"] not in with_arrests],
        ),
        Section(
            "Headline figures resting on a single source",
            ("operation_id", "metric", "item", "scope", "unit_family", "claim"),
            [
                (h["operation_id"], h["metric"], h["item"], h["scope_code"], h["unit_family"], h["preferred_claim_id"])
                for h in heads
                if h["n_sources"] == 1
            ],
        ),
        Section(
            "Conflicts (same operation, metric, item, scope and unit family; different values)",
            ("operation_id", "metric", "item", "scope", "unit_family", "n_claims", "min", "max", "headline", "support"),
            [
                (
                    h["operation_id"],
                    h["metric"],
                    h["item"],
                    h["scope_code"],
                    h["unit_family"],
                    h["n_claims"],
                    _fmt(h["min_value"]),
                    _fmt(h["max_value"]),
                    _fmt(h["value"]),
                    h["support"],
                )
                for h in heads
                if h["conflict"]
            ],
        ),
        Section(
            "Per-country sums that differ from the same source's worldwide figure",
            ("operation_id", "metric", "item", "unit", "source_id", "countries", "sum", "world", "gap"),
            country_sums(validation),
        ),
        Section(
            "WORLD claims whose note suggests a narrower scope or count (check scope_code, metric, status)",
            ("claim_id", "metric", "value", "hint"),
            narrower_scope(claims, t["countries"].to_pylist()),
        ),
        Section(
            "Claims by status and reason",
            ("status", "status_reason", "claims"),
            [(s, r, n) for (s, r), n in sorted(statuses.items())],
        ),
        Section(
            "Sources cited by no claim (only by links or dates)",
            ("source_id",),
            [(s,) for s in t["sources"]["source_id"].to_pylist() if s not in cited_by_claims],
        ),
        Section(
            "Coverage by year of announcement",
            ("year", "operations", "claims"),
            [(y, per_year_ops[y], per_year_claims[y]) for y in sorted(per_year_ops)],
        ),
    ]


def render(sections: list[Section], markdown: bool = False, limit: int = 40) -> str:
    """Render sections for a terminal, or as Markdown for a pull request."""
    out = []
    for s in sections:
        out.append(f"## {s.title} ({len(s.rows)})\n" if markdown else f"{s.title}: {len(s.rows)}")
        shown = s.rows if markdown else s.rows[:limit]
        if markdown and s.rows:
            out += ["| " + " | ".join(s.header) + " |", "|" + "---|" * len(s.header)]
            out += ["| " + " | ".join(str(v) for v in r) + " |" for r in shown]
        else:
            out += ["  " + "  ".join(str(v) for v in r) for r in shown]
            if len(s.rows) > len(shown):
                out.append(f"  ... and {len(s.rows) - len(shown)} more (--format markdown lists all)")
        out.append("")
    return "\n".join(out)
