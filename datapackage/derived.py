"""The tables derived at build time (headline_totals, coverage, changes): their schemas, the
coverage computation, and how each is written as CSV + Parquet with its release resource."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .arrays import plain
from .checksums import sha256_bytes, sha256_file
from .constraints import check_table
from .csvfiles import read_strings
from .errors import DatapackageError
from .headline import FIELDS as HEADLINE_FIELDS
from .headline import RULE_VERSION
from .parquet import write_parquet
from .paths import RELEASE_DATA_DIRNAME
from .schema import parse_schema

_ID = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def _f(name: str, type_: str, description: str, **constraints) -> dict:
    field: dict[str, object] = {"name": name, "type": type_, "description": description}
    if type_ == "boolean":
        field.update(trueValues=["true"], falseValues=["false"])
    if constraints:
        field["constraints"] = constraints
    return field


HEADLINE_DESCRIPTION = (
    f"One preferred claim per operation, metric, item, market, scope and unit family, chosen by headline rule {RULE_VERSION} "
    "(the value with the most independent origins; official before other; most outlets; the lead or coordinating agency's figure; "
    "exact before qualified; primary before relayed; latest; lowest), with the spread of all current claims and a conflict flag. "
    "Errata and partial counts never take part. Derived: re-rank from reported_totals if you prefer another rule."
)
COVERAGE_DESCRIPTION = (
    "What the claims cover: one row per operation, metric and scope that has claims, plus every operation x core metric "
    "at WORLD scope, so that missing figures are rows with n_current = 0 rather than silent zeros."
)

HEADLINE_SCHEMA: dict[str, Any] = {
    "fields": [
        _f("operation_id", "string", "Operation (operations.operation_id).", required=True, pattern=_ID),
        _f("metric", "string", "Metric of the group.", required=True),
        _f("item", "string", "Item of the group; empty for plain counts."),
        _f("market_id", "string", "Market of a market_* figure (users, vendors, listings, turnover); empty otherwise."),
        _f("scope_code", "string", "WORLD or a country code.", required=True),
        _f(
            "unit_family",
            "string",
            "count, mass, or the currency or coin itself (no exchange rates are applied).",
            required=True,
        ),
        _f(
            "preferred_claim_id",
            "string",
            f"The claim chosen by headline rule {RULE_VERSION} (reported_totals.claim_id).",
            required=True,
            pattern=_ID,
        ),
        _f("value", "number", "Value of the preferred claim, in its unit."),
        _f("unit", "string", "Unit of the preferred claim.", required=True),
        _f("qualifier", "string", "Qualifier of the preferred claim.", required=True),
        _f(
            "value_kg",
            "number",
            "For masses: the preferred value in kilograms (1 lb = 0.45359237 kg, 1 oz = 0.028349523125 kg, 1 t = 1000 kg).",
        ),
        _f("source_id", "string", "Source of the preferred claim.", required=True),
        _f(
            "tier",
            "integer",
            "1 primary source, 2 attributed to an agency that took part, 3 other.",
            required=True,
            minimum=1,
        ),
        _f(
            "support",
            "integer",
            "Independent origins (agencies, wire stories, publishers) that report the preferred value.",
            required=True,
            minimum=1,
        ),
        _f("rule_version", "string", "Version of the headline rule that chose the claim.", required=True),
        _f("n_claims", "integer", "Current claims in the group.", required=True, minimum=1),
        _f("n_sources", "integer", "Distinct sources of those claims.", required=True, minimum=1),
        _f("min_value", "number", "Smallest value in the group (kg for masses)."),
        _f("max_value", "number", "Largest value in the group (kg for masses)."),
        _f("conflict", "boolean", "true when the group's current claims give different values.", required=True),
    ],
    "missingValues": [""],
}

COVERAGE_SCHEMA: dict[str, Any] = {
    "fields": [
        _f("operation_id", "string", "Operation (operations.operation_id).", required=True, pattern=_ID),
        _f(
            "parent_operation_id",
            "string",
            "The operation this one sits inside: leave such rows out of totals over operations, or the child is counted twice.",
        ),
        _f("metric", "string", "Metric.", required=True),
        _f("scope_code", "string", "WORLD or a country code.", required=True),
        _f("n_claims", "integer", "Claims of any status.", required=True, minimum=0),
        _f("n_current", "integer", "Current claims (those that count in headlines).", required=True, minimum=0),
        _f("n_sources", "integer", "Distinct sources of the current claims.", required=True, minimum=0),
        _f(
            "has_headline",
            "boolean",
            "true when a current claim gives a value: a headline figure exists. false means missing, never zero.",
            required=True,
        ),
    ],
    "primaryKey": ["operation_id", "metric", "scope_code"],
    "missingValues": [""],
}

CORE_METRICS = (
    "arrests",
    "searches",
    "seizure_drugs_mass",
    "seizure_firearms",
    "seizure_cash",
    "seizure_crypto",
    "seizure_cash_and_crypto",
)

CHANGES_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "table", "type": "string", "description": "Table of the record.", "constraints": {"required": True}},
        {
            "name": "key",
            "type": "string",
            "description": "Primary key of the record; parts of a composite key joined by |.",
            "constraints": {"required": True},
        },
        {
            "name": "change",
            "type": "string",
            "description": "added, removed, or changed (one row per changed cell).",
            "constraints": {"required": True, "enum": ["added", "removed", "changed"]},
        },
        {"name": "field", "type": "string", "description": "Changed field; empty for added and removed records."},
        {"name": "old_value", "type": "string", "description": "Value in the previous release."},
        {"name": "new_value", "type": "string", "description": "Value in this release."},
    ],
    "missingValues": [""],
}


def coverage_table(claims: pa.Table, operations: pa.Table) -> pa.Table:
    """Rows of the coverage table, sorted by operation, metric and scope."""
    key = ["operation_id", "metric", "scope_code"]
    c = pa.table({k: plain(claims[k]) for k in key + ["status", "source_id"]}).append_column(
        "has_value", pc.is_valid(claims["value"])
    )
    every = c.group_by(key, use_threads=False).aggregate([("status", "count")]).rename_columns(key + ["n_claims"])
    current = c.filter(pc.equal(c["status"], "current"))
    counted = current.group_by(key, use_threads=False).aggregate(
        [("status", "count"), ("source_id", "count_distinct"), ("has_value", "any")]
    )
    counted = counted.rename_columns(key + ["n_current", "n_sources", "has_headline"])
    ops = plain(operations["operation_id"])
    n = len(ops)
    core = pa.table(
        {
            "operation_id": pa.concat_arrays([ops] * len(CORE_METRICS)),
            "metric": pa.array([m for m in CORE_METRICS for _ in range(n)], pa.string()),
            "scope_code": pa.array(["WORLD"] * (n * len(CORE_METRICS)), pa.string()),
        }
    )
    rows = pa.concat_tables([every.select(key), core]).group_by(key, use_threads=False).aggregate([])
    rows = rows.join(every, key, join_type="left outer", use_threads=False).join(
        counted, key, join_type="left outer", use_threads=False
    )
    parents = pa.table({"operation_id": ops, "parent_operation_id": plain(operations["parent_operation_id"])})
    rows = rows.join(parents, "operation_id", join_type="left outer", use_threads=False)
    zero = pa.scalar(0, pa.int64())
    out = pa.table(
        {
            "operation_id": rows["operation_id"],
            "parent_operation_id": rows["parent_operation_id"],
            "metric": rows["metric"],
            "scope_code": rows["scope_code"],
            "n_claims": pc.coalesce(rows["n_claims"], zero),
            "n_current": pc.coalesce(rows["n_current"], zero),
            "n_sources": pc.coalesce(rows["n_sources"], zero),
            "has_headline": pc.coalesce(rows["has_headline"], pa.scalar(False)),
        }
    )
    return out.sort_by([(k, "ascending") for k in key])


def render_csv(table: pa.Table | list[dict], fields: tuple[str, ...] | list[str]) -> bytes:
    """Serialise rows as CSV with LF line endings: numbers without a trailing .0, booleans as true/false."""
    rows = table.to_pylist() if isinstance(table, pa.Table) else table
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    writer.writerows([_cell(r[f]) for f in fields] for r in rows)
    return out.getvalue().encode("utf-8")


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
    return render_csv(rows, HEADLINE_FIELDS)


def write_derived(
    folder: Path,
    name: str,
    csv_bytes: bytes,
    schema_descriptor: dict,
    description: str,
    strings: pa.Table | None = None,
) -> dict:
    """Write data/<name>.csv and .parquet and return the release resource describing both.

    The table is checked against its schema first (a failure is a bug): as given in `strings`
    (string columns, "" for empty) when the caller has it, else as read back from the CSV.
    """
    schema = parse_schema(name, schema_descriptor, f"derived table {name}")
    problems: list = []
    if strings is None:
        strings, problems = read_strings(name, csv_bytes, schema)
    typed, cell_problems = check_table(name, schema, strings) if strings is not None else (None, [])
    problems = [p for p in problems + cell_problems if p.code != "empty-table"]
    if problems or typed is None:
        raise DatapackageError(
            f"derived table {name} is invalid (a bug): {problems[0].line() if problems else 'unreadable'}"
        )
    data_dir = folder / RELEASE_DATA_DIRNAME
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / f"{name}.csv").write_bytes(csv_bytes)
    write_parquet(schema, typed, data_dir / f"{name}.parquet")
    resource = {
        "name": name,
        "path": f"{RELEASE_DATA_DIRNAME}/{name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": description,
        "derived": True,
        "bytes": len(csv_bytes),
        "hash": f"sha256:{sha256_bytes(csv_bytes)}",
        "schema": schema_descriptor,
    }
    parquet = data_dir / f"{name}.parquet"
    resource["parquet"] = {
        "path": f"{RELEASE_DATA_DIRNAME}/{name}.parquet",
        "mediatype": "application/vnd.apache.parquet",
        "compression": "zstd",
        "bytes": parquet.stat().st_size,
        "hash": f"sha256:{sha256_file(parquet)}",
    }
    return resource
