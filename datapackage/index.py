"""releases.json: every published version, its status, archive hash, commit and row counts.

An index may come from anywhere (a mirror, a URL, an edited file), so its shape is checked before
anything in it is used: versions strict X.Y.Z, sha256 and commits in hex, one current release.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from .errors import DatapackageError
from .paths import DATASET_NAME
from .versions import is_version, parse_version

URL_PATTERN = "{base_url}/" + DATASET_NAME + "-{version}.zip"
STATUSES = ("current", "superseded", "withdrawn")
SHA256 = re.compile(r"\A[0-9a-f]{64}\Z")
COMMIT = re.compile(r"\A[0-9a-f]{40}\Z")


def empty_index() -> dict:
    """Return an index with no release yet."""
    return {"dataset": DATASET_NAME, "url_pattern": URL_PATTERN, "base_url": "", "releases": []}


def check_index(index: object, where: str) -> dict:
    """Return `index` when it has the shape of releases.json; raise a DatapackageError naming the fault."""
    if not isinstance(index, dict) or not isinstance(index.get("releases"), list):
        raise DatapackageError(f"{where}: not a releases index (expected an object with a 'releases' list)")
    for key in ("base_url", "url_pattern"):
        if not isinstance(index.get(key, ""), str):
            raise DatapackageError(f"{where}: {key} must be a string")
    seen = set()
    for n, entry in enumerate(index["releases"]):
        _check_entry(entry, f"{where}: releases[{n}]")
        if entry["version"] in seen:
            raise DatapackageError(f"{where}: version {entry['version']} is listed twice")
        seen.add(entry["version"])
    current = [e["version"] for e in index["releases"] if e["status"] == "current"]
    if len(current) > 1:
        raise DatapackageError(
            f"{where}: {len(current)} releases are current ({', '.join(current)}); exactly one may be"
        )
    return index


def _check_entry(entry: object, where: str) -> None:
    if not isinstance(entry, dict):
        raise DatapackageError(f"{where} is not an object")
    if not is_version(entry.get("version")):
        raise DatapackageError(
            f"{where}: version {entry.get('version')!r} is not X.Y.Z; the index is refused before any path is built from it"
        )
    if entry.get("status") not in STATUSES:
        raise DatapackageError(f"{where}: status {entry.get('status')!r} is not one of {', '.join(STATUSES)}")
    if not isinstance(entry.get("archive_sha256"), str) or not SHA256.match(entry["archive_sha256"]):
        raise DatapackageError(f"{where}: archive_sha256 must be 64 lowercase hex digits")
    if "commit" in entry and (not isinstance(entry["commit"], str) or not COMMIT.match(entry["commit"])):
        raise DatapackageError(f"{where}: commit {entry['commit']!r} is not 40 hex digits")
    if not isinstance(entry.get("date", ""), str):
        raise DatapackageError(f"{where}: date must be a string")


def parse_index(data: bytes, where: str) -> dict:
    """Parse releases.json bytes."""
    try:
        index = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DatapackageError(f"{where} is not releases.json (not JSON; an HTML page?)") from None
    return check_index(index, where)


def read_index(path: Path) -> dict:
    """Read releases.json, or an empty index when the file does not exist."""
    if not path.exists():
        return empty_index()
    try:
        return parse_index(path.read_bytes(), str(path))
    except OSError as error:
        raise DatapackageError(f"{path}: cannot be read ({error.strerror})") from None


def render_index(index: dict) -> str:
    """releases.json text: sorted keys, newest release first, trailing newline."""
    index = {**index, "releases": sorted(index["releases"], key=lambda r: parse_version(r["version"]), reverse=True)}
    return json.dumps(index, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_text_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, flush it to disk, then rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def find_release(index: dict, version: str) -> dict | None:
    """Return the entry of `version`, or None."""
    return next((r for r in index["releases"] if r["version"] == version), None)


def current_release(index: dict) -> dict | None:
    """Return the entry with status current, or None before the first release."""
    return next((r for r in index["releases"] if r["status"] == "current"), None)


def previous_release(index: dict, version: str) -> dict | None:
    """Return the latest non-withdrawn release older than `version`: what `version` is diffed against."""
    earlier = [
        r
        for r in index["releases"]
        if parse_version(r["version"]) < parse_version(version) and r["status"] != "withdrawn"
    ]
    return max(earlier, key=lambda r: parse_version(r["version"])) if earlier else None


def download_url(index: dict, version: str, base_url: str | None = None) -> str:
    """Return the archive URL of `version` from the index's pattern."""
    parse_version(version)
    base = (base_url or index.get("base_url") or "").rstrip("/")
    if not base:
        raise DatapackageError(
            f"no download host for release {version}: the index has no base_url; pass base_url= or set DWE_BASE_URL"
        )
    if not base.startswith(("http://", "https://", "file://")):
        raise DatapackageError(f"base_url {base!r} is not an http(s) or file URL")
    pattern = index.get("url_pattern") or URL_PATTERN
    if pattern.count("{version}") != 1 or "{base_url}" not in pattern:
        raise DatapackageError(f"url_pattern {pattern!r} must hold {{base_url}} and {{version}} once")
    return pattern.replace("{base_url}", base).replace("{version}", version)
