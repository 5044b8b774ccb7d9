"""Load a release into pandas: the bundled current release, any version by number, or a local folder or archive.

Every file is checked against the release's SHA256SUMS before any table is read, each Parquet
column against its field's type. dtypes follow the Table Schema, identically from CSV and Parquet:
string -> `string`, integer -> `Int64`, number -> `float64` (missing is NaN), boolean -> `boolean`,
date -> `datetime64[s]` (any date the schema accepts; missing is NaT), a field with an enum ->
`category` whose categories are the enum in schema order.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import DatapackageError
from .reader import open_release, read_table, refuse_differences, table_resources, verify_folder
from .schema import Field, TableSchema, parse_schema

FORMATS = ("parquet", "csv")
DATE_DTYPE = "datetime64[s]"
NULLABLE = {
    pa.string(): pd.StringDtype(),
    pa.large_string(): pd.StringDtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


def load(
    version: str | None = None,
    *,
    path: str | Path | None = None,
    tables: Sequence[str] | None = None,
    format: str = "parquet",
    base_url: str | None = None,
    index: str | Path | None = None,
) -> dict[str, pd.DataFrame]:
    """Return {table: DataFrame} of a release, every table unless `tables` names some.

    With no argument: the current release bundled in the package (no network). `version`: bundled,
    cached, else downloaded once through `index` (path or URL; $DWE_INDEX; the bundled releases.json)
    from `base_url` ($DWE_BASE_URL; the index's base_url), sha256 checked. `path`: a release folder or archive.
    """
    if format not in FORMATS:
        raise DatapackageError(f"format {format!r} is not one of {list(FORMATS)}")
    if isinstance(tables, str):
        tables = [tables]
    if path is not None:
        if version is not None:
            raise DatapackageError("give a version or a path, not both")
        source = Path(path).expanduser()
    else:
        from .fetch import fetch_release

        source = fetch_release(version, base_url=base_url, index=index)
    with open_release(source, only=set()) as folder:  # the descriptor now; the tables read below, once each
        return read_release(folder, tables, format, verify=str(source))


def load_table(name: str, version: str | None = None, **options) -> pd.DataFrame:
    """Return one table of a release; takes the same options as `load`."""
    return load(version, tables=[name], **options)[name]


def versions(index: str | Path | None = None) -> pd.DataFrame:
    """List the published versions (newest first) with status, date, and whether each is bundled or cached."""
    from .fetch import bundled_archive, cached_archive, load_index

    releases, _ = load_index(index)
    rows = [
        {
            "version": r["version"],
            "status": r["status"],
            "date": r.get("date", ""),
            "archive_sha256": r["archive_sha256"],
            "bundled": bundled_archive(r["version"]) is not None,
            "cached": cached_archive(r["version"]) is not None,
        }
        for r in releases["releases"]
    ]
    return pd.DataFrame(rows, columns=["version", "status", "date", "archive_sha256", "bundled", "cached"])


def read_release(
    folder: Path, tables: Sequence[str] | None, format: str, verify: str | None = None
) -> dict[str, pd.DataFrame]:
    """Read the chosen tables of a release folder, in the order asked (default: by name).

    With `verify` (a label for messages), the files of those tables are checked against SHA256SUMS first.
    """
    resources = table_resources(folder)
    wanted = list(tables) if tables is not None else sorted(resources)
    unknown = [t for t in wanted if t not in resources]
    if unknown:
        raise DatapackageError(
            f"table {unknown[0]!r} is not in {folder.name}; its tables are: {', '.join(sorted(resources))}"
        )
    if verify is not None:
        refuse_differences(verify_folder(folder, {table_file(resources[n], format) for n in wanted}), verify)
    frames = {}
    for name in wanted:
        schema = parse_schema(name, resources[name]["schema"], f"{folder.name} resource {name}")
        frames[name] = to_frame(read_table(folder, resources[name], format), schema, f"{folder.name}/{name}")
    return frames


def table_file(resource: dict, format: str) -> str:
    """The relative path of the file a table is read from in `format` (its CSV when it has no Parquet copy)."""
    parquet = (resource.get("parquet") or {}).get("path")
    return str(parquet if format == "parquet" and parquet else resource["path"])


def pandas_dtype(field: Field):
    """Return the pandas dtype of a Table Schema field."""
    if field.enum:
        return pd.CategoricalDtype(list(field.enum))
    return {
        "string": pd.StringDtype(),
        "number": "float64",
        "integer": pd.Int64Dtype(),
        "date": DATE_DTYPE,
        "boolean": pd.BooleanDtype(),
    }[field.type]


def to_frame(table: pa.Table, schema: TableSchema, where: str) -> pd.DataFrame:
    """Convert an arrow table (enums as text or dictionaries) to a pandas frame with the dtypes of `schema`."""
    columns = {}
    for f in schema.fields:
        column = table[f.name]
        if f.enum:
            columns[f.name] = _categorical(column, f, where)
            continue
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if f.type == "date":  # seconds, not nanoseconds: any year the schema accepts fits (ns stops at 2262)
            column = pc.cast(column, pa.timestamp("s"))
        series = column.to_pandas(types_mapper=NULLABLE.get)
        columns[f.name] = series if series.dtype == pandas_dtype(f) else series.astype(pandas_dtype(f))
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))


def _categorical(column: pa.ChunkedArray, field: Field, where: str) -> pd.Categorical:
    """An enum column as a categorical whose categories are the enum in schema order, built from codes.

    A value outside the enum is refused: a categorical would silently turn it into NaN.
    """
    plain = column.combine_chunks()
    enum = pa.array(field.enum, pa.string())
    if pa.types.is_dictionary(plain.type) and plain.dictionary.equals(enum):
        # a release writes enums with the enum itself as the dictionary: the indices are the codes
        return pd.Categorical.from_codes(
            pc.fill_null(plain.indices, -1).to_numpy(zero_copy_only=False), dtype=pandas_dtype(field)
        )
    if pa.types.is_dictionary(plain.type):
        plain = plain.dictionary_decode()
    codes = pc.index_in(plain, value_set=enum)
    outside = pc.and_(pc.is_valid(plain), pc.is_null(codes))
    if pc.any(outside).as_py():
        raise DatapackageError(
            f"{where}: field {field.name!r} holds {plain.filter(outside)[0].as_py()!r}, not one of its enum {list(field.enum)}"
        )
    return pd.Categorical.from_codes(pc.fill_null(codes, -1).to_numpy(zero_copy_only=False), dtype=pandas_dtype(field))
