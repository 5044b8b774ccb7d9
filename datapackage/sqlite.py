"""A SQLite copy of a release: typed tables with keys, full-text indexes and views, for Datasette or sqlite3.

Everything comes from the descriptor: one table per resource, typed by its inline Table Schema, so a
table or field added in a later release needs no change here. The same input gives the same bytes
with the same SQLite library (its version is part of the file header).
"""

from __future__ import annotations

import csv
import datetime
import html
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from .errors import DatapackageError

SQL_TYPES = {
    "string": "TEXT",
    "number": "REAL",
    "integer": "INTEGER",
    "date": "DATE",
    "boolean": "INTEGER",
    "year": "INTEGER",
}
TRUE_VALUES, FALSE_VALUES = ["true", "True", "TRUE", "1"], ["false", "False", "FALSE", "0"]

# table -> text columns indexed for full-text search (Datasette finds them by content="<table>")
FTS_COLUMNS = {
    "agencies": ("name", "acronym"),
    "markets": ("name", "note"),
    "operations": ("name", "summary"),
    "sources": ("title", "publisher"),
}

# name -> (description, tables it reads, SELECT); {h}/{r} expand to the columns of that table's schema
VIEWS = {
    "headline_by_operation": (
        "Headline figures with the operation's name and year (of announcement, else takedown, else start).",
        ("headline_totals", "operations"),
        "SELECT h.operation_id, o.name AS operation_name, "
        "CAST(substr(COALESCE(o.announced_on, o.takedown_on, o.started_on), 1, 4) AS INTEGER) AS year, {h} "
        "FROM headline_totals AS h JOIN operations AS o ON o.operation_id = h.operation_id "
        "ORDER BY h.rowid",  # the release writes rows sorted by key
    ),
    "claims_with_sources": (
        "Every claim with its source's title, publisher and URL.",
        ("reported_totals", "sources"),
        "SELECT {r}, s.title AS source_title, s.publisher AS source_publisher, s.url AS source_url "
        "FROM reported_totals AS r LEFT JOIN sources AS s ON s.source_id = r.source_id ORDER BY r.rowid",
    ),
    "market_actions": (
        "Markets with the operations that acted on them and what they did.",
        ("markets", "operation_markets", "operations"),
        "SELECT m.market_id, m.name AS market_name, m.market_category, m.closure_type, om.action, "
        "om.operation_id, o.name AS operation_name, COALESCE(o.takedown_on, o.announced_on) AS acted_on, om.source_id "
        "FROM markets AS m JOIN operation_markets AS om ON om.market_id = m.market_id "
        "JOIN operations AS o ON o.operation_id = om.operation_id ORDER BY m.market_id, om.operation_id, om.action",
    ),
    "arrests_per_operation_year": (
        "Worldwide arrests headline per operation and year: SELECT year, sum(arrests) ... GROUP BY year for totals.",
        ("headline_totals", "operations"),
        "SELECT year, operation_id, operation_name, value AS arrests, qualifier, n_claims, n_sources, "
        "min_value, max_value, conflict FROM headline_by_operation "
        "WHERE metric = 'arrests' AND scope_code = 'WORLD' ORDER BY year, operation_id",
    ),
}


def quote(name: str) -> str:
    """Quote an SQL identifier (`table` is a column of `changes`)."""
    return '"' + name.replace('"', '""') + '"'


def key_list(value) -> list[str]:
    """A Table Schema key as a list: it may be one field name or a list of them."""
    return [value] if isinstance(value, str) else list(value or [])


def write_sqlite(folder: Path, resources: list[dict], target: Path) -> None:
    """Write every tabular resource of a release folder into one SQLite database at `target`, replacing it.

    Written beside `target` under a temporary name and renamed into place, so a failure leaves no file.
    """
    tables = {r["name"]: r for r in sorted(resources, key=lambda r: r["name"]) if r.get("schema") and r.get("path")}
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp, isolation_level=None)
    try:
        fill_database(db, folder, tables)
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise
    db.close()
    os.replace(tmp, target)


