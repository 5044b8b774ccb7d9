"""Cut a release: check the bump, build, archive, and record it in releases.json, CHANGELOG and CITATION."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from .archive import write_archive
from .build import SEMVER, ReleaseInfo, build_release, package_version
from .bump import LEVELS, bump_level_between, bump_version, required_bump
from .changelog import prepend_section, release_section
from .changes import diff_snapshots
from .checksums import sha256_file
from .citation import citation_cff
from .codebook import render_codebook
from .errors import DatapackageError, ReleaseExists, ValidationFailed
from .history import dirty_paths, head_commit
from .paths import descriptor_path, release_dirname
from .releases_index import current_release, find_release, index_path, previous_release, read_index, write_index
from .snapshots import snapshot_of_commit, snapshot_of_validation
from .validate import validate_package


@dataclass(frozen=True)
class Released:
    """What a release produced."""

    version: str
    folder: Path
    archive: Path
    sha256: str
    level: str


def plan_version(previous: str | None, bump: str | None, version: str | None, needed: str, reasons: list[str], first: str = "0.1.0") -> tuple[str, str]:
    """Return (new version, its bump level), refusing a bump smaller than the change needs.

    The first release takes `first` (the descriptor's version) unless --version says otherwise.
    """
    if (bump is None) == (version is None):
        raise DatapackageError("give exactly one of --bump or --version")
    if version is not None and not SEMVER.match(version):
        raise DatapackageError(f"--version {version!r} is not X.Y.Z")
    if previous is None:
        return (version or first), "none"
    new = version or bump_version(previous, bump)
    level = bump_level_between(previous, new)
    if level == "none":
        raise DatapackageError(f"version {new} is not above the current release {previous}")
    if needed == "none":
        raise DatapackageError(f"nothing changed since {previous}; there is nothing to release")
    if LEVELS.index(level) < LEVELS.index(needed):
        raise DatapackageError(f"a {level} bump ({previous} → {new}) is too small: " + "; ".join(reasons) + f". Use --bump {needed}")
    return new, level


def cut_release(root: Path, out: Path, bump: str | None = None, version: str | None = None, date: str | None = None) -> Released:
    """Release the committed seeds at `root` as a new version."""
    dirty = dirty_paths(root)
    if dirty:
        raise DatapackageError(f"uncommitted changes in {', '.join(dirty)}; commit them first: a release records the commit it was built from")
    index = read_index(index_path(root))
    previous = current_release(index)
    validation = validate_package(root)
    if validation.problems:
        raise ValidationFailed(validation.problems)
    old = snapshot_of_commit(root, previous["commit"]) if previous else None
    current = snapshot_of_validation(validation)
    changes = diff_snapshots(old, current)
    needed, reasons = required_bump(old, current, changes)
    first = package_version(validation.descriptor)
    new, level = plan_version(previous["version"] if previous else None, bump, version, needed, reasons, first)
    if find_release(index, new):
        raise ReleaseExists(f"release {new} already exists in releases.json; published versions are immutable (dwe release --help)")
    for leftover in (out / release_dirname(new), out / f"{release_dirname(new)}.zip"):
        if leftover.exists():
            raise ReleaseExists(f"{leftover} exists (an unreleased build?); delete it or release into another --out")
    date = date or dt.date.today().isoformat()
    info = ReleaseInfo(new, date, old, previous["version"] if previous else None)
    folder = build_release(root, out, info=info, validation=validation)
    archive = write_archive(folder, out / f"{folder.name}.zip")
    digest = sha256_file(archive)
    _record(root, index, previous, new, date, head_commit(root), archive, digest, validation, changes)
    return Released(new, folder, archive, digest, level)


def built_with() -> dict[str, str]:
    """Versions of the libraries whose output is in the archive: a byte-identical rebuild needs the same."""
    import platform
    from importlib.metadata import version

    return {"python": platform.python_version(), **{name: version(name) for name in ("pyarrow", "matplotlib")}}


def _record(root, index, previous, version, date, commit, archive, digest, validation, changes) -> None:
    """Update datapackage.json, releases.json, CHANGELOG.md and CITATION.cff at the root."""
    if previous:
        previous["status"] = "superseded"
    index["releases"].append({
        "version": version, "date": date, "status": "current", "commit": commit,
        "archive": archive.name, "archive_sha256": digest, "archive_bytes": archive.stat().st_size,
        "row_counts": {name: t.num_rows for name, t in sorted(validation.strings.items())},
        "built_with": built_with(),
    })
    write_index(index, index_path(root))
    descriptor = json.loads(descriptor_path(root).read_text(encoding="utf-8"))
    descriptor["version"] = version
    descriptor_path(root).write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    changelog = root / "CHANGELOG.md"
    changelog.write_text(prepend_section(changelog, release_section(version, date, changes)), encoding="utf-8")
    (root / "CITATION.cff").write_text(citation_cff(version, date), encoding="utf-8")
    (root / "CODEBOOK.md").write_text(render_codebook(validation, version), encoding="utf-8")


def rebuild_release(root: Path, version: str, out: Path) -> Released:
    """Rebuild a recorded release from the commit it was cut from; the archive must match its sha256."""
    import shutil
    import tempfile

    from .errors import ChecksumMismatch
    from .history import export_tree

    index = read_index(index_path(root))
    entry = find_release(index, version)
    if entry is None:
        known = ", ".join(r["version"] for r in index["releases"]) or "none"
        raise DatapackageError(f"release {version} is not in releases.json (known: {known})")
    previous = previous_release(index, version)
    old = snapshot_of_commit(root, previous["commit"]) if previous else None
    info = ReleaseInfo(version, entry["date"], old, previous["version"] if previous else None)
    with tempfile.TemporaryDirectory() as tmp:
        tree = export_tree(root, entry["commit"], Path(tmp) / "tree")
        folder = build_release(tree, out, force=True, info=info)
    archive = write_archive(folder, out / f"{folder.name}.zip")
    digest = sha256_file(archive)
    if digest != entry["archive_sha256"]:
        shutil.rmtree(folder)
        archive.unlink()
        raise ChecksumMismatch(
            f"rebuilt {archive.name}: sha256 expected {entry['archive_sha256']} but got {digest}; the rebuild was deleted "
            f"(it was built with {entry.get('built_with', 'unrecorded versions')}, this machine has {built_with()})"
        )
    return Released(version, folder, archive, digest, "none")
