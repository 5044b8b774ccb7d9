"""releases.json: every published version, its status, archive hash and row counts."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import DatapackageError

INDEX_NAME = "releases.json"
URL_PATTERN = "{base_url}/darkweb-enforcement-{version}.zip"
STATUSES = ("current", "superseded", "withdrawn")


def index_path(root: Path) -> Path:
    """Return the releases index of the repository at `root`."""
    return root / INDEX_NAME


def empty_index() -> dict:
    """Return an index with no release yet."""
    return {
        "dataset": "darkweb-enforcement",
        "url_pattern": URL_PATTERN,
        "base_url": "",
        "releases": [],
    }


def read_index(path: Path) -> dict:
    """Read releases.json, or an empty index when the file does not exist."""
    if not path.exists():
        return empty_index()
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DatapackageError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(index.get("releases"), list):
        raise DatapackageError(f"{path}: expected a 'releases' list")
    return index


def write_index(index: dict, path: Path) -> None:
    """Write releases.json with sorted keys, newest release first, via a temporary file."""
    index["releases"] = sorted(index["releases"], key=lambda r: version_tuple(r["version"]), reverse=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(index, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def version_tuple(version: str) -> tuple[int, int, int]:
    """Turn 'X.Y.Z' into a comparable tuple."""
    major, minor, patch = (int(p) for p in version.split("."))
    return major, minor, patch


def find_release(index: dict, version: str) -> dict | None:
    """Return the entry of `version`, or None."""
    return next((r for r in index["releases"] if r["version"] == version), None)


def current_release(index: dict) -> dict | None:
    """Return the entry with status current, or None before the first release."""
    return next((r for r in index["releases"] if r["status"] == "current"), None)


def download_url(index: dict, version: str, base_url: str | None = None) -> str:
    """Return the archive URL of `version` from the index's pattern."""
    base = (base_url or index.get("base_url") or "").rstrip("/")
    if not base:
        raise DatapackageError("releases.json has no base_url for downloads; pass base_url= or set DWE_BASE_URL, or load a local path")
    return index.get("url_pattern", URL_PATTERN).format(base_url=base, version=version)


def previous_release(index: dict, version: str) -> dict | None:
    """Return the latest non-withdrawn release older than `version`: what `version` is diffed against."""
    earlier = [r for r in index["releases"] if version_tuple(r["version"]) < version_tuple(version) and r["status"] != "withdrawn"]
    return max(earlier, key=lambda r: version_tuple(r["version"])) if earlier else None
