"""Cut a release, rebuild one with the code it was cut with, and publish a static mirror of them all.

A release is recorded atomically: the archive goes into releases/ first, then a journal with the
full text of every file to update (datapackage.json, CHANGELOG.md, CITATION.cff, CODEBOOK.md,
releases.json last), then each file is renamed into place and the journal removed. A kill at any
moment leaves the old state or a journal, which the next `dwe release` finishes before anything else.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .archive import write_archive
from .build import ReleaseInfo, build_release, package_version
from .changes import diff_snapshots, snapshot_of_commit, snapshot_of_validation
from .checksums import sha256_file
from .documents import citation_cff, prepend_section, release_section, render_codebook
from .errors import ChecksumMismatch, DatapackageError, ReleaseExists
from .history import check_commit, dirty_paths, export_tree, head_commit
from .index import current_release, find_release, previous_release, read_index, render_index, write_text_atomically
from .paths import archive_name, descriptor_path, index_path, releases_dir
from .validate import require_valid
from .versions import LEVELS, bump_level_between, bump_version, parse_version, required_bump

JOURNAL_NAME = ".release-in-progress.json"
DATE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z", re.ASCII)
RECORDED_FILES = (
    "datapackage.json",
    "CHANGELOG.md",
    "CITATION.cff",
    "CODEBOOK.md",
    "releases.json",
)  # releases.json last


@dataclass(frozen=True)
class Released:
    """What a release or a rebuild produced."""

    version: str
    archive: Path
    sha256: str
    level: str = "none"
    matches: bool = True


def check_date(date: object) -> str:
    """Return `date` when it is a real ISO day (YYYY-MM-DD); refuse anything else (it goes into CITATION.cff)."""
    if not isinstance(date, str) or not DATE.match(date):
        raise DatapackageError(f"--date {date!r} is not YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise DatapackageError(f"--date {date} is not a day of the calendar") from None
    if not dt.date(1990, 1, 1) <= day <= dt.date.today() + dt.timedelta(days=31):
        raise DatapackageError(f"--date {date} is not a plausible release date")
    return date


def plan_version(
    previous: str | None, bump: str | None, version: str | None, needed: str, reasons: list[str], first: str
) -> tuple[str, str]:
    """Return (new version, its bump level), refusing a bump smaller than the change needs."""
    if (bump is None) == (version is None):
        raise DatapackageError("give exactly one of --bump or --version")
    if version is not None:
        parse_version(version, "--version")
    if previous is None:
        return (version or first), "none"
    new = version if version is not None else bump_version(previous, str(bump))
    level = bump_level_between(previous, new)
    if level == "none":
        raise DatapackageError(f"version {new} is not above the current release {previous}")
    if needed == "none":
        raise DatapackageError(f"nothing changed since {previous}; there is nothing to release")
    if LEVELS.index(level) < LEVELS.index(needed):
        raise DatapackageError(
            f"a {level} bump ({previous} → {new}) is too small: " + "; ".join(reasons) + f". Use --bump {needed}"
        )
    return new, level


def finish_interrupted(root: Path) -> str | None:
    """Finish a release whose recording was interrupted; return its version, or None when there was none."""
    journal = root / JOURNAL_NAME
    if not journal.exists():
        return None
    try:
        planned = json.loads(journal.read_text(encoding="utf-8"))
        files, version = planned["files"], planned["version"]
        parse_version(version)
    except (OSError, ValueError, KeyError, TypeError):
        raise DatapackageError(
            f"{journal} is damaged; restore the files with git (git checkout -- {' '.join(RECORDED_FILES)}) and delete it"
        ) from None
    for name in RECORDED_FILES:
        write_text_atomically(root / name, files[name])
    journal.unlink()
    return version


def cut_release(
    root: Path, out: Path, bump: str | None = None, version: str | None = None, date: str | None = None
) -> Released:
    """Release the committed seeds at `root` as a new version."""
    finish_interrupted(root)
    date = check_date(date or dt.date.today().isoformat())
    dirty = dirty_paths(root)
    if dirty:
        raise DatapackageError(
            f"uncommitted changes in {', '.join(dirty)}; commit them first: a release records the commit it was built from"
        )
    index = read_index(index_path(root))
    previous = current_release(index)
    validation = require_valid(root)
    old = snapshot_of_commit(root, previous["commit"]) if previous else None
    current = snapshot_of_validation(validation)
    changes = diff_snapshots(old, current)
    needed, reasons = required_bump(old, current, changes)
    new, level = plan_version(
        previous["version"] if previous else None,
        bump,
        version,
        needed,
        reasons,
        package_version(validation.descriptor),
    )
    if find_release(index, new):
        raise ReleaseExists(
            f"release {new} already exists in releases.json; published versions are immutable (dwe release --help)"
        )
    for leftover in (out / archive_name(new).removesuffix(".zip"), out / archive_name(new)):
        if leftover.exists():
            raise ReleaseExists(f"{leftover} exists (an unreleased build?); delete it or release into another --out")
    info = ReleaseInfo(new, date, old, previous["version"] if previous else None)
    folder = build_release(root, out, info=info, validation=validation)
    archive = write_archive(folder, out / archive_name(new))
    digest = sha256_file(archive)
    committed = releases_dir(root) / archive.name
    committed.parent.mkdir(exist_ok=True)
    shutil.copyfile(archive, committed.with_name(f".{committed.name}.tmp"))
    committed.with_name(f".{committed.name}.tmp").replace(committed)
    entry = {
        "version": new,
        "date": date,
        "status": "current",
        "commit": head_commit(root),
        "archive": archive.name,
        "archive_sha256": digest,
        "archive_bytes": archive.stat().st_size,
        "row_counts": {n: t.num_rows for n, t in sorted(validation.strings.items())},
        "built_with": built_with(),
    }
    from .versions import schema_reasons

    reasons = [f"{reason} ({lvl})" for lvl, reason in schema_reasons(old, current)] if old else []
    _record(
        root, index, previous, entry, render_codebook(validation, new), release_section(new, date, changes, reasons)
    )
    return Released(new, archive, digest, level)


def built_with() -> dict[str, str]:
    """Versions of what writes the archive's bytes: a byte-identical rebuild needs the same."""
    import platform
    from importlib.metadata import version

    return {
        "python": platform.python_version(),
        "pyarrow": version("pyarrow"),
        "sqlite": __import__("sqlite3").sqlite_version,
    }


