"""Build a release folder from valid seeds, atomically: temporary folder, verify, rename."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from .changelog import release_section
from .changes import CHANGES_SCHEMA, Snapshot, diff_snapshots, render_changes_csv
from .checksums import parse_checksums, release_files, sha256_bytes, sha256_file, sha256_files, write_checksums
from .citation import citation_cff, cite_line
from .codebook import render_codebook
from .derived import write_derived
from .errors import ChecksumMismatch, DatapackageError, ReleaseExists, ValidationFailed
from .headline import headline_rows, render_headline_csv
from .headline_schema import HEADLINE_SCHEMA
from .parquet import write_parquet
from .paths import CHECKSUMS_NAME, DESCRIPTOR_NAME, RELEASE_DATA_DIRNAME, release_dirname
from .figure_worker import FigureWorker
from .plots import figure_data
from .release_descriptor import release_descriptor, write_descriptor
from .releases_index import index_path, previous_release, read_index
from .snapshots import snapshot_of_commit, snapshot_of_validation
from .validate import Validation, validate_package

HEADLINE_DESCRIPTION = (
    "One preferred claim per operation, metric, item, scope and unit family, chosen by a published rule "
    "(primary sources, then figures attributed to an agency that took part, then the rest; latest date; "
    "exact before approximate; lowest value), with the spread of all claims and a conflict flag. Derived: "
    "re-rank from reported_totals if you prefer another rule."
)


@dataclass(frozen=True)
class ReleaseInfo:
    """What a build needs beyond the seeds: version, date and the previous release to diff against."""

    version: str
    date: str
    previous: Snapshot | None = None
    previous_version: str | None = None


def default_info(root: Path, version: str) -> ReleaseInfo:
    """Date and previous release of `version` from releases.json (rebuilt from git when recorded)."""
    index = read_index(index_path(root))
    entry = next((r for r in index["releases"] if r["version"] == version), None)
    previous = previous_release(index, version)
    snapshot = snapshot_of_commit(root, previous["commit"]) if previous else None
    return ReleaseInfo(version, entry["date"] if entry else "unreleased", snapshot, previous["version"] if previous else None)

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


def package_version(descriptor: dict) -> str:
    """Return the descriptor's version, refusing anything that is not X.Y.Z."""
    version = str(descriptor.get("version", ""))
    if not SEMVER.match(version):
        raise DatapackageError(f"datapackage.json: version {version!r} is not semantic (X.Y.Z)")
    return version


def write_release_files(validation: Validation, folder: Path, info: ReleaseInfo, figures: FigureWorker, progress=None) -> pa.Table:
    """Write data files, derived tables, documents, descriptor and SHA256SUMS into `folder`.

    Three jobs run at once, since arrow and hashlib release the GIL: the data files and the changes
    table on two threads, the headline totals and codebook here; the figures in the child process.
    """
    (folder / RELEASE_DATA_DIRNAME).mkdir(parents=True)
    # the headline first, so that the figures child can draw while the data files are written
    headline = headline_of(validation)
    announced = dict(zip(validation.typed["operations"]["operation_id"].to_pylist(), validation.typed["operations"]["announced_on"].to_pylist()))
    figures.send(figure_data(headline, announced), folder / "figures")
    # leaving the with-block waits for both threads, so a failure never leaves one writing
    with ThreadPoolExecutor(max_workers=2) as pool:
        tables = pool.submit(write_tables, validation, folder, progress)
        changed = pool.submit(write_changes, validation, folder, info, progress)
        derived_headline = write_derived(folder, "headline_totals", render_headline_csv(headline), HEADLINE_SCHEMA, HEADLINE_DESCRIPTION)
        (folder / "CODEBOOK.md").write_text(render_codebook(validation, info.version), encoding="utf-8")
        if progress:
            progress("wrote headline totals and codebook")
        digests = tables.result()
        changes, derived_changes = changed.result()
    figures.wait()
    if progress:
        progress("drew figures")
    write_documents(folder, info, changes)
    digests.update(derived_digests([derived_changes, derived_headline]))
    descriptor = release_descriptor({**validation.descriptor, "version": info.version}, validation.resources, folder, [derived_changes, derived_headline], digests)
    write_descriptor(descriptor, folder / DESCRIPTOR_NAME)
    write_checksums(folder, digests)
    return changes


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


