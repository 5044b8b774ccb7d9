"""pandas frames typed by a Table Schema, identical whether read from a release's CSV or Parquet.

Types: string -> `string`, integer -> `Int64`, number -> `float64` (missing is NaN),
boolean -> `boolean`, date -> `datetime64[ns]` (midnight, no time zone; missing is NaT),
a field with an enum -> `category` whose categories are the enum in schema order (unordered).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .errors import DatapackageError
from .schema import Field, TableSchema

DATE_DTYPE = "datetime64[ns]"
ARROW_TYPES = {"number": pa.float64(), "integer": pa.int64(), "date": pa.date32()}
NULLABLE = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype(), pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


def pandas_dtype(field: Field):
    """Return the pandas dtype of a Table Schema field."""
    if field.enum:
        return pd.CategoricalDtype(list(field.enum))
    return {"string": pd.StringDtype(), "number": "float64", "integer": pd.Int64Dtype(), "date": DATE_DTYPE, "boolean": pd.BooleanDtype()}[field.type]


def read_csv_arrow(path: Path, schema: TableSchema) -> pa.Table:
    """Read a release CSV as text, no inference, then cast each column to its field's type."""
    names = schema.field_names
    missing = [str(v) for v in schema.descriptor.get("missingValues", [""])]
    convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=missing, strings_can_be_null=True, quoted_strings_can_be_null=True)
    try:
        table = pacsv.read_csv(path, convert_options=convert)
    except pa.ArrowInvalid as error:
        raise DatapackageError(f"{path.name}: unreadable CSV ({error})") from None
    if table.column_names != names:
        raise DatapackageError(f"{path.name}: header {table.column_names} does not match the schema's fields {names}")
    return pa.table({f.name: _cast(table[f.name], f, path.name) for f in schema.fields})


def _cast(column: pa.ChunkedArray, field: Field, where: str) -> pa.ChunkedArray:
    """Cast a text column strictly to the arrow type of `field` (enums and strings stay text)."""
    try:
        if field.type == "boolean":
            return _booleans(column, field, where)
        if field.enum or field.type not in ARROW_TYPES:
            return column
        return column.cast(ARROW_TYPES[field.type])
    except pa.ArrowInvalid as error:
        raise DatapackageError(f"{where}: field {field.name!r} is not {field.type} ({error})") from None


def _booleans(column: pa.ChunkedArray, field: Field, where: str) -> pa.ChunkedArray:
    """Map trueValues/falseValues to booleans, refusing any other text."""
    truth = pc.is_in(column, value_set=pa.array(field.true_values, pa.string()))
    falsity = pc.is_in(column, value_set=pa.array(field.false_values, pa.string()))
    other = pc.and_(pc.is_valid(column), pc.invert(pc.or_(truth, falsity)))
    if pc.any(other).as_py():
        raise DatapackageError(f"{where}: field {field.name!r} holds {pc.filter(column, other)[0].as_py()!r}, not one of {field.true_values + field.false_values}")
    return pc.if_else(pc.is_valid(column), truth, pa.scalar(None, pa.bool_()))


def read_parquet_arrow(path: Path, schema: TableSchema) -> pa.Table:
    """Read a release Parquet file's columns in schema order."""
    try:
        return pq.read_table(path, columns=schema.field_names)
    except (pa.ArrowInvalid, OSError) as error:
        raise DatapackageError(f"{path.name}: unreadable Parquet ({error})") from None


def to_frame(table: pa.Table, schema: TableSchema, where: str) -> pd.DataFrame:
    """Convert an arrow table to a pandas frame with the dtypes of `schema`."""
    frame = table.to_pandas(types_mapper=NULLABLE.get, date_as_object=False)
    for f in schema.fields:
        if f.enum:
            _check_levels(frame[f.name], f, where)
    return frame.astype({f.name: pandas_dtype(f) for f in schema.fields})


def _check_levels(values: pd.Series, field: Field, where: str) -> None:
    """Refuse a value outside the enum, which a categorical would silently turn into NaN."""
    unknown = sorted(set(values.dropna().astype(str)) - set(field.enum))
    if unknown:
        raise DatapackageError(f"{where}: field {field.name!r} holds {unknown[0]!r}, not one of its enum {list(field.enum)}")
