"""Check types, Table Schema constraints and foreign keys column by column with arrow compute.

Codes match frictionless (type-error, constraint-error, unique-error, primary-key, foreign-key) so
that the parity test can compare the two engines; messages say what was expected, what was found
and how to fix it.
"""

from __future__ import annotations

import difflib
import re

import pyarrow as pa
import pyarrow.compute as pc

from .arrays import column, fault_rows, in_parallel, keep_where, repeated_rows, strictly_ascending
from .problems import Problem
from .schema import Field, TableSchema

NUMBER_RE = r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
INTEGER_RE = r"^-?[0-9]{1,18}$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _cell_problems(
    table: str, field: str, code: str, rows: list[int], message, values: pa.Array | None = None
) -> list[Problem]:
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


def type_message(ftype: str, value: str) -> str:
    """Say why a cell is not of its type, and how to write it."""
    text = value.strip()
    if ftype == "date":
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return f"{value!r} is not a day of the calendar; dates are YYYY-MM-DD"
        if re.fullmatch(r"[0-9]{1,2}[/.][0-9]{1,2}[/.][0-9]{2,4}", text):
            return f"expected a date but got {value!r}; dates are YYYY-MM-DD (day and month order is ambiguous: check the source)"
        return f"expected a date but got {value!r}; dates are YYYY-MM-DD"
    if ftype in ("number", "integer"):
        if text != value:
            return f"expected a {ftype} but got {value!r}; remove the spaces around it"
        if re.fullmatch(r"-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", text):
            return f"expected a {ftype} but got {value!r}; remove the thousands separator ({text.replace(',', '')})"
        if text.lower() in ("inf", "-inf", "infinity", "nan") or re.fullmatch(r".*[eE][+]?[0-9]{3,}", text):
            return f"expected a finite {ftype} but got {value!r}"
        return f"expected a {ftype} but got {value!r}; write digits with a dot for decimals, nothing else"
    return f"expected a {ftype} but got {value!r}"


def enum_message(value: str, enum: tuple[str, ...]) -> str:
    """Say that a value is not allowed, suggesting the closest allowed values."""
    typed = value.strip().lower()
    lowered = {v.lower(): v for v in enum}
    close = [lowered[c] for c in difflib.get_close_matches(typed, list(lowered), n=3, cutoff=0.6)]
    close += [v for low, v in lowered.items() if len(typed) >= 3 and typed in low and v not in close][: 3 - len(close)]
    if close:
        return f"{value!r} is not allowed; did you mean {' or '.join(repr(c) for c in close)}?"
    shown = ", ".join(enum[:12]) + (f", ... ({len(enum)} values; see CODEBOOK.md)" if len(enum) > 12 else "")
    return f"{value!r} is not one of {shown}"


def check_field(table: str, f: Field, values: pa.Array, in_key: bool) -> tuple[pa.Array, list[Problem]]:
    """Type-check and constraint-check one column; return its typed values and problems."""
    problems: list[Problem] = []
    empty = pc.equal(values, "")
    if f.required or in_key:
        problems += _cell_problems(table, f.name, "constraint-error", fault_rows(empty), "required: cell is empty")
    typed, bad = convert_column(f, values)
    problems += _cell_problems(table, f.name, "type-error", fault_rows(bad), lambda v: type_message(f.type, v), values)
    present = pc.invert(pc.or_(empty, bad))
    if f.enum:
        outside = pc.and_(present, pc.invert(pc.is_in(values, pa.array(f.enum))))
        problems += _cell_problems(
            table, f.name, "constraint-error", fault_rows(outside), lambda v: enum_message(v, f.enum), values
        )
    if f.pattern:
        try:
            matches = pc.match_substring_regex(values, f"^(?:{f.pattern})$")
        except pa.ArrowInvalid as error:  # Python accepted it, arrow's RE2 does not (a lookahead, a backreference)
            return typed, problems + [
                Problem(
                    table,
                    0,
                    f.name,
                    "schema-error",
                    f"pattern {f.pattern!r} cannot be used ({error}); write it without lookarounds or backreferences",
                )
            ]
        problems += _cell_problems(
            table,
            f.name,
            "constraint-error",
            fault_rows(pc.and_(present, pc.invert(matches))),
            lambda v: f"{v!r} does not match the pattern {f.pattern}",
            values,
        )
    if f.minimum is not None and f.type in ("number", "integer"):
        low = pc.less(typed, f.minimum)
        problems += _cell_problems(
            table,
            f.name,
            "constraint-error",
            fault_rows(low),
            lambda v: f"{v} is below the minimum {f.minimum:g}",
            values,
        )
    if f.unique:
        problems += _duplicate_problems(
            table, f.name, "unique-error", keep_where(values, present), f"value of {f.name} is not unique"
        )
    return typed, problems