def _record(root: Path, index: dict, previous: dict | None, entry: dict, codebook: str, section: str) -> None:
    """Write the journal, then every recorded file atomically (releases.json last), then remove the journal."""
    if previous:
        previous["status"] = "superseded"
    index["releases"].append(entry)
    descriptor = json.loads(descriptor_path(root).read_text(encoding="utf-8"))
    descriptor["version"] = entry["version"]
    changelog = root / "CHANGELOG.md"
    files = {
        "datapackage.json": json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n",
        "CHANGELOG.md": prepend_section(changelog.read_text(encoding="utf-8") if changelog.exists() else None, section),
        "CITATION.cff": citation_cff(entry["version"], entry["date"]),
        "CODEBOOK.md": codebook,
        "releases.json": render_index(index),
    }
    write_text_atomically(
        root / JOURNAL_NAME, json.dumps({"version": entry["version"], "files": files}, sort_keys=True) + "\n"
    )
    finish_interrupted(root)


def rebuild_release(root: Path, version: str, out: Path | None = None) -> Released:
    """Rebuild a recorded release with the code and seeds of the commit it was cut from, and compare sha256.

    The rebuild runs in a temporary folder (or `out`, which must not exist yet): it never touches
    dist/ or releases/, match or not.
    """
    parse_version(version, "release version")
    entry = find_release(read_index(index_path(root)), version)
    if entry is None:
        known = ", ".join(r["version"] for r in read_index(index_path(root))["releases"]) or "none"
        raise DatapackageError(f"release {version} is not in releases.json (known: {known})")
    if out is not None and out.exists() and any(out.iterdir()):
        raise DatapackageError(f"{out} is not empty; rebuild into a new folder")
    with tempfile.TemporaryDirectory(prefix="dwe-rebuild-") as tmp:
        work = Path(tmp)
        tree = export_tree(root, check_commit(entry.get("commit")), work / "tree")
        built = out if out is not None else work / "out"
        if (tree / "datapackage" / "cli.py").is_file():
            _run_commit_code(tree, work, root, version, built)
        else:  # a data-only repository: its releases are built by the installed code
            build_recorded(root, tree, version, built)
        archive = built / archive_name(version)
        if not archive.is_file():
            raise DatapackageError(f"the code of commit {entry['commit'][:12]} wrote no {archive.name}")
        digest = sha256_file(archive)
        if out is None:
            kept = archive  # gone with the temporary folder: report only
    matches = digest == entry["archive_sha256"]
    if not matches:
        raise ChecksumMismatch(
            f"rebuilt {archive.name}: sha256 expected {entry['archive_sha256']} but got {digest} "
            f"(it was built with {entry.get('built_with', 'unrecorded versions')}, this machine has {built_with()}); "
            "nothing published was touched"
        )
    return Released(version, archive if out is not None else kept, digest)