def fill_database(db: sqlite3.Connection, folder: Path, tables: dict) -> None:
    """Create and fill the tables in name order, then indexes, full-text indexes and views; check keys; compact."""
    db.execute("PRAGMA page_size = 4096")
    db.execute("BEGIN")
    for name, resource in tables.items():
        db.execute(create_table_sql(name, resource["schema"], tables))
        marks = ", ".join("?" * len(resource["schema"]["fields"]))
        db.executemany(f"INSERT INTO {quote(name)} VALUES ({marks})", typed_rows(folder, resource))
    for statement in index_sql(tables) + fts_sql(tables) + view_sql(tables):
        db.execute(statement)
    db.execute("COMMIT")
    check_foreign_keys(db)
    db.execute("VACUUM")  # same statements, same pages: the file's bytes depend on the input only


def create_table_sql(name: str, schema: dict, tables: dict) -> str:
    """CREATE TABLE with types, NOT NULL, the primary key and the foreign keys whose table is present."""
    columns = []
    for field in schema["fields"]:
        column = f"{quote(field['name'])} {SQL_TYPES.get(field.get('type', 'string'), 'TEXT')}"
        constraints = field.get("constraints") or {}
        columns.append(
            column
            + (" NOT NULL" if constraints.get("required") else "")
            + (" UNIQUE" if constraints.get("unique") else "")
        )
    if schema.get("primaryKey"):
        columns.append(f"PRIMARY KEY ({', '.join(map(quote, key_list(schema['primaryKey'])))})")
    for fields, parent, parent_fields in foreign_keys(name, schema, tables):
        columns.append(
            f"FOREIGN KEY ({', '.join(map(quote, fields))}) REFERENCES {quote(parent)} ({', '.join(map(quote, parent_fields))})"
        )
    return f"CREATE TABLE {quote(name)} (\n  " + ",\n  ".join(columns) + "\n)"


def foreign_keys(name: str, schema: dict, tables: dict) -> list[tuple[list[str], str, list[str]]]:
    """(fields, parent table, parent fields) of each foreign key to a table of this database ('' = itself)."""
    found = []
    for key in schema.get("foreignKeys") or []:
        parent = key["reference"].get("resource") or name
        if parent in tables:  # an optional table may be missing from a release
            found.append((key_list(key["fields"]), parent, key_list(key["reference"]["fields"])))
    return found


def index_sql(tables: dict) -> list[str]:
    """An index on the columns of every foreign key that the primary key does not already lead with."""
    statements = []
    for name, resource in tables.items():
        primary = key_list(resource["schema"].get("primaryKey"))
        for fields, _, _ in foreign_keys(name, resource["schema"], tables):
            if primary[: len(fields)] != fields:
                index = quote(f"{name}_{'_'.join(fields)}_idx")
                statements.append(f"CREATE INDEX {index} ON {quote(name)} ({', '.join(map(quote, fields))})")
    return statements


def fts_sql(tables: dict) -> list[str]:
    """FTS5 indexes over the text columns of FTS_COLUMNS, kept outside the tables (content=)."""
    statements = []
    for name, wanted in FTS_COLUMNS.items():
        present = {f["name"] for f in tables[name]["schema"]["fields"]} if name in tables else set()
        columns = [c for c in wanted if c in present]
        if not columns:
            continue
        fts, listed = quote(f"{name}_fts"), ", ".join(map(quote, columns))
        statements += [
            f'CREATE VIRTUAL TABLE {fts} USING fts5({listed}, content="{name}")',
            f"INSERT INTO {fts} (rowid, {listed}) SELECT rowid, {listed} FROM {quote(name)} ORDER BY rowid",
            f"INSERT INTO {fts} ({fts}) VALUES ('optimize')",
        ]
    return statements


def view_sql(tables: dict) -> list[str]:
    """CREATE VIEW for each view whose tables are all present."""
    columns = {
        alias: ", ".join(
            f"{alias}.{quote(f['name'])}"
            for f in tables[table]["schema"]["fields"]
            if f["name"] != "operation_id" or alias == "r"
        )
        for alias, table in (("h", "headline_totals"), ("r", "reported_totals"))
        if table in tables
    }
    return [
        f"CREATE VIEW {quote(name)} AS {select.format(**columns)}"
        for name, (_, needs, select) in VIEWS.items()
        if all(t in tables for t in needs)
    ]


def typed_rows(folder: Path, resource: dict) -> Iterator[tuple]:
    """Yield the rows of a resource as tuples in schema order, typed; an empty cell is NULL.

    From its Parquet copy when it has one (typed already: a column at a time, ten times faster than
    parsing the CSV a cell at a time), else from its CSV.
    """
    parquet = (resource.get("parquet") or {}).get("path")
    if parquet and (folder / parquet).is_file():
        yield from parquet_rows(folder / parquet, resource["schema"]["fields"])
        return
    yield from csv_rows(folder, resource)


