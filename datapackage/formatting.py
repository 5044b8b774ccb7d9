"""Rewrite seed files in canonical form so curators never sort or quote by hand."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .descriptor import read_resources
from .errors import DatapackageError
from .reading import BOM


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
        data = data[len(BOM):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DatapackageError(f"{path}: byte {error.start} is not UTF-8; re-save the file as UTF-8 before `dwe fmt`") from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise DatapackageError(f"{path}: file is empty")
    header, body = rows[0], [r for r in rows[1:] if r]
    ragged = [i + 2 for i, r in enumerate(body) if len(r) != len(header)]
    if ragged:
        raise DatapackageError(f"{path}: rows {ragged[:5]} do not have {len(header)} cells; fix them first (`dwe validate` lists them)")
    missing = [k for k in key_fields if k not in header]
    if missing:
        raise DatapackageError(f"{path}: primary key column(s) {missing} missing from the header")
    index = [header.index(k) for k in key_fields]
    body.sort(key=lambda r: tuple(r[i] for i in index))
    return canonical_csv(header, body)


def format_seeds(root: Path, write: bool = True) -> list[str]:
    """Rewrite (or, with write=False, only list) the seed files not in canonical form."""
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
