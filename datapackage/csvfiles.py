"""CSV files of the package: read into string columns (structural faults reported per row first),
write in canonical form, and rewrite seeds canonically (`dwe fmt`).

The fast path is pyarrow's reader. It aborts a whole file on a ragged row or an open quote, so
only when it fails do we re-read the file with Python's csv module to name the rows at fault.
Every CSV of the project, seeds, old commits and releases, is read by `arrow_strings` below.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from .errors import DatapackageError
from .problems import Problem
from .schema import TableSchema

BOM = b"\xef\xbb\xbf"
MAX_CELL_CHARS = 100_000
DECODE_CHUNK = 1 << 24  # check UTF-8 16 MB at a time rather than decode a whole file at once
BLOCK = 1 << 24  # arrow parses 16 MB at a time: a whole-file block would need 3x the file in memory


def read_strings(table: str, data: bytes, schema: TableSchema) -> tuple[pa.Table | None, list[Problem]]:
    """Return the table as string columns ("" for empty cells), or None when it cannot be read."""
    problems: list[Problem] = []
    if not data:
        return None, [Problem(table, 0, "", "empty-file", "file is empty; it needs at least the header row")]
    if data.startswith(BOM):
        problems.append(
            Problem(
                table,
                1,
                "",
                "encoding-error",
                "file starts with a UTF-8 byte-order mark (BOM); save it without one (`dwe fmt` does)",
            )
        )
        data = data[len(BOM) :]
    bad = _first_invalid_utf8(data)
    if bad is not None:
        line = data[:bad].count(b"\n") + 1
        byte = data[bad : bad + 1].hex().upper()
        problems.append(
            Problem(
                table,
                line,
                "",
                "encoding-error",
                f"byte 0x{byte} at offset {bad} is not UTF-8 (latin-1 or Windows-1252?); re-save the file as UTF-8",
            )
        )
        return None, problems
    problems += _line_ending_problems(table, data)
    header, header_problems = _check_header(table, data, schema)
    if header_problems:
        return None, problems + header_problems
    try:
        strings = _read_with_arrow(data, schema)
    except (pa.ArrowInvalid, pa.ArrowException) as error:
        return None, problems + _diagnose_rows(table, data, schema, str(error))
    blank = _blank_rows(table, strings)
    if blank:
        return None, problems + blank
    if strings.num_rows == 0:
        problems.append(Problem(table, 0, "", "empty-table", "table has a header but no rows"))
    problems += _oversized_cells(table, strings)
    return strings, problems


def _first_invalid_utf8(data: bytes) -> int | None:
    """Return the offset of the first byte that is not valid UTF-8, or None."""
    view, start = memoryview(data), 0
    while start < len(data):
        try:
            # final=False stops before a character cut by the chunk's end; the next chunk starts there
            _, used = codecs.utf_8_decode(
                view[start : start + DECODE_CHUNK], "strict", start + DECODE_CHUNK >= len(data)
            )
        except UnicodeDecodeError as error:
            return start + error.start
        start += used
    return None


def _line_ending_problems(table: str, data: bytes) -> list[Problem]:
    problems = []
    cr = data.find(b"\r")
    if cr >= 0:
        line = data[:cr].count(b"\n") + 1
        problems.append(
            Problem(
                table, line, "", "line-endings", "file has CR or CRLF line endings; use LF only (`dwe fmt` converts)"
            )
        )
    if not data.endswith(b"\n"):
        problems.append(Problem(table, 0, "", "final-newline", "file does not end with a newline (`dwe fmt` adds it)"))
    return problems


def _check_header(table: str, data: bytes, schema: TableSchema) -> tuple[list[str], list[Problem]]:
    end = data.find(b"\n")
    first = next(
        csv.reader(io.StringIO(data[: end if end >= 0 else len(data)].decode("utf-8").rstrip("\r"), newline="")), []
    )
    expected = schema.field_names
    if first == expected:
        return first, []
    problems = []
    for index, name in enumerate(first):
        if name not in expected:
            problems.append(
                Problem(
                    table,
                    1,
                    name,
                    "extra-label",
                    f"column {index + 1} {name!r} is not in the schema (expected columns: {', '.join(expected)})",
                )
            )
    for name in expected:
        if name not in first:
            problems.append(Problem(table, 1, name, "missing-label", f"column {name!r} is missing from the header"))
    if not problems:
        problems.append(
            Problem(table, 1, "", "incorrect-label", f"columns are in the wrong order: expected {', '.join(expected)}")
        )
    return first, problems


def _read_with_arrow(data: bytes, schema: TableSchema) -> pa.Table:
    """Read every cell as a string into one chunk per column."""
    try:
        return _one_chunk_per_column(_arrow_csv(data, schema, BLOCK))
    except pa.ArrowInvalid:
        if len(data) < BLOCK:
            raise
        # a row longer than a block (a huge cell) cannot be split: read the file as one block
        return _one_chunk_per_column(_arrow_csv(data, schema, len(data) + 1))


def _arrow_csv(data: bytes, schema: TableSchema, block: int) -> pa.Table:
    return arrow_strings(data, schema.field_names, block, skip_header=True)


def arrow_strings(data: bytes, names: list[str], block: int = BLOCK, skip_header: bool = True) -> pa.Table:
    """Read CSV bytes as string columns named `names` ("" for empty cells); raises pa.ArrowInvalid."""
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False
    )
    parse = pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False)
    read = pacsv.ReadOptions(column_names=names, skip_rows=1 if skip_header else 0, block_size=block)
    return pacsv.read_csv(pa.BufferReader(data), read_options=read, parse_options=parse, convert_options=convert)


def _one_chunk_per_column(table: pa.Table) -> pa.Table:
    """Combine each column's chunks, freeing the chunked column before combining the next."""
    names, columns = table.column_names, []
    for name in names:
        chunked = table.column(name)
        columns.append(chunked.chunk(0) if chunked.num_chunks == 1 else chunked.combine_chunks())
        table = table.drop_columns([name])  # the last reference to the chunked column goes
        del chunked
    return pa.Table.from_arrays(columns, names=names)


