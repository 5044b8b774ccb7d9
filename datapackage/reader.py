"""Read a built release, folder or archive: check its paths and checksums, then read its tables.

The one reader of releases: `dwe verify`, `dwe diff`, `load()` and the site use it. Nothing a
descriptor says becomes a path unchecked: a resource path must be a relative POSIX path to a
regular file inside the release folder (no '..', no URL, no absolute path, no link leading out).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pyarrow as pa

from .archive import extract_archive
from .checksums import parse_checksums, release_files, sha256_file
from .errors import ChecksumMismatch, DatapackageError, UnsafeRelease
from .paths import CHECKSUMS_NAME, DESCRIPTOR_NAME

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass
class Verification:
    """What `dwe verify` found: differences (the release is not what it claims) and notes."""

    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def unsafe_relpath(rel: object) -> str | None:
    """Say why `rel` may not name a file of a release, or None when it may."""
    if not isinstance(rel, str) or not rel:
        return f"path {rel!r} is not a relative path string"
    parts = PurePosixPath(rel).parts
    if (
        rel.startswith(("/", "\\", "~"))
        or _SCHEME.match(rel)
        or "\\" in rel
        or ".." in parts
        or "\x00" in rel
        or rel != rel.strip()
    ):
        return f"path {rel!r} must be relative and stay inside the release folder"
    return None


def resource_file(folder: Path, rel: object) -> Path:
    """Return folder/rel when it is a regular file inside the folder; raise UnsafeRelease otherwise."""
    reason = unsafe_relpath(rel)
    if reason:
        raise UnsafeRelease(f"{folder.name}/{DESCRIPTOR_NAME}: {reason}")
    path = folder / str(rel)
    resolved = path.resolve()
    if not resolved.is_relative_to(folder.resolve()):
        raise UnsafeRelease(f"{folder.name}/{DESCRIPTOR_NAME}: {rel!r} leads outside the release folder (a link?)")
    if not resolved.is_file():
        raise DatapackageError(f"{folder.name}: {rel} is missing or not a regular file")
    return resolved


def read_descriptor(folder: Path) -> dict:
    """Read a release descriptor, refusing one of the wrong shape."""
    try:
        descriptor = json.loads((folder / DESCRIPTOR_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DatapackageError(f"{folder.name}/{DESCRIPTOR_NAME}: unreadable ({error})") from None
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list) or not all(
        isinstance(r, dict) and isinstance(r.get("name"), str) for r in resources
    ):
        raise DatapackageError(
            f"{folder.name}/{DESCRIPTOR_NAME}: not a release descriptor (expected an object with a list of named resources)"
        )
    return descriptor


def table_resources(folder: Path) -> dict[str, dict]:
    """The descriptor's tables (resources with an inline Table Schema) by name."""
    found = {}
    for r in read_descriptor(folder)["resources"]:
        if "schema" in r:
            if not isinstance(r["schema"], dict):
                raise DatapackageError(
                    f"{folder.name}/{DESCRIPTOR_NAME}: resource {r['name']!r} has no inline Table Schema"
                )
            found[r["name"]] = r
    return found


def curated_resources(folder: Path) -> dict[str, dict]:
    """The curated tables of a release (derived tables left out)."""
    return {name: r for name, r in table_resources(folder).items() if not r.get("derived")}


