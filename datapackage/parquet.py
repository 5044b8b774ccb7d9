"""Write typed tables to Parquet with an explicit arrow schema derived from the Table Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .schema import Field, TableSchema

ARROW_TYPES = {"string": pa.string(), "number": pa.float64(), "integer": pa.int64(), "date": pa.date32(), "boolean": pa.bool_()}
ENUM_TYPE = pa.dictionary(pa.int32(), pa.string())


def arrow_field(f: Field) -> pa.Field:
    """Return the arrow field of a Table Schema field, its description kept as metadata."""
    arrow_type = ENUM_TYPE if f.enum else ARROW_TYPES[f.type]
    metadata = {"description": f.description, "table_schema_type": f.type}
    return pa.field(f.name, arrow_type, nullable=not f.required, metadata=metadata)


def arrow_schema(schema: TableSchema) -> pa.Schema:
    """Return the arrow schema of a table, with the Table Schema JSON in its metadata."""
    meta = {"table_schema": json.dumps(schema.descriptor, sort_keys=True, ensure_ascii=False)}
    return pa.schema([arrow_field(f) for f in schema.fields], metadata=meta)


def _enum_column(values: pa.Array, enum: tuple[str, ...]) -> pa.DictionaryArray:
    """Dictionary-encode with the schema's enum order as the dictionary, so levels keep their order."""
    dictionary = pa.array(enum, pa.string())
    indices = pc.cast(pc.index_in(values, value_set=dictionary), pa.int32())
    return pa.DictionaryArray.from_arrays(indices, dictionary)


def to_arrow(schema: TableSchema, typed: pa.Table) -> pa.Table:
    """Return `typed` cast to the explicit arrow schema of `schema`."""
    columns = []
    for f in schema.fields:
        column = typed[f.name].combine_chunks() if isinstance(typed[f.name], pa.ChunkedArray) else typed[f.name]
        columns.append(_enum_column(column, f.enum) if f.enum else column.cast(ARROW_TYPES[f.type]))
    return pa.Table.from_arrays(columns, schema=arrow_schema(schema))


def write_parquet(schema: TableSchema, typed: pa.Table, path: Path) -> None:
    """Write one table as zstd-compressed Parquet."""
    pq.write_table(to_arrow(schema, typed), path, compression="zstd", use_dictionary=True, write_statistics=True)