def _run_commit_code(tree: Path, work: Path, root: Path, version: str, out: Path) -> None:
    """Run the commit's own code to build its release into `out` (a subprocess; its message on failure)."""
    pyproject = (tree / "pyproject.toml").read_text(encoding="utf-8") if (tree / "pyproject.toml").exists() else ""
    if 'darkweb_enforcement = "datapackage"' in pyproject:
        (work / "path").mkdir()
        (work / "path" / "darkweb_enforcement").symlink_to(tree / "datapackage")
        command = [
            sys.executable,
            "-m",
            "darkweb_enforcement.cli",
            "build-recorded",
            version,
            "--root",
            str(root),
            "--tree",
            str(tree),
            "--out",
            str(out),
        ]
        path = work / "path"
    else:  # releases before 1.0.0: the package was imported as `datapackage` and rebuilt itself
        command = [sys.executable, "-m", "datapackage.cli", "rebuild", version, "--root", str(root), "--out", str(out)]
        path = tree
    done = subprocess.run(
        command, cwd=work, capture_output=True, text=True, env={**_environment(), "PYTHONPATH": str(path)}
    )
    if done.returncode != 0 and not (out / archive_name(version)).is_file():
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise DatapackageError(
            f"the code of release {version} failed to build it: {lines[-1] if lines else 'no message'}"
        )


def _environment() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def build_recorded(root: Path, tree: Path, version: str, out: Path) -> Path:
    """Build recorded release `version` from the seeds in `tree` with this process's code; write its archive to `out`."""
    index = read_index(index_path(root))
    entry = find_release(index, version)
    if entry is None:
        raise DatapackageError(f"release {version} is not in releases.json")
    previous = previous_release(index, version)
    old = snapshot_of_commit(root, check_commit(previous["commit"])) if previous else None
    info = ReleaseInfo(version, entry["date"], old, previous["version"] if previous else None)
    folder = build_release(tree, out, info=info)
    return write_archive(folder, out / archive_name(version))


MIRROR_MARK = ".dwe-mirror"


def publish_mirror(root: Path, out: Path, base_url: str = "") -> dict:
    """Write a static mirror into `out`: releases.json (with base_url), every archive, SHA256SUMS, notes, and the site.

    Each archive is taken from releases/ and checked against releases.json first. The mirror is
    written beside `out` and renamed into place; `out` may only be replaced when it is an earlier mirror.
    """
    from .checksums import sha256_files
    from .site import build_site

    index = read_index(index_path(root))
    if not index["releases"]:
        raise DatapackageError("releases.json records no release yet; cut one with dwe release")
    if base_url and not base_url.startswith(("http://", "https://")):
        raise DatapackageError(f"--base-url {base_url!r} is not an http(s) URL")
    if out.exists() and any(out.iterdir()) and not (out / MIRROR_MARK).exists():
        raise DatapackageError(f"{out} is not empty and is not an earlier mirror; choose a new folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        for entry in index["releases"]:
            source = releases_dir(root) / archive_name(entry["version"])
            if not source.is_file() or sha256_file(source) != entry["archive_sha256"]:
                raise ChecksumMismatch(
                    f"{source} is missing or does not match releases.json; restore it (git checkout) or rebuild it (dwe rebuild {entry['version']} --out DIR)"
                )
            shutil.copyfile(source, tmp / source.name)
        names = sorted(p.name for p in tmp.glob("*.zip"))
        digests = sha256_files(tmp, names)
        (tmp / "SHA256SUMS").write_text("".join(f"{digests[n]}  {n}\n" for n in names), encoding="utf-8")
        (tmp / "releases.json").write_text(render_index({**index, "base_url": base_url.rstrip("/")}), encoding="utf-8")
        shutil.copyfile(root / "CHANGELOG.md", tmp / "CHANGELOG.md")
        current = current_release(index) or index["releases"][0]
        from .reader import open_release

        with open_release(tmp / archive_name(current["version"])) as folder:
            build_site(folder, tmp / "site")
        (tmp / MIRROR_MARK).write_text(f"{current['version']}\n", encoding="utf-8")
        for path in [tmp, *tmp.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return {"archives": len(names), "current": current["version"]}