def _duplicate_problems(table: str, field: str, code: str, keys: pa.Array, message: str) -> list[Problem]:
    """Flag every occurrence after the first of a non-null key, as frictionless does."""
    return [
        Problem(
            table,
            row + 2,
            field,
            code,
            f"{message}: row {first + 2} has the same {keys[row].as_py().replace(chr(31), ', ')!r}",
        )
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
    for typed, found in in_parallel(
        lambda f: check_field(table, f, column(strings, f.name), f.name in schema.primary_key),
        schema.fields,
        strings.num_rows,
    ):
        typed_columns.append(typed)
        problems += found
    # seeds are kept sorted by primary key, and strictly ascending keys cannot repeat: no hashing
    if schema.primary_key and not strictly_ascending([column(strings, f) for f in schema.primary_key]):
        keys = key_column(strings, schema.primary_key)
        problems += _duplicate_problems(
            table, ",".join(schema.primary_key), "primary-key", keys, "primary key is not unique"
        )
    typed_table = pa.table(dict(zip(schema.field_names, typed_columns)))
    return typed_table, problems


def check_foreign_keys(
    schemas: dict[str, TableSchema], strings: dict[str, pa.Table], declared: set[str] | None = None
) -> list[Problem]:
    """Report every row whose foreign key has no matching row, and keys naming a table or field that does not exist.

    Tables that could not be read, or whose schema could not be, are skipped: their own problems
    are the root cause. `declared` names every table of the descriptor (default: those in `schemas`).
    """
    declared = set(schemas) if declared is None else declared
    problems: list[Problem] = []
    for name, schema in sorted(schemas.items()):
        for fk in schema.foreign_keys:
            target = fk.resource or name
            field = ",".join(fk.fields)
            if target in declared and target not in schemas:
                continue
            if target not in schemas:
                problems.append(
                    Problem(
                        name,
                        0,
                        field,
                        "foreign-key-table",
                        f"foreign key {field} refers to table {target!r}, which the package does not declare",
                    )
                )
                continue
            missing = [f for f in fk.reference_fields if f not in schemas[target].field_names]
            if missing:
                problems.append(
                    Problem(
                        name,
                        0,
                        field,
                        "foreign-key-table",
                        f"foreign key {field} refers to {target}.{','.join(missing)}, which does not exist",
                    )
                )
                continue
            if name in strings and target in strings:
                problems += _missing_references(name, strings[name], fk, target, strings[target])
    return problems


def _missing_references(name: str, table: pa.Table, fk, target: str, referenced: pa.Table) -> list[Problem]:
    values = key_column(table, fk.fields)
    known = key_column(referenced, fk.reference_fields)
    missing = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, known)))
    field, ref = ",".join(fk.fields), f"{target}.{','.join(fk.reference_fields)}"
    out = []
    for index in pc.indices_nonzero(pc.fill_null(missing, False)).to_pylist():
        value = values[index].as_py().replace("\x1f", ", ")
        out.append(
            Problem(
                name, index + 2, field, "foreign-key", f"{value!r} is not a {ref} (no such row in seeds/{target}.csv)"
            )
        )
    return out
