"""Whole-column helpers on arrow arrays, so that no check loops over rows in Python.

Only the rows found at fault ever become Python objects; a valid million-row table costs a few
vectorised passes and no copy of its strings.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def column(table: pa.Table, name: str) -> pa.Array:
    """Return one column as a contiguous array, without copying when it is a single chunk."""
    chunked = table[name]
    return chunked.chunk(0) if chunked.num_chunks == 1 else chunked.combine_chunks()


def plain(column) -> pa.Array:
    """Return a column as one contiguous array, a dictionary-encoded one decoded (Parquet enums)."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return column.dictionary_decode() if pa.types.is_dictionary(column.type) else column


def row_numbers(n: int, start: int = 0) -> pa.Array:
    """Return start, start + 1, ... as an int64 array of length n."""
    return pa.array(np.arange(start, start + n, dtype=np.int64))


def keep_where(values: pa.Array, keep: pa.Array) -> pa.Array:
    """Return `values` with nulls where `keep` is not true, sharing the values' buffers.

    The mask becomes the validity bitmap, so masking a column of a million strings copies
    none of them (pc.if_else would).
    """
    if isinstance(values, pa.ChunkedArray) or isinstance(keep, pa.ChunkedArray):
        values, keep = _contiguous(values), _contiguous(keep)
    if values.null_count:
        keep = pc.and_(keep, pc.is_valid(values))
    if keep.null_count:
        keep = pc.fill_null(keep, False)
    if values.offset or keep.offset or pa.types.is_dictionary(values.type) or pa.types.is_nested(values.type):
        return pc.if_else(keep, values, pa.scalar(None, values.type))
    return pa.Array.from_buffers(values.type, len(values), [keep.buffers()[1], *values.buffers()[1:]])


def _contiguous(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if not isinstance(values, pa.ChunkedArray):
        return values
    return values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()


def group_codes(columns: list[pa.Array]) -> tuple[pa.Array, int]:
    """Number the distinct rows of `columns` (null equals null, -0.0 equals 0.0).

    Return the int64 code of each row and the number of distinct rows. Stops early once the
    columns seen so far already tell every row apart.
    """
    codes: pa.Array | None = None
    count = 0
    for values in columns:
        values = _contiguous(values)
        if pa.types.is_floating(values.type):
            values = pc.add(values, pa.scalar(0.0, values.type))  # -0.0 + 0.0 is +0.0
        encoded = pc.dictionary_encode(values, null_encoding="encode")
        indices = encoded.indices.cast(pa.int64())
        if codes is None:
            codes, count = indices, len(encoded.dictionary)
        else:
            dense = pc.dictionary_encode(pc.add(pc.multiply(codes, len(encoded.dictionary)), indices))
            codes, count = dense.indices.cast(pa.int64()), len(dense.dictionary)
        if count == len(codes):
            break
    return codes, count


def order_codes(columns: list[pa.Array]) -> pa.Array:
    """Number the rows so that the numbers sort as the rows do, column by column (strings bytewise).

    Unlike group_codes, the numbers keep the order of the rows, not only which rows are equal.
    """
    codes, size = np.zeros(len(columns[0]), dtype=np.int64), 1
    for column in columns:
        encoded = pc.dictionary_encode(_contiguous(column), null_encoding="encode")
        ranks = np.empty(len(encoded.dictionary), dtype=np.int64)
        ranks[pc.array_sort_indices(encoded.dictionary, null_placement="at_end").to_numpy()] = np.arange(len(ranks))
        if size * max(len(ranks), 1) >= 1 << 62:  # renumber densely before the product could overflow
            distinct, codes = np.unique(codes, return_inverse=True)
            size = len(distinct)
        codes = codes * len(ranks) + ranks[encoded.indices.to_numpy(zero_copy_only=False)]
        size *= max(len(ranks), 1)
    return pa.array(codes)


def repeated_rows(columns: list[pa.Array], valid: pa.Array | None = None) -> list[tuple[int, int]]:
    """Return (row, first row with the same values) for every row that repeats an earlier one.

    Rows are 0-based; rows where `valid` is false are left out entirely.
    """
    codes, count = group_codes(columns)
    if count == len(codes):
        return []
    rows = pa.table({"code": codes, "row": row_numbers(len(codes))})
    if valid is not None:
        rows = rows.filter(pc.fill_null(valid, False))
    groups = rows.group_by("code", use_threads=False).aggregate([("row", "min"), ("row", "count")])
    groups = groups.filter(pc.greater(groups["row_count"], 1))
    if groups.num_rows == 0:
        return []
    repeats = rows.filter(pc.is_in(rows["code"], groups["code"]))
    firsts = pc.take(groups["row_min"], pc.index_in(repeats["code"], groups["code"]))
    later = pc.not_equal(repeats["row"], firsts)
    return list(zip(repeats["row"].filter(later).to_pylist(), firsts.filter(later).to_pylist()))


def first_descent(columns: list[pa.Array]) -> int | None:
    """Return the first 0-based row that sorts before the row above it, comparing field by field."""
    if len(columns[0]) < 2:
        return None
    found = pc.index(_compare_adjacent(columns, pc.less), True).as_py()
    return None if found < 0 else found + 1


def strictly_ascending(columns: list[pa.Array]) -> bool:
    """Tell whether every row sorts after the row above it: then no row repeats another."""
    if len(columns[0]) < 2:
        return True
    if any(values.null_count for values in columns):
        return False
    return pc.all(_compare_adjacent(columns, pc.greater)).as_py()


def _compare_adjacent(columns: list[pa.Array], op) -> pa.Array:
    """For each row but the first: does `op` hold between it and the row above, field by field?"""
    n = len(columns[0])
    result = None
    for values in reversed(columns):
        below, above = values.slice(1), values.slice(0, n - 1)
        holds = op(below, above)
        result = holds if result is None else pc.or_(holds, pc.and_(pc.equal(below, above), result))
    return result


def fault_rows(mask) -> list[int]:
    """File row numbers (header = 1) where `mask` is true; null counts as false."""
    return [i + 2 for i in pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()]


PARALLEL_ROWS = 50_000  # below this, starting threads costs more than the checks


def in_parallel(work, items, rows: int) -> list:
    """Return [work(item) for item in items], on two threads when the tables are large.

    arrow releases the GIL inside its kernels, so column checks on two threads use both cores.
    """
    items = list(items)
    if rows < PARALLEL_ROWS or len(items) < 2:
        return [work(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(work, items))