def verify_folder(folder: Path, only: set[str] | None = None) -> list[str]:
    """Return one line per difference between the folder and its records (empty when intact).

    Every listed file must exist, be a regular file inside the folder, and every file must be
    listed; with `only`, just those files (relative paths) are hashed, each once, so a reader who
    loads one table does not hash a database it never opens.
    """
    sums_path = folder / CHECKSUMS_NAME
    if not sums_path.is_file():
        return [f"{CHECKSUMS_NAME}: missing"]
    try:
        recorded = parse_checksums(sums_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        return [f"{CHECKSUMS_NAME}: {error}"]
    found, digests = [], {}
    for rel, digest in sorted(recorded.items()):
        reason = unsafe_relpath(rel)
        path = folder / rel
        if reason:
            found.append(f"{rel}: {reason}")
        elif path.is_symlink() or not path.is_file():
            found.append(f"{rel}: missing" if not path.exists() else f"{rel}: not a regular file")
        elif only is None or rel in only:
            digests[rel] = actual = sha256_file(path)
            if actual != digest:
                found.append(f"{rel}: sha256 expected {digest} but got {actual}")
    found += [f"{rel}: not listed in {CHECKSUMS_NAME}" for rel in release_files(folder) if rel not in recorded]
    found += [f"{rel}: not listed in {CHECKSUMS_NAME}" for rel in sorted((only or set()) - set(recorded))]
    return found + _descriptor_differences(folder, digests)


def _descriptor_differences(folder: Path, digests: dict[str, str]) -> list[str]:
    """Compare the descriptor's bytes with each file, and its hash where the file was hashed."""
    try:
        resources = read_descriptor(folder)["resources"]
    except DatapackageError as error:
        return [str(error)]
    found = []
    for resource in resources:
        for facts in (resource, resource.get("parquet") or {}):
            if "path" not in facts:
                continue
            rel = facts["path"]
            try:
                path = resource_file(folder, rel)
            except DatapackageError as error:
                found.append(f"{resource['name']}: {error}")
                continue
            size = path.stat().st_size
            if facts.get("bytes") != size:
                found.append(f"{rel}: bytes expected {facts.get('bytes')} but got {size} ({DESCRIPTOR_NAME})")
            if rel in digests and facts.get("hash") != f"sha256:{digests[rel]}":
                found.append(
                    f"{rel}: hash expected {facts.get('hash')} but got sha256:{digests[rel]} ({DESCRIPTOR_NAME})"
                )
    return found


def verify_path(path: Path, index: dict | None = None) -> Verification:
    """Verify a release folder or archive; with an index, compare an archive with its recorded sha256."""
    result = Verification()
    if path.is_dir():
        result.differences = verify_folder(path)
        version = _version_of(path)
        if index is not None and version and _recorded(index, version):
            result.notes.append(
                f"release {version} is recorded in releases.json, but a folder has no archive sha256 to compare; verify the .zip for that"
            )
        return result
    with tempfile.TemporaryDirectory(prefix="dwe-verify-") as tmp:
        folder = extract_archive(path, Path(tmp))
        result.differences = verify_folder(folder)
        version = _version_of(folder)
    entry = _recorded(index, version) if index is not None and version else None
    if entry:
        actual = sha256_file(path)
        if actual != entry["archive_sha256"]:
            result.differences.append(
                f"{path.name}: sha256 {actual} is not the {entry['archive_sha256']} recorded for release {version} in releases.json"
            )
        else:
            result.notes.append(f"{path.name}: sha256 matches release {version} in releases.json")
    elif index is not None:
        result.notes.append(
            f"{path.name}: version {version or '(none)'} is not in releases.json; its files match its own SHA256SUMS only"
        )
    return result


def _version_of(folder: Path) -> str | None:
    try:
        version = read_descriptor(folder).get("version")
    except DatapackageError:
        return None
    return version if isinstance(version, str) else None


def _recorded(index: dict, version: str) -> dict | None:
    return next((r for r in index.get("releases", []) if r.get("version") == version), None)


@contextmanager
def open_release(path: Path, label: str | None = None, only: set[str] | None = None) -> Iterator[Path]:
    """Yield a verified release folder: `path` itself, or an archive extracted to a temporary folder.

    With `only`, the files hashed are those and the descriptor (see verify_folder); the caller
    verifies what else it reads with `refuse_differences(verify_folder(folder, files), label)`.
    """
    label = label or str(path)
    only = None if only is None else only | {DESCRIPTOR_NAME}
    if path.is_dir():
        refuse_differences(verify_folder(path, only), label)
        yield path
        return
    if not path.is_file():
        raise DatapackageError(f"{path}: no such release folder or archive")
    with tempfile.TemporaryDirectory(prefix="dwe-") as tmp:
        folder = extract_archive(path, Path(tmp))
        refuse_differences(verify_folder(folder, only), label)
        yield folder


def refuse_differences(problems: list[str], label: str) -> None:
    """Raise ChecksumMismatch naming the first differences, if there are any."""
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ChecksumMismatch(
            f"{label} does not match its {CHECKSUMS_NAME}: {'; '.join(problems[:3])}{more}; nothing was read (dwe verify shows every difference)"
        )


def read_table(folder: Path, resource: dict, format: str) -> pa.Table:
    """Read one table of a verified release from its CSV or Parquet copy, typed by its Table Schema."""
    from .constraints import check_table
    from .csvfiles import read_strings
    from .parquet import read_parquet_checked
    from .schema import parse_schema

    name = resource["name"]
    schema = parse_schema(name, resource["schema"], f"{DESCRIPTOR_NAME} resource {name}")
    if format == "parquet":
        rel = (resource.get("parquet") or {}).get("path")
        if not rel:
            raise DatapackageError(f"table {name!r} has no Parquet file in {folder.name}; use format='csv'")
        return read_parquet_checked(resource_file(folder, rel), schema, f"{folder.name}/{rel}")
    strings, problems = read_strings(name, resource_file(folder, resource["path"]).read_bytes(), schema)
    typed, cell_problems = check_table(name, schema, strings) if strings is not None else (None, [])
    problems = [p for p in problems + cell_problems if p.code != "empty-table"]
    if problems or typed is None:
        raise DatapackageError(
            f"{folder.name}/{resource['path']}: {problems[0].message if problems else 'unreadable'} (row {problems[0].row if problems else 0})"
        )
    return typed


def diff_releases(old: Path, new: Path) -> pa.Table:
    """Return the per-record changes from release `old` to release `new` (folders or archives)."""
    from .changes import diff_snapshots, snapshot_of_release

    with open_release(old) as before, open_release(new) as after:
        return diff_snapshots(snapshot_of_release(before), snapshot_of_release(after))


def format_changes(changes: pa.Table) -> str:
    """Render changes for a person, one line each."""
    lines = []
    for c in changes.to_pylist():
        if c["change"] == "changed":
            lines.append(f"~ {c['table']} {c['key']}: {c['field']}: {c['old_value']!r} -> {c['new_value']!r}")
        else:
            lines.append(f"{'+' if c['change'] == 'added' else '-'} {c['table']} {c['key']}")
    return "".join(line + "\n" for line in lines)
