"""Check types and Table Schema constraints column by column with arrow compute.

Codes match frictionless (type-error, constraint-error, unique-error, primary-key) so that the
parity test can compare the two engines; messages say what was expected and what was found.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from .arrays import column, in_parallel, fault_rows, keep_where, repeated_rows, strictly_ascending
from .problems import Problem
from .schema import Field, TableSchema

NUMBER_RE = r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
INTEGER_RE = r"^-?[0-9]{1,18}$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _cell_problems(table: str, field: str, code: str, rows: list[int], message, values: pa.Array | None = None) -> list[Problem]:
    out = []
    for row in rows:
        text = message(values[row - 2].as_py()) if values is not None else message
        out.append(Problem(table, row, field, code, text))
    return out


def parse_dates(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Parse ISO dates strictly; return (date32 array, mask of invalid non-empty cells).

    Dates repeat, so each distinct text is parsed once and the results are spread back by index.
    """
    encoded = pc.dictionary_encode(values)
    texts = encoded.dictionary
    candidate = keep_where(texts, pc.match_substring_regex(texts, DATE_RE))
    stamps = pc.strptime(candidate, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2021-02-30 over to 2021-03-02: a date is real only if it prints back the same
    valid = pc.fill_null(pc.equal(pc.strftime(stamps, format="%Y-%m-%d"), candidate), False)
    bad = pc.and_(pc.invert(valid), pc.not_equal(texts, ""))
    dates = keep_where(pc.cast(stamps, pa.date32()), valid)
    return pc.take(dates, encoded.indices), pc.take(bad, encoded.indices)


def convert_column(f: Field, values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Return (typed array with nulls for empty or invalid cells, mask of type errors)."""
    empty = pc.equal(values, "")
    if f.type == "string":
        return keep_where(values, pc.invert(empty)), pc.is_null(values)
    if f.type == "date":
        return parse_dates(values)
    if f.type == "boolean":
        trues, falses = pc.is_in(values, pa.array(f.true_values)), pc.is_in(values, pa.array(f.false_values))
        bad = pc.invert(pc.or_(pc.or_(trues, falses), empty))
        return pc.if_else(pc.or_(empty, bad), pa.scalar(None, pa.bool_()), trues), bad
    regex, arrow_type = (NUMBER_RE, pa.float64()) if f.type == "number" else (INTEGER_RE, pa.int64())
    shaped = pc.match_substring_regex(values, regex)
    typed = pc.cast(keep_where(values, shaped), arrow_type)
    if f.type == "number":  # 1e400 parses to inf: not a finite number
        finite = pc.fill_null(pc.is_finite(typed), True)
        shaped = pc.and_(shaped, finite)
        typed = keep_where(typed, finite)
    return typed, pc.and_(pc.invert(shaped), pc.invert(empty))


def check_field(table: str, f: Field, values: pa.Array, in_key: bool) -> tuple[pa.Array, list[Problem]]:
    """Type-check and constraint-check one column; return its typed values and problems."""
    problems: list[Problem] = []
    empty = pc.equal(values, "")
    if f.required or in_key:
        problems += _cell_problems(table, f.name, "constraint-error", fault_rows(empty), "required: cell is empty")
    typed, bad = convert_column(f, values)
    problems += _cell_problems(table, f.name, "type-error", fault_rows(bad), lambda v: f"expected a {f.type} but got {v!r}", values)
    present = pc.invert(pc.or_(empty, bad))
    if f.enum:
        outside = pc.and_(present, pc.invert(pc.is_in(values, pa.array(f.enum))))
        problems += _cell_problems(table, f.name, "constraint-error", fault_rows(outside), lambda v: f"{v!r} is not one of {', '.join(f.enum)}", values)
    if f.pattern:
        matches = pc.match_substring_regex(values, f"^(?:{f.pattern})$")
        problems += _cell_problems(table, f.name, "constraint-error", fault_rows(pc.and_(present, pc.invert(matches))), lambda v: f"{v!r} does not match the pattern {f.pattern}", values)
    if f.minimum is not None and f.type in ("number", "integer"):
        low = pc.less(typed, f.minimum)
        problems += _cell_problems(table, f.name, "constraint-error", fault_rows(low), lambda v: f"{v} is below the minimum {f.minimum}", values)
    if f.unique:
        problems += _duplicate_problems(table, f.name, "unique-error", keep_where(values, present), f"value of {f.name} is not unique")
    return typed, problems


def _duplicate_problems(table: str, field: str, code: str, keys: pa.Array, message: str) -> list[Problem]:
    """Flag every occurrence after the first of a non-null key, as frictionless does."""
    return [
        Problem(table, row + 2, field, code, f"{message}: row {first + 2} has the same {keys[row].as_py().replace(chr(31), ', ')!r}")
        for row, first in repeated_rows([keys], pc.is_valid(keys))
    ]


def key_column(strings: pa.Table, fields: tuple[str, ...]) -> pa.Array:
    """Join the key fields into one string per row (null when any part is empty)."""
    parts = [column(strings, f) for f in fields]
    parts = [keep_where(part, pc.not_equal(part, "")) for part in parts]
    if len(parts) == 1:
        return parts[0]
    return pc.binary_join_element_wise(*parts, "\x1f")


def check_table(table: str, schema: TableSchema, strings: pa.Table) -> tuple[pa.Table, list[Problem]]:
    """Check every field and the primary key; return the typed table and its problems."""
    problems: list[Problem] = []
    typed_columns = []
    for typed, found in in_parallel(lambda f: check_field(table, f, column(strings, f.name), f.name in schema.primary_key), schema.fields, strings.num_rows):
        typed_columns.append(typed)
        problems += found
    # seeds are kept sorted by primary key, and strictly ascending keys cannot repeat: no hashing
    if schema.primary_key and not strictly_ascending([column(strings, f) for f in schema.primary_key]):
        keys = key_column(strings, schema.primary_key)
        problems += _duplicate_problems(table, ",".join(schema.primary_key), "primary-key", keys, "primary key is not unique")
    typed_table = pa.table(dict(zip(schema.field_names, typed_columns)))
    return typed_table, problems
