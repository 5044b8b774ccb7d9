"""Business rules: what the data model requires beyond any Table Schema, as a registry.

Each rule is one function of the tables with one code and a one-line description, registered with
@rule (the way frictionless declares its checks). `dwe validate` runs every rule whose tables could
be read, and names the rules it had to skip; CURATING.md and the codebook list RULES.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from . import privacy
from .arrays import fault_rows, first_descent
from .problems import Problem
from .schema import TableSchema

EARLIEST_DATE = dt.date(1990, 1, 1)  # before any dark-web market or operation
DATE_MARGIN_DAYS = 31  # announcements and sources may be dated a little ahead of the day of validation
FORMULA = r"^\s*[=+\-@]"  # a spreadsheet runs a cell starting so, even after spaces or a tab
CONTROL = r"[\x00-\x1F\x7F]"
INVISIBLE = r"^[\s\x{00A0}\x{200B}-\x{200D}\x{2060}\x{FEFF}]+$"


@dataclass(frozen=True)
class Tables:
    """What a rule sees: the tables that could be read, as strings ("" empty) and typed, with schemas."""

    strings: dict[str, pa.Table]
    typed: dict[str, pa.Table]
    schemas: dict[str, TableSchema]
    denylist: frozenset[str] = frozenset()
    cache: dict = field(default_factory=dict, compare=False, repr=False)

    def suspicious_text(self, table: str, name: str) -> tuple[pa.Array, pa.Array]:
        """(row indices, cells) of a text column that any text rule could flag: one regex pass shared by all three."""
        key = ("suspicious", table, name)
        if key not in self.cache:
            column = self.strings[table][name]
            rows = pc.indices_nonzero(
                pc.fill_null(pc.match_substring_regex(column, f"{CONTROL}|{FORMULA}|{INVISIBLE}"), False)
            )
            self.cache[key] = (rows, pc.take(column, rows))
        return self.cache[key]


@dataclass(frozen=True)
class Rule:
    """A business rule: its problem code, what it requires, the tables it needs, and its check."""

    code: str
    description: str
    tables: tuple[str, ...]
    check: Callable[[Tables], list[Problem]]


RULES: dict[str, Rule] = {}


def rule(code: str, description: str, tables: tuple[str, ...] = ()):
    """Register a check under `code`; it runs only when every table in `tables` could be read."""

    def register(check: Callable[[Tables], list[Problem]]):
        RULES[code] = Rule(code, description, tables, check)
        return check

    return register


def text_fields(schema: TableSchema) -> list[str]:
    """Free-text fields: strings without an enum (an enum field holds nothing but its values)."""
    return [f.name for f in schema.fields if f.type == "string" and not f.enum]


def _per_text_cell(t: Tables, code: str, pattern: str, message: str) -> list[Problem]:
    out = []
    for name in sorted(t.strings):
        for column in text_fields(t.schemas[name]):
            rows, cells = t.suspicious_text(name, column)
            if len(rows):
                hits = rows.filter(pc.fill_null(pc.match_substring_regex(cells, pattern), False))
                out += [Problem(name, r + 2, column, code, message) for r in hits.to_pylist()]
    return out


@rule(
    "formula-text",
    "Text cells never start with =, +, - or @, even after spaces: a spreadsheet would run them as a formula.",
)
def formula_text(t: Tables) -> list[Problem]:
    return _per_text_cell(
        t,
        "formula-text",
        FORMULA,
        "text starts with =, +, - or @ (after any spaces) and would run as a spreadsheet formula; reword it",
    )


@rule("control-character", "Text cells hold no control characters (NUL, ESC, tab, line breaks).")
def control_characters(t: Tables) -> list[Problem]:
    return _per_text_cell(
        t, "control-character", CONTROL, "text holds a control character (NUL, ESC, tab or a line break); remove it"
    )


@rule(
    "invisible-text", "A non-empty text cell holds something visible, not only spaces, no-break or zero-width spaces."
)
def invisible_text(t: Tables) -> list[Problem]:
    return _per_text_cell(
        t,
        "invisible-text",
        INVISIBLE,
        "text holds only spaces or invisible characters; leave the cell empty or write the text",
    )


@rule("private-name", "No text names a person on the privacy deny-list.")
def private_names(t: Tables) -> list[Problem]:
    return [
        p
        for name in sorted(t.strings)
        for p in privacy.denylisted_names(name, t.schemas[name], t.strings[name], t.denylist)
    ]


@rule("person-name", "Fields for organisations do not hold what looks like a person's name.")
def person_names(t: Tables) -> list[Problem]:
    return [
        p
        for name in sorted(t.strings)
        for p in privacy.person_in_organisation_fields(name, t.schemas[name], t.strings[name])
    ]


@rule("date-precision", "A *_precision field is set exactly when its date is set.")
def date_precision(t: Tables) -> list[Problem]:
    out = []
    for name, typed in sorted(t.typed.items()):
        schema = t.schemas[name]
        for f in schema.fields:
            if f.type == "date" and f"{f.name}_precision" in schema.field_names:
                mismatch = pc.not_equal(pc.is_valid(typed[f.name]), pc.is_valid(typed[f"{f.name}_precision"]))
                out += [
                    Problem(
                        name,
                        r,
                        f"{f.name}_precision",
                        "date-precision",
                        f"{f.name}_precision must be set exactly when {f.name} is set",
                    )
                    for r in fault_rows(mismatch)
                ]
    return out


@rule("date-range", f"Dates lie between {EARLIEST_DATE} and {DATE_MARGIN_DAYS} days after the day of validation.")
def date_range(t: Tables) -> list[Problem]:
    latest = dt.date.today() + dt.timedelta(days=DATE_MARGIN_DAYS)
    out = []
    for name, typed in sorted(t.typed.items()):
        for f in t.schemas[name].fields:
            if f.type != "date":
                continue
            values = typed[f.name]
            outside = pc.or_(pc.less(values, pa.scalar(EARLIEST_DATE)), pc.greater(values, pa.scalar(latest)))
            text = t.strings[name][f.name]  # the text as written: year 0 has no Python date to print
            out += [
                Problem(
                    name,
                    r,
                    f.name,
                    "date-range",
                    f"{text[r - 2]} is outside the plausible range ({EARLIEST_DATE} to {DATE_MARGIN_DAYS} days after today); check the year",
                )
                for r in fault_rows(outside)
            ]
    return out


DATE_PAIRS = {
    "operations": [("started_on", "takedown_on"), ("takedown_on", "announced_on"), ("started_on", "announced_on")],
    "markets": [
        ("launched_on", "closed_on"),
        ("launched_on", "last_seen_active_on"),
        ("last_seen_active_on", "closed_on"),
    ],
}


@rule("date-order", "Dates are in order: started <= takedown <= announced; launched <= last seen active <= closed.")
def date_order(t: Tables) -> list[Problem]:
    out = []
    for name, pairs in DATE_PAIRS.items():
        typed, text = t.typed.get(name), t.strings.get(name)
        if typed is None or text is None:
            continue
        for early, late in pairs:
            if early in typed.column_names and late in typed.column_names:
                for row in fault_rows(pc.greater(typed[early], typed[late])):
                    out.append(
                        Problem(
                            name,
                            row,
                            late,
                            "date-order",
                            f"{late} {text[late][row - 2]} is before {early} {text[early][row - 2]}",
                        )
                    )
    return out


@rule("unsorted", "Rows are sorted by primary key (`dwe fmt` sorts them).")
def sort_order(t: Tables) -> list[Problem]:
    out = []
    for name, strings in sorted(t.strings.items()):
        key = t.schemas[name].primary_key
        row = first_descent([strings[k] for k in key]) if key and strings.num_rows > 1 else None
        if row is not None:
            out.append(
                Problem(
                    name,
                    row + 2,
                    "",
                    "unsorted",
                    f"rows are not sorted by primary key ({', '.join(key)}) from here on; run `dwe fmt`",
                )
            )
    return out


def _parents_cycles(table: str, ids: list, parents: list, field: str) -> list[Problem]:
    parent_of = {i: p for i, p in zip(ids, parents) if p}
    row_of = {i: n + 2 for n, i in enumerate(ids)}
    out, reported = [], set()
    for start in parent_of:
        seen, node = [], start
        while node in parent_of and node not in seen:
            seen.append(node)
            node = parent_of[node]
        if node in seen and node not in reported:
            loop = seen[seen.index(node) :]
            reported.update(loop)
            out.append(
                Problem(
                    table,
                    row_of[min(loop)],
                    field,
                    "parent-cycle",
                    f"{' -> '.join(sorted(loop))} -> {min(loop)} ... is a cycle; a parent cannot descend from its child",
                )
            )
    return out


@rule("parent-cycle", "parent_operation_id and parent_agency_id never form a cycle.", ("operations", "agencies"))
def parent_cycles(t: Tables) -> list[Problem]:
    ops, agencies = t.strings["operations"], t.strings["agencies"]
    return _parents_cycles(
        "operations", ops["operation_id"].to_pylist(), ops["parent_operation_id"].to_pylist(), "parent_operation_id"
    ) + _parents_cycles(
        "agencies", agencies["agency_id"].to_pylist(), agencies["parent_agency_id"].to_pylist(), "parent_agency_id"
    )


@rule("last-seen", "A market with closure_type none_reported has last_seen_active_on and no closed_on.", ("markets",))
def last_seen(t: Tables) -> list[Problem]:
    m = t.typed["markets"]
    none_reported = pc.equal(m["closure_type"], "none_reported")
    out = [
        Problem(
            "markets",
            r,
            "last_seen_active_on",
            "last-seen",
            "closure_type none_reported needs last_seen_active_on: the last date the cited source saw the market running",
        )
        for r in fault_rows(pc.and_(none_reported, pc.is_null(m["last_seen_active_on"])))
    ]
    out += [
        Problem(
            "markets",
            r,
            "closure_type",
            "last-seen",
            "a market with closed_on has closed: closure_type cannot be none_reported (use unknown when no reason is reported)",
        )
        for r in fault_rows(pc.and_(none_reported, pc.is_valid(m["closed_on"])))
    ]
    return out


def registered() -> dict[str, Rule]:
    """Every rule, those on claims, sources and operations (claim_rules) included, by code."""
    from . import claim_rules  # noqa: F401  (registers its rules on import)

    return dict(sorted(RULES.items()))