def parquet_rows(path: Path, fields: list[dict]) -> Iterator[tuple]:
    """Rows of a release Parquet file as SQLite values: dates as ISO text, booleans as 0/1, enums as text."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=[f["name"] for f in fields])
    columns = []
    for field in fields:
        column = table[field["name"]]
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        if pa.types.is_date(column.type):
            column = pc.strftime(column, format="%Y-%m-%d")
        elif pa.types.is_boolean(column.type):
            column = column.cast(pa.int64())
        columns.append(column.to_pylist())
    yield from zip(*columns)


def csv_rows(folder: Path, resource: dict) -> Iterator[tuple]:
    """Rows of a resource's CSV as tuples in schema order, typed; an empty cell is NULL."""
    rel, fields = resource["path"], resource["schema"]["fields"]
    with (folder / rel).open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        missing = [f["name"] for f in fields if f["name"] not in header]
        if missing:
            raise DatapackageError(f"{rel}: column {missing[0]!r} of the schema is not in the header {header}")
        positions = [header.index(f["name"]) for f in fields]
        for number, row in enumerate(reader, start=2):
            try:
                yield tuple(cell_value(row[p], field) for p, field in zip(positions, fields))
            except (ValueError, IndexError) as error:
                raise DatapackageError(f"{rel}: row {number}: {error}") from None


def cell_value(text: str, field: dict):
    """Turn one CSV cell into the SQLite value of its Table Schema type."""
    if text == "":
        return None
    kind = field.get("type", "string")
    if kind == "integer" or kind == "year":
        return int(text)
    if kind == "number":
        return float(text)
    if kind == "date":
        return datetime.date.fromisoformat(text).isoformat()
    if kind == "boolean":
        if text in field.get("trueValues", TRUE_VALUES):
            return 1
        if text in field.get("falseValues", FALSE_VALUES):
            return 0
        raise ValueError(f"field {field['name']!r}: {text!r} is not a boolean")
    return text


def check_foreign_keys(db: sqlite3.Connection) -> None:
    """Refuse a database in which a foreign key points at a missing row."""
    broken = db.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        shown = "; ".join(f"{table} row {rowid} -> {parent}" for table, rowid, parent, _ in broken[:3])
        raise DatapackageError(
            f"{len(broken)} foreign key(s) point at missing rows: {shown}; validate the seeds and rebuild the release"
        )


def citation(descriptor: dict) -> str:
    """A one-line citation from the descriptor's authors, title and version."""
    authors = ", ".join(
        c.get("title", "") for c in descriptor.get("contributors", []) if c.get("role", "author") == "author"
    )
    return f"{authors or descriptor.get('name', '')}. {descriptor.get('title', '')} (version {descriptor.get('version', '')}) [Data set]."


def datasette_metadata(descriptor: dict, database: str | None = None) -> dict:
    """Datasette metadata: title, licence, source, description with the citation, tables, columns and views."""
    database = database or descriptor.get("name", "data")
    resources = [r for r in descriptor.get("resources", []) if r.get("schema")]
    tables = {
        r["name"]: {
            "description": r.get("description", ""),
            "columns": {f["name"]: f.get("description", "") for f in r["schema"]["fields"]},
        }
        for r in resources
    }
    present = set(tables)
    for name, (description, needs, _) in VIEWS.items():
        if present.issuperset(needs):
            tables[name] = {"description": description}
    licence = (descriptor.get("licenses") or [{}])[0]
    description, cite = descriptor.get("description", ""), citation(descriptor)
    return {
        "title": f"{descriptor.get('title', database)} {descriptor.get('version', '')}".strip(),
        "description": f"{description} Cite as: {cite}",
        "description_html": f"<p>{html.escape(description)}</p><p>Cite as: {html.escape(cite)}</p>",
        "license": licence.get("name", ""),
        "license_url": licence.get("path", ""),
        "source": f"{descriptor.get('name', database)} {descriptor.get('version', '')} (datapackage.json)".strip(),
        **({"source_url": descriptor["homepage"]} if descriptor.get("homepage") else {}),
        "databases": {database: {"description": f"Cite as: {cite}", "tables": tables}},
    }
