"""Find a release by version: in the package (bundled), in the cache, else download it once.

Order for a version: the release bundled in the installed package; the user cache (a verified
archive is kept per version with the sha256 it was checked against, so a cached version loads
offline with no index and no host); then a download named by an index (`index=`, $DWE_INDEX, else
the bundled releases.json) from `base_url=`, $DWE_BASE_URL or the index's base_url, through pooch,
which keeps a download only when its sha256 matches the index. Versions are checked to be strict
X.Y.Z before any path is built from them, so an index cannot make us write outside the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import urllib.request
import warnings
from pathlib import Path

from .checksums import sha256_file
from .errors import ChecksumMismatch, DatapackageError, DownloadFailed, ReleaseNotFound
from .index import current_release, download_url, find_release, parse_index
from .paths import BUNDLED_DIR, DATASET_NAME, INDEX_NAME, RELEASES_DIRNAME, REPO_ROOT, archive_name
from .versions import parse_version

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
ENTRY_NAME = "entry.json"


def cache_dir() -> Path:
    """Return the download cache folder: $DWE_CACHE_DIR, else the user cache folder."""
    if os.environ.get("DWE_CACHE_DIR"):
        return Path(os.environ["DWE_CACHE_DIR"]).expanduser()
    import pooch

    return Path(pooch.os_cache(DATASET_NAME))


def bundled_index_path() -> Path | None:
    """releases.json inside the installed package, or of the checkout the package runs from."""
    for path in (BUNDLED_DIR / INDEX_NAME, REPO_ROOT / INDEX_NAME):
        if path.is_file():
            return path
    return None


def bundled_archive(version: str) -> Path | None:
    """The archive of `version` shipped with the package (or committed in the checkout), if any."""
    name = archive_name(version)
    for path in (BUNDLED_DIR / name, REPO_ROOT / RELEASES_DIRNAME / name):
        if path.is_file():
            return path
    return None


def load_index(source: str | Path | None = None, version: str | None = None) -> tuple[dict, str]:
    """Return (releases index, where it came from): `source` (path or URL), $DWE_INDEX, else the bundled one."""
    source = source if source is not None else os.environ.get("DWE_INDEX") or bundled_index_path()
    if source is None:
        raise ReleaseNotFound(
            "no releases.json: pass index= (a path or URL to releases.json) or path= (a release folder or archive)"
        )
    if str(source).startswith(("http://", "https://")):
        return _remote_index(str(source), version), str(source)
    path = Path(source).expanduser()
    if not path.is_file():
        raise ReleaseNotFound(
            f"{path}: no releases.json here; pass index= (a path or URL to releases.json) or path= (a release folder or archive)"
        )
    return parse_index(path.read_bytes(), str(path)), str(path)


def _remote_index(url: str, version: str | None) -> dict:
    """Fetch releases.json, unless its cached copy already records `version`; offline, use the cache."""
    cached = cache_dir() / "indexes" / f"{hashlib.sha256(url.encode()).hexdigest()[:16]}.json"
    if version is not None and cached.is_file():
        releases = parse_index(cached.read_bytes(), url)
        if find_release(releases, version):
            return releases
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            data = response.read(16 << 20)
    except OSError as error:  # URLError and HTTPError are OSErrors
        if not cached.is_file():
            raise DownloadFailed(
                f"could not fetch {url} ({getattr(error, 'reason', error)}); nothing is cached for it yet: load once while online, or pass path="
            ) from None
        warnings.warn(f"could not fetch {url}; using the copy cached at {cached}", stacklevel=5)
        return parse_index(cached.read_bytes(), url)
    releases = parse_index(data, url)
    _write_atomically(cached, data)
    return releases


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise DatapackageError(
            f"cannot write {path} ({error.strerror}); is the disk full or the cache read-only? set DWE_CACHE_DIR"
        ) from None


def cached_archive(version: str) -> Path | None:
    """A cached archive of `version` whose bytes still have the sha256 it was verified against."""
    parse_version(version, "release version")
    folder = cache_dir() / version
    archive, entry = folder / archive_name(version), folder / ENTRY_NAME
    if not (archive.is_file() and entry.is_file()):
        return None
    try:
        recorded = json.loads(entry.read_text(encoding="utf-8"))["archive_sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return archive if sha256_file(archive) == recorded else None


def pick_release(index: dict, version: str | None, where: str) -> dict:
    """Return the index entry of `version`, or of the current release when None."""
    entry = current_release(index) if version is None else find_release(index, version)
    if entry is None:
        known = ", ".join(f"{r['version']} ({r['status']})" for r in index["releases"]) or "none"
        wanted = "a current release" if version is None else f"release {version}"
        raise ReleaseNotFound(f"{where} has no {wanted}; known versions: {known}")
    if entry["status"] == "withdrawn":
        warnings.warn(
            f"release {entry['version']} is withdrawn; prefer the current release unless you are reproducing earlier work",
            stacklevel=4,
        )
    return entry


def fetch_release(version: str | None = None, base_url: str | None = None, index: str | Path | None = None) -> Path:
    """Return a sha256-checked archive of `version` (None = the current release): bundled, cached or downloaded.

    Without an explicit index (argument or $DWE_INDEX) a version found in the bundle or the cache is
    used at once, offline. With one, the local copy must have the sha256 that index records.
    """
    if version is not None:
        parse_version(version, "release version")
    explicit = index is not None or bool(os.environ.get("DWE_INDEX"))
    if version is not None and not explicit:
        found = _local_archive(version)
        if found is not None:
            return found
    try:
        releases, where = load_index(index, version)
    except DownloadFailed:
        found = _local_archive(version) if version is not None else None
        if found is None:
            raise
        return found
    entry = pick_release(releases, version, where)
    found = _local_archive(entry["version"], entry["archive_sha256"])
    if found is not None:
        return found
    url = download_url(releases, entry["version"], base_url or os.environ.get("DWE_BASE_URL"))
    return download_archive(url, entry["version"], entry["archive_sha256"])


def _local_archive(version: str, sha256: str | None = None) -> Path | None:
    """The bundled or cached archive of `version` (matching `sha256` when given)."""
    bundled = bundled_archive(version)
    bundled_index = bundled_index_path()
    if bundled is not None and bundled_index is not None:
        entry = find_release(parse_index(bundled_index.read_bytes(), str(bundled_index)), version)
        if (
            entry
            and (sha256 is None or sha256 == entry["archive_sha256"])
            and sha256_file(bundled) == entry["archive_sha256"]
        ):
            return bundled
    cached = cached_archive(version)
    if cached is not None and (sha256 is None or sha256_file(cached) == sha256):
        return cached
    return None


def download_archive(url: str, version: str, sha256: str) -> Path:
    """Download `url` into the cache; refuse any bytes but the archive with this sha256, and keep nothing else."""
    import pooch
    import requests

    parse_version(version, "release version")
    folder = cache_dir() / version
    name = archive_name(version)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = Path(
            pooch.retrieve(
                url,
                known_hash=f"sha256:{sha256}",
                fname=name,
                path=folder,
                downloader=_checked(url, name, sha256),
                progressbar=False,
            )
        )
    except requests.RequestException as error:
        raise DownloadFailed(
            f"could not download release {version} from {url} ({error}); check base_url / DWE_BASE_URL or your connection"
        ) from None
    except ValueError as error:  # pooch's own hash check
        raise ChecksumMismatch(f"release {version} from {url}: {error}; the download was deleted") from None
    except OSError as error:
        raise DatapackageError(
            f"cannot store release {version} in {folder} ({error.strerror}); is the disk full or the cache read-only? set DWE_CACHE_DIR"
        ) from None
    finally:
        _remove_empty(folder)
    _write_atomically(
        folder / ENTRY_NAME,
        (json.dumps({"version": version, "archive_sha256": sha256, "url": url}, sort_keys=True) + "\n").encode(),
    )
    return path


def _remove_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()  # only succeeds when the failed download left the folder empty


def _checked(url: str, name: str, sha256: str):
    """Return a pooch downloader that refuses non-zip bytes and a wrong sha256 before pooch keeps the file."""
    import pooch

    def download(source: str, output: str, pup) -> None:
        pooch.HTTPDownloader(timeout=60)(source, output, pup)
        head = Path(output).read_bytes()[:512]
        if not head.startswith(ZIP_MAGIC):
            what = (
                "an HTML page"
                if b"<html" in head.lower() or b"<!doctype" in head.lower()
                else f"not a zip archive (starts {head[:16]!r})"
            )
            Path(output).unlink(missing_ok=True)
            raise DownloadFailed(
                f"{url} sent {what} instead of {name}; check base_url / DWE_BASE_URL. The download was deleted"
            )
        got = sha256_file(Path(output))
        if got != sha256:
            Path(output).unlink(missing_ok=True)
            raise ChecksumMismatch(
                f"sha256 of {name} from {url}: expected {sha256} but got {got}; the download was deleted"
            )

    return download