def _diagnose_rows(table: str, data: bytes, schema: TableSchema, arrow_error: str) -> list[Problem]:
    """Re-read with the csv module to say which rows are ragged, blank or unterminated."""
    csv.field_size_limit(sys.maxsize)
    width = len(schema.field_names)
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""), strict=True)
    record = 0
    while True:
        start_line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(
                Problem(
                    table,
                    record + 1,
                    "",
                    "format-error",
                    f"line {start_line}: cannot parse ({error}); is a quote left open?",
                )
            )
            return problems
        record += 1
        if record == 1:
            continue
        if not row:
            problems.append(Problem(table, record, "", "blank-row", "blank line; remove it"))
        elif len(row) > width:
            problems.append(Problem(table, record, "", "extra-cell", f"{len(row)} cells but the header has {width}"))
        elif len(row) < width:
            problems.append(
                Problem(
                    table,
                    record,
                    schema.field_names[len(row)],
                    "missing-cell",
                    f"{len(row)} cells but the header has {width}",
                )
            )
    if not problems:
        problems.append(Problem(table, 0, "", "format-error", f"cannot parse the file: {arrow_error}"))
    return problems


def _blank_rows(table: str, strings: pa.Table) -> list[Problem]:
    """Rows whose every cell is empty: a blank line, which pyarrow reads as a row of empty cells."""
    import pyarrow.compute as pc

    if strings.num_rows == 0:
        return []
    # a blank row has an empty first cell, which is rare: look at the other cells of those rows only
    candidates = pc.indices_nonzero(pc.equal(strings.column(0), ""))
    if len(candidates) == 0:
        return []
    blank = pc.equal(pc.binary_join_element_wise(*strings.take(candidates).columns, ""), "")
    rows = [i for i, is_blank in zip(candidates.to_pylist(), blank.to_pylist()) if is_blank]
    return [Problem(table, i + 2, "", "blank-row", "blank line (every cell empty); remove it") for i in rows]


def _oversized_cells(table: str, strings: pa.Table) -> list[Problem]:
    import pyarrow.compute as pc

    problems = []
    for name in strings.column_names:
        # a cell has at least as many bytes as characters: count characters only when bytes exceed
        if not strings.num_rows or pc.max(pc.binary_length(strings[name])).as_py() <= MAX_CELL_CHARS:
            continue
        lengths = pc.utf8_length(strings[name])
        if pc.max(lengths).as_py() > MAX_CELL_CHARS:
            for index in pc.indices_nonzero(pc.greater(lengths, MAX_CELL_CHARS)).to_pylist():
                problems.append(
                    Problem(
                        table, index + 2, name, "cell-too-large", f"cell has more than {MAX_CELL_CHARS:,} characters"
                    )
                )
    return problems


def canonical_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """Serialise rows as UTF-8 CSV with LF line endings and minimal RFC 4180 quoting."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def canonical_form(path: Path, key_fields: tuple[str, ...]) -> bytes:
    """Return the canonical bytes of one seed file: BOM dropped, LF, rows sorted by primary key."""
    data = path.read_bytes()
    if data.startswith(BOM):
        data = data[len(BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DatapackageError(
            f"{path}: byte {error.start} is not UTF-8; re-save the file as UTF-8 before `dwe fmt`"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise DatapackageError(
            f"{path}: line {reader.line_num}: cannot parse ({error}); fix it first (`dwe validate` lists it)"
        ) from None
    if not records:
        raise DatapackageError(f"{path}: file is empty")
    header = records[0][1]
    # row numbers as `dwe validate` gives them: records counted from the header = 1, blank lines included
    numbered = [(number, row) for number, (_, row) in enumerate(records[1:], 2) if row]
    body = [row for _, row in numbered]
    ragged = [number for number, row in numbered if len(row) != len(header)]
    if ragged:
        raise DatapackageError(
            f"{path}: rows {ragged[:5]} do not have {len(header)} cells; fix them first (`dwe validate` lists them)"
        )
    missing = [k for k in key_fields if k not in header]
    if missing:
        raise DatapackageError(f"{path}: primary key column(s) {missing} missing from the header")
    index = [header.index(k) for k in key_fields]
    body.sort(key=lambda r: tuple(r[i] for i in index))
    return canonical_csv(header, body)


def format_seeds(root: Path, write: bool = True) -> list[str]:
    """Rewrite (or, with write=False, only list) the seed files not in canonical form."""
    from .descriptor import read_resources

    _, resources, _ = read_resources(root)
    changed = []
    for resource in sorted(resources, key=lambda r: r.name):
        canonical = canonical_form(resource.path, resource.schema.primary_key)
        if canonical != resource.path.read_bytes():
            changed.append(resource.relpath)
            if write:
                tmp = resource.path.with_suffix(".csv.tmp")
                tmp.write_bytes(canonical)
                tmp.replace(resource.path)
    return changed


def read_regular_file(path: Path) -> bytes:
    """Return a file's bytes, refusing a named pipe, device or folder without opening it (no hang)."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise IsADirectoryError(0, "not a regular file (a folder, named pipe or device)")
    return path.read_bytes()
