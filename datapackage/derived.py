"""Write a table derived at build time (changes, headline totals) as CSV + Parquet with its resource."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from .checksums import sha256_bytes
from .constraints import check_table
from .errors import DatapackageError
from .parquet import write_parquet
from .paths import RELEASE_DATA_DIRNAME
from .reading import read_strings
from .release_descriptor import file_facts, parquet_facts
from .schema import parse_schema


def write_derived(folder: Path, name: str, csv_bytes: bytes, schema_descriptor: dict, description: str,
                  strings: pa.Table | None = None) -> dict:
    """Write data/<name>.csv and .parquet and return the release resource describing both.

    The table is checked against its schema first (a failure is a bug): as given in `strings`
    (string columns, "" for empty) when the caller has it, else as read back from the CSV.
    """
    schema = parse_schema(name, schema_descriptor, f"derived table {name}")
    problems = []
    if strings is None:
        strings, problems = read_strings(name, csv_bytes, schema)
    typed, cell_problems = check_table(name, schema, strings) if strings is not None else (None, [])
    problems = [p for p in problems + cell_problems if p.code != "empty-table"]
    if problems or typed is None:
        raise DatapackageError(f"derived table {name} is invalid (a bug): {problems[0].line() if problems else 'unreadable'}")
    data_dir = folder / RELEASE_DATA_DIRNAME
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / f"{name}.csv").write_bytes(csv_bytes)
    write_parquet(schema, typed, data_dir / f"{name}.parquet")
    resource = {
        "name": name, "path": f"{RELEASE_DATA_DIRNAME}/{name}.csv", "profile": "tabular-data-resource", "format": "csv",
        "mediatype": "text/csv", "encoding": "utf-8", "description": description, "derived": True,
        **file_facts(data_dir / f"{name}.csv", sha256_bytes(csv_bytes)), "schema": schema_descriptor,
    }
    resource["parquet"] = parquet_facts(folder, f"{RELEASE_DATA_DIRNAME}/{name}.parquet")
    return resource