def derived_digests(resources: list[dict]) -> dict[str, str]:
    """The sha256 of each derived table's CSV and Parquet file, as recorded in its resource."""
    digests = {}
    for resource in resources:
        for part in (resource, resource["parquet"]):
            digests[part["path"]] = part["hash"].removeprefix("sha256:")
    return digests


def write_changes(validation: Validation, folder: Path, info: ReleaseInfo, progress=None) -> tuple[pa.Table, dict]:
    """Diff against the previous release and write the changes table; return it and its resource."""
    changes = diff_snapshots(info.previous, snapshot_of_validation(validation))
    since = info.previous_version or "nothing (first release)"
    resource = write_derived(folder, "changes", render_changes_csv(changes), CHANGES_SCHEMA, f"Per-record changes since {since}.", changes)
    if progress:
        progress(f"wrote changes ({len(changes):,})")
    return changes, resource


def headline_of(validation: Validation) -> list[dict]:
    """Headline rows of the validated claims."""
    t = validation.typed
    return headline_rows(t["reported_totals"], t["sources"], t["operation_agencies"])


def write_documents(folder: Path, info: ReleaseInfo, changes: pa.Table) -> None:
    """Write the release's README, CHANGELOG section and CITATION.cff."""
    (folder / "CHANGELOG.md").write_text(release_section(info.version, info.date, changes), encoding="utf-8")
    (folder / "CITATION.cff").write_text(citation_cff(info.version, info.date), encoding="utf-8")
    readme = (
        f"# darkweb-enforcement {info.version}\n\nReleased: {info.date}. Previous release: {info.previous_version or 'none'}.\n\n"
        "Law-enforcement operations against dark-web markets and every total a source reported, each tied to its source.\n"
        "Tables are in `data/` as CSV and Parquet; `datapackage.json` describes them; `sha256sum -c SHA256SUMS` checks every file.\n\n"
        f"## How to cite\n\n{cite_line(info.version, info.date)}\n"
    )
    (folder / "README.md").write_text(readme, encoding="utf-8")


def verify_written(folder: Path) -> None:
    """Re-hash every file and compare with the SHA256SUMS just written."""
    recorded = parse_checksums((folder / CHECKSUMS_NAME).read_text(encoding="utf-8"))
    actual = sha256_files(folder, release_files(folder))
    if recorded != actual:
        raise ChecksumMismatch(f"{folder}: files changed while the release was written; nothing was published")


def publish(tmp: Path, target: Path, force: bool) -> None:
    """Rename the finished folder into place; with force, replace an existing build."""
    old = None
    if target.exists():
        if not force:
            raise ReleaseExists(f"{target} already exists; bump the version in datapackage.json or pass --force to rebuild it")
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
    try:
        tmp.rename(target)
    except OSError:
        raise ReleaseExists(f"{target} was created by another build at the same time; this build was discarded") from None
    if old is not None:
        shutil.rmtree(old)


def remove_stale_temporaries(out: Path, name: str) -> None:
    """Delete temporary folders left by builds that were killed (their process is gone)."""
    for tmp in out.glob(f".{name}.tmp-*"):
        pid = tmp.name.rsplit(".tmp-", 1)[1].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def build_release(root: Path, out: Path, force: bool = False, progress=None, info: ReleaseInfo | None = None,
                  validation: Validation | None = None) -> Path:
    """Validate the package at `root` (unless given its validation) and write `<out>/darkweb-enforcement-<version>/`."""
    with FigureWorker() as figures:  # matplotlib loads in the child while the seeds are validated
        return _build(root, out, force, progress, info, validation, figures)


def _build(root: Path, out: Path, force: bool, progress, info: ReleaseInfo | None, validation: Validation | None, figures: FigureWorker) -> Path:
    validation = validation or validate_package(root, progress)
    if validation.problems:
        raise ValidationFailed(validation.problems)
    version = info.version if info else package_version(validation.descriptor)
    info = info or default_info(root, version)
    target = out / release_dirname(version)
    if target.exists() and not force:
        raise ReleaseExists(f"{target} already exists; bump the version in datapackage.json or pass --force to rebuild it")
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out, target.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=out))
    try:
        write_release_files(validation, tmp, info, figures, progress)
        verify_written(tmp)
        publish(tmp, target, force)
        if progress:
            progress("verified checksums and published")
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return target
