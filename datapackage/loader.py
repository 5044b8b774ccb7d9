"""Load a release into pandas: a published version (downloaded once, cached) or a local folder or archive.

Every file is checked against the release's SHA256SUMS before any table is read; the dtypes
follow the Table Schema (see darkweb_enforcement.frames) and are the same from CSV and from Parquet.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from .archive import extract_archive
from .errors import ChecksumMismatch, DatapackageError
from .frames import read_csv_arrow, read_parquet_arrow, to_frame
from .paths import CHECKSUMS_NAME, DESCRIPTOR_NAME
from .schema import parse_schema
from .verify import verify_folder

FORMATS = ("parquet", "csv")


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

    `path` is a release folder or archive; otherwise `version` (None = the current release) is
    looked up in releases.json (`index`: a path or URL, default the repository's) and its archive
    downloaded from `base_url` (else $DWE_BASE_URL, else the index's base_url) into the cache.
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
        from .download import fetch_release

        source = fetch_release(version, base_url=base_url, index=index)
    with opened_release(source) as folder:
        return read_release(folder, tables, format)


def load_table(name: str, version: str | None = None, **options) -> pd.DataFrame:
    """Return one table of a release; takes the same options as `load`."""
    return load(version, tables=[name], **options)[name]


@contextmanager
def opened_release(path: Path) -> Iterator[Path]:
    """Yield a verified release folder: `path` itself, or an archive extracted to a temporary folder."""
    if path.is_dir():
        check_release(path, str(path))
        yield path
        return
    if not path.is_file():
        raise DatapackageError(f"{path}: no such release folder or archive")
    with tempfile.TemporaryDirectory(prefix="dwe-") as tmp:
        folder = extract_archive(path, Path(tmp))
        check_release(folder, str(path))
        yield folder


def check_release(folder: Path, label: str) -> None:
    """Refuse a release whose files differ from its SHA256SUMS or descriptor."""
    problems = verify_folder(folder)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ChecksumMismatch(f"{label} does not match its {CHECKSUMS_NAME}: {'; '.join(problems[:3])}{more}; nothing was loaded (dwe verify shows every difference)")


def read_release(folder: Path, tables: Sequence[str] | None, format: str) -> dict[str, pd.DataFrame]:
    """Read the chosen tables of a verified release folder, in the order asked (default: by name)."""
    resources = release_resources(folder)
    wanted = list(tables) if tables is not None else sorted(resources)
    unknown = [t for t in wanted if t not in resources]
    if unknown:
        raise DatapackageError(f"table {unknown[0]!r} is not in {folder.name}; its tables are: {', '.join(sorted(resources))}")
    return {name: read_resource(folder, resources[name], format) for name in wanted}


def release_resources(folder: Path) -> dict[str, dict]:
    """Return the descriptor's tables (resources with a Table Schema) by name."""
    try:
        descriptor = json.loads((folder / DESCRIPTOR_NAME).read_text(encoding="utf-8"))
        return {r["name"]: r for r in descriptor["resources"] if r.get("schema")}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DatapackageError(f"{folder.name}/{DESCRIPTOR_NAME}: not a release descriptor ({error})") from None


def read_resource(folder: Path, resource: dict, format: str) -> pd.DataFrame:
    """Read one table from its CSV or its Parquet copy, typed by its inline Table Schema."""
    name = resource["name"]
    schema = parse_schema(name, resource.get("schema") or {}, f"{DESCRIPTOR_NAME} resource {name}")
    rel = resource["path"] if format == "csv" else (resource.get("parquet") or {}).get("path")
    if not rel:
        raise DatapackageError(f"table {name!r} has no {format} file in {folder.name}; try format='csv'")
    path = inside(folder, rel)
    table = read_csv_arrow(path, schema) if format == "csv" else read_parquet_arrow(path, schema)
    return to_frame(table, schema, rel)


def inside(folder: Path, rel: str) -> Path:
    """Return folder/rel, refusing a descriptor path that leaves the release folder."""
    path = (folder / rel).resolve()
    if not path.is_relative_to(folder.resolve()) or not path.is_file():
        raise DatapackageError(f"{DESCRIPTOR_NAME}: resource path {rel!r} is not a file inside {folder.name}")
    return path
