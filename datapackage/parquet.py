"""Write typed tables to Parquet with an explicit arrow schema derived from the Table Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .schema import Field, TableSchema

ARROW_TYPES = {
    "string": pa.string(),
    "number": pa.float64(),
    "integer": pa.int64(),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}
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


def read_parquet_checked(path: Path, schema: TableSchema, where: str) -> pa.Table:
    """Read a release Parquet file, refusing any column whose arrow type is not its field's type.

    A date written as text would otherwise reach pandas as text and be guessed at; here it is an error.
    """
    from .errors import DatapackageError

    try:
        found = pq.read_schema(path)
    except (OSError, pa.ArrowException) as error:
        raise DatapackageError(f"{where}: not a readable Parquet file ({error})") from None
    missing = [f.name for f in schema.fields if f.name not in found.names]
    if missing or len(found.names) != len(schema.fields):
        raise DatapackageError(f"{where}: columns {found.names} do not match the schema's fields {schema.field_names}")
    for f in schema.fields:
        expected = ENUM_TYPE if f.enum else ARROW_TYPES[f.type]
        actual = found.field(f.name).type
        if actual != expected:
            raise DatapackageError(
                f"{where}: column {f.name!r} is {actual} but the Table Schema says {f.type}{' (enum)' if f.enum else ''} ({expected}); the file does not belong to this release"
            )
    try:
        table = pq.read_table(path, columns=schema.field_names)
    except (OSError, pa.ArrowException) as error:
        raise DatapackageError(f"{where}: not a readable Parquet file ({error})") from None
    for f in schema.fields:
        if f.enum:
            outside = set(table[f.name].combine_chunks().dictionary.to_pylist()) - set(f.enum)
            if outside:
                raise DatapackageError(f"{where}: column {f.name!r} holds {sorted(outside)!r}, outside its enum")
    return table
