"""Build a release folder from valid seeds, atomically: temporary folder, verify, rename.

A release holds data and documents only (no figures), so its bytes depend on the seeds, pyarrow
and this code, not on a plotting library: any machine with the same versions rebuilds it exactly.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from .changes import Snapshot, diff_snapshots, snapshot_of_commit, snapshot_of_validation
from .checksums import parse_checksums, release_files, sha256_bytes, sha256_file, sha256_files, write_checksums
from .derived import (
    CHANGES_SCHEMA,
    COVERAGE_DESCRIPTION,
    COVERAGE_SCHEMA,
    HEADLINE_DESCRIPTION,
    HEADLINE_SCHEMA,
    coverage_table,
    render_csv,
    render_headline_csv,
    write_derived,
)
from .documents import citation_cff, release_readme, release_section, render_codebook
from .errors import ChecksumMismatch, DatapackageError, ReleaseExists
from .headline import headline_rows
from .index import find_release, previous_release, read_index
from .parquet import write_parquet
from .paths import (
    CHECKSUMS_NAME,
    DESCRIPTOR_NAME,
    R_LOADER_NAME,
    RELEASE_DATA_DIRNAME,
    SQLITE_NAME,
    index_path,
    r_loader_path,
    release_dirname,
)
from .validate import Validation, require_valid
from .versions import parse_version

FOLDER_MODE, FILE_MODE = 0o755, 0o644  # a release is read by others: never the 0700 of a temporary folder


@dataclass(frozen=True)
class ReleaseInfo:
    """What a build needs beyond the seeds: version, date and the previous release to diff against."""

    version: str
    date: str
    previous: Snapshot | None = None
    previous_version: str | None = None


def default_info(root: Path, version: str) -> ReleaseInfo:
    """Date and previous release of `version` from releases.json (the previous seeds read from git)."""
    index = read_index(index_path(root))
    entry = find_release(index, version)
    previous = previous_release(index, version)
    snapshot = snapshot_of_commit(root, previous["commit"]) if previous else None
    return ReleaseInfo(
        version, entry["date"] if entry else "unreleased", snapshot, previous["version"] if previous else None
    )


def package_version(descriptor: dict) -> str:
    """Return the descriptor's version, refusing anything that is not X.Y.Z."""
    version = descriptor.get("version", "")
    parse_version(version, "datapackage.json: version")
    return str(version)


