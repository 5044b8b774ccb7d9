"""Find a published version in releases.json and fetch its archive once, checked against its sha256.

Archives are cached per version in the user cache folder (env DWE_CACHE_DIR overrides it) by
pooch, which writes a download to a temporary file and keeps it only when the hash matches.
A releases.json read from a URL is cached too: a published version is immutable, so a cached
entry is used without asking the server again, and a cached copy stands in when offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.request
import warnings
from pathlib import Path

from .checksums import sha256_file
from .errors import ChecksumMismatch, DatapackageError
from .paths import DATASET_NAME, REPO_ROOT, release_dirname
from .releases_index import INDEX_NAME, current_release, download_url, find_release, read_index

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def cache_dir() -> Path:
    """Return the download cache folder: $DWE_CACHE_DIR, else the user cache folder."""
    if os.environ.get("DWE_CACHE_DIR"):
        return Path(os.environ["DWE_CACHE_DIR"])
    import pooch

    return Path(pooch.os_cache(DATASET_NAME))


def fetch_release(version: str | None, base_url: str | None = None, index: str | Path | None = None) -> Path:
    """Return the cached, sha256-checked archive of `version` (None = the current release)."""
    releases = load_index(index, version)
    entry = pick_release(releases, version, str(index or REPO_ROOT / INDEX_NAME))
    url = download_url(releases, entry["version"], base_url or os.environ.get("DWE_BASE_URL"))
    return fetch_archive(url, entry["version"], entry["archive_sha256"])


def pick_release(releases: dict, version: str | None, where: str) -> dict:
    """Return the index entry of `version`, or of the current release when None."""
    entry = current_release(releases) if version is None else find_release(releases, version)
    if entry is None:
        known = ", ".join(f"{r['version']} ({r['status']})" for r in releases["releases"]) or "none"
        wanted = "a current release" if version is None else f"release {version}"
        raise DatapackageError(f"{where} has no {wanted}; known versions: {known}")
    if entry["status"] == "withdrawn":
        warnings.warn(f"release {entry['version']} is withdrawn in releases.json; prefer the current release unless you are reproducing earlier work", stacklevel=4)
    return entry


def load_index(source: str | Path | None, version: str | None) -> dict:
    """Read releases.json from a path or URL (default: the repository's own)."""
    source = source if source is not None else REPO_ROOT / INDEX_NAME
    if str(source).startswith(("http://", "https://")):
        return _remote_index(str(source), version)
    path = Path(source).expanduser()
    if not path.is_file():
        raise DatapackageError(f"{path}: no releases.json here; pass index= (a path or URL to releases.json) or path= (a release folder or archive)")
    return read_index(path)


def _remote_index(url: str, version: str | None) -> dict:
    """Fetch releases.json, unless its cached copy already records `version`; offline, use the cache."""
    cached = cache_dir() / "indexes" / f"{hashlib.sha256(url.encode()).hexdigest()[:16]}.json"
    if version is not None and cached.is_file():
        releases = _parse_index(cached.read_bytes(), url)
        if find_release(releases, version):
            return releases
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            data = response.read()
    except OSError as error:  # URLError and HTTPError are OSErrors
        if not cached.is_file():
            raise DatapackageError(f"could not fetch {url} ({getattr(error, 'reason', error)}); nothing is cached for it yet: load once while online, or pass path=") from None
        warnings.warn(f"could not fetch {url}; using the copy cached at {cached}", stacklevel=5)
        return _parse_index(cached.read_bytes(), url)
    releases = _parse_index(data, url)
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.with_suffix(".tmp").write_bytes(data)
    cached.with_suffix(".tmp").replace(cached)
    return releases


def _parse_index(data: bytes, url: str) -> dict:
    try:
        releases = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DatapackageError(f"{url} is not releases.json (not JSON; an HTML page?)") from None
    if not isinstance(releases, dict) or not isinstance(releases.get("releases"), list):
        raise DatapackageError(f"{url}: expected a 'releases' list")
    return releases


def fetch_archive(url: str, version: str, sha256: str) -> Path:
    """Download `url` into the cache unless a copy with this sha256 is there; refuse any other bytes."""
    import pooch
    import requests

    name = f"{release_dirname(version)}.zip"
    try:
        path = pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname=name, path=cache_dir() / version, downloader=_checked(url, name, sha256), progressbar=False)
    except requests.RequestException as error:
        raise DatapackageError(f"could not download {url} ({error}); check base_url / DWE_BASE_URL or your connection") from None
    return Path(path)


def _checked(url: str, name: str, sha256: str):
    """Return a pooch downloader that refuses non-zip bytes and a wrong sha256 before pooch keeps the file."""
    import pooch

    def download(source: str, output: str, pup) -> None:
        pooch.HTTPDownloader(timeout=60)(source, output, pup)
        head = Path(output).read_bytes()[:512]
        if not head.startswith(ZIP_MAGIC):
            what = "an HTML page" if b"<html" in head.lower() or b"<!doctype" in head.lower() else f"not a zip archive (starts {head[:16]!r})"
            raise DatapackageError(f"{url} sent {what} instead of {name}; check base_url / DWE_BASE_URL. The download was deleted")
        got = sha256_file(Path(output))
        if got != sha256:
            raise ChecksumMismatch(f"sha256 of {name} from {url}: expected {sha256} but got {got}; the download was deleted")

    return download