def write_release_files(validation: Validation, folder: Path, info: ReleaseInfo, progress=None) -> pa.Table:
    """Write data files, derived tables, the database, documents, descriptor and SHA256SUMS into `folder`.

    The data files and the changes table are written on two threads (arrow and hashlib release the
    GIL) while the headline, coverage and documents are computed here.
    """
    (folder / RELEASE_DATA_DIRNAME).mkdir(parents=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        tables = pool.submit(write_tables, validation, folder, progress)
        changed = pool.submit(write_changes, validation, folder, info, progress)
        derived = write_headline_and_coverage(validation, folder)
        write_documents(folder, info, validation)
        if progress:
            progress("wrote headline totals, coverage and documents")
        digests = tables.result()
        changes, changes_resource = changed.result()
    (folder / "CHANGELOG.md").write_text(
        release_section(info.version, info.date, changes, schema_changes(info, validation)), encoding="utf-8"
    )
    resources = curated_resources(validation, folder, digests) + [changes_resource, *derived]
    resources.append(write_database(folder, resources, progress))
    for resource in resources:
        for part in (resource, resource.get("parquet") or {}):
            if "hash" in part:
                digests[part["path"]] = part["hash"].removeprefix("sha256:")
    descriptor = {k: v for k, v in validation.descriptor.items() if k != "resources"}
    # the database is not a table: a data-package, each table still a tabular-data-resource for frictionless-r
    descriptor.update(version=info.version, resources=resources, profile="data-package")
    (folder / DESCRIPTOR_NAME).write_text(
        json.dumps(descriptor, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n"
    )
    write_checksums(folder, digests)
    return changes


def schema_changes(info: ReleaseInfo, validation: Validation) -> list[str]:
    """What changed in the schemas since the previous release, with the bump each change needs."""
    from .versions import schema_reasons

    if info.previous is None:
        return []
    return [
        f"{reason} ({level})" for level, reason in schema_reasons(info.previous, snapshot_of_validation(validation))
    ]


def write_tables(validation: Validation, folder: Path, progress=None) -> dict[str, str]:
    """Write every curated table as CSV (the seed's exact bytes) and Parquet; return their sha256 by path."""
    digests = {}
    for resource in sorted(validation.resources, key=lambda r: r.name):
        csv_rel, parquet_rel = (f"{RELEASE_DATA_DIRNAME}/{resource.name}.{ext}" for ext in ("csv", "parquet"))
        # seeds are validated canonical (UTF-8, LF, sorted): the release CSV is their exact bytes
        raw = validation.raw[resource.name]
        (folder / csv_rel).write_bytes(raw)
        digests[csv_rel] = sha256_bytes(raw)
        write_parquet(resource.schema, validation.typed[resource.name], folder / parquet_rel)
        digests[parquet_rel] = sha256_file(folder / parquet_rel)
        if progress:
            progress(f"wrote {resource.name}")
    return digests


def curated_resources(validation: Validation, folder: Path, digests: dict[str, str]) -> list[dict]:
    """The release resource of each curated table: the CSV as the data, the Parquet copy under `parquet`.

    One resource per table keeps frictionless-r's read_resource() working on every resource; the
    Parquet file is a custom property that the frictionless libraries ignore.
    """
    by_name = {r.get("name"): r for r in validation.descriptor["resources"]}
    out = []
    for resource in sorted(validation.resources, key=lambda r: r.name):
        csv_rel, parquet_rel = (f"{RELEASE_DATA_DIRNAME}/{resource.name}.{ext}" for ext in ("csv", "parquet"))
        entry = {k: v for k, v in by_name[resource.name].items() if k not in ("path", "schema", "bytes", "hash")}
        entry.update(
            {
                "path": csv_rel,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": (folder / csv_rel).stat().st_size,
                "hash": f"sha256:{digests[csv_rel]}",
                "schema": copy.deepcopy(resource.schema.descriptor),
            }
        )
        entry["parquet"] = {
            "path": parquet_rel,
            "mediatype": "application/vnd.apache.parquet",
            "compression": "zstd",
            "bytes": (folder / parquet_rel).stat().st_size,
            "hash": f"sha256:{digests[parquet_rel]}",
        }
        out.append(entry)
    return out


def write_changes(validation: Validation, folder: Path, info: ReleaseInfo, progress=None) -> tuple[pa.Table, dict]:
    """Diff against the previous release and write the changes table; return it and its resource."""
    from .changes import render_changes_csv

    changes = diff_snapshots(info.previous, snapshot_of_validation(validation))
    since = info.previous_version or "nothing (first release)"
    resource = write_derived(
        folder, "changes", render_changes_csv(changes), CHANGES_SCHEMA, f"Per-record changes since {since}.", changes
    )
    if progress:
        progress(f"wrote changes ({len(changes):,})")
    return changes, resource


def write_headline_and_coverage(validation: Validation, folder: Path) -> list[dict]:
    """Write headline_totals and coverage; return their resources."""
    t = validation.typed
    headline = headline_rows(t["reported_totals"], t["sources"], t["operation_agencies"], t["agencies"])
    coverage = coverage_table(t["reported_totals"], t["operations"])
    return [
        write_derived(
            folder,
            "coverage",
            render_csv(coverage, [f["name"] for f in COVERAGE_SCHEMA["fields"]]),
            COVERAGE_SCHEMA,
            COVERAGE_DESCRIPTION,
        ),
        write_derived(folder, "headline_totals", render_headline_csv(headline), HEADLINE_SCHEMA, HEADLINE_DESCRIPTION),
    ]


def write_database(folder: Path, resources: list[dict], progress=None) -> dict:
    """Write every table into one SQLite database; return its (non-tabular) resource."""
    from .sqlite import write_sqlite

    target = folder / SQLITE_NAME
    write_sqlite(folder, resources, target)
    if progress:
        progress("wrote the SQLite database")
    return {
        "name": "database",
        "path": SQLITE_NAME,
        "profile": "data-resource",
        "format": "sqlite",
        "mediatype": "application/vnd.sqlite3",
        "description": "Every table above in one SQLite database, with keys, indexes, full-text search and views.",
        "bytes": target.stat().st_size,
        "hash": f"sha256:{sha256_file(target)}",
    }


def write_documents(folder: Path, info: ReleaseInfo, validation: Validation) -> None:
    """Write the release's README, CITATION.cff, CODEBOOK.md and the R loader."""
    (folder / "README.md").write_text(release_readme(info.version, info.date, info.previous_version), encoding="utf-8")
    (folder / "CITATION.cff").write_text(citation_cff(info.version, info.date), encoding="utf-8")
    (folder / "CODEBOOK.md").write_text(render_codebook(validation, info.version), encoding="utf-8")
    shutil.copyfile(r_loader_path(), folder / R_LOADER_NAME)


def verify_written(folder: Path) -> None:
    """Re-hash every file and compare with the SHA256SUMS just written."""
    recorded = parse_checksums((folder / CHECKSUMS_NAME).read_text(encoding="utf-8"))
    if recorded != sha256_files(folder, release_files(folder)):
        raise ChecksumMismatch(f"{folder}: files changed while the release was written; nothing was published")


def make_readable(folder: Path) -> None:
    """Give the release the modes of a published folder: folders 0755, files 0644."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(FOLDER_MODE if path.is_dir() else FILE_MODE)


def publish(tmp: Path, target: Path, force: bool) -> None:
    """Rename the finished folder into place; with force, swap out an existing build and then delete it.

    If the swap fails half-way the old build is put back, so a build is never lost to a failed replace.
    """
    old = None
    if target.exists():
        if not force:
            raise ReleaseExists(
                f"{target} already exists; bump the version in datapackage.json or pass --force to rebuild it"
            )
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
    try:
        tmp.rename(target)
    except OSError:
        if old is not None and not target.exists():
            old.rename(target)
            old = None
        raise ReleaseExists(
            f"{target} was created by another build at the same time; this build was discarded"
        ) from None
    if old is not None:
        shutil.rmtree(old)


def remove_stale_temporaries(out: Path, name: str) -> None:
    """Delete what builds that were killed left behind (their process is gone); put back a swapped-out build."""
    for leftover in sorted(out.glob(f".{name}.*-*")):
        _kind, _, rest = leftover.name.rpartition("-")[0].rpartition(".")[2], None, leftover.name.rsplit("-", 1)[-1]
        pid = leftover.name.split(".tmp-", 1)[1].split("-", 1)[0] if ".tmp-" in leftover.name else rest
        if not pid.isdigit() or _alive(int(pid)):
            continue
        if ".old-" in leftover.name and not (out / name).exists():
            leftover.rename(out / name)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def build_release(
    root: Path,
    out: Path,
    force: bool = False,
    progress=None,
    info: ReleaseInfo | None = None,
    validation: Validation | None = None,
) -> Path:
    """Validate the package at `root` (unless given its validation) and write `<out>/darkweb-enforcement-<version>/`."""
    validation = validation or require_valid(root, progress)
    version = info.version if info else package_version(validation.descriptor)
    info = info or default_info(root, version)
    target = out / release_dirname(version)
    if target.exists() and not force:
        raise ReleaseExists(
            f"{target} already exists; bump the version in datapackage.json or pass --force to rebuild it"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(out, target.name)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=out))
    except OSError as error:
        raise DatapackageError(f"cannot write a release into {out} ({error.strerror}); choose another --out") from None
    try:
        write_release_files(validation, tmp, info, progress)
        make_readable(tmp)
        verify_written(tmp)
        publish(tmp, target, force)
        if progress:
            progress("verified checksums and published")
    except OSError as error:
        raise DatapackageError(
            f"writing {target.name} failed ({error.strerror or error}); nothing was published (is the disk full or the folder read-only?)"
        ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return target
