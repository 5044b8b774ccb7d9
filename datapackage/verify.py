"""Check a release folder or archive against its SHA256SUMS and descriptor."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path, PurePosixPath

from .archive import extract_archive
from .checksums import parse_checksums, release_files, sha256_file
from .paths import CHECKSUMS_NAME


def verify_folder(folder: Path) -> list[str]:
    """Return one line per difference between the folder and its records (empty when intact)."""
    sums_path = folder / CHECKSUMS_NAME
    if not sums_path.exists():
        return [f"{CHECKSUMS_NAME}: missing"]
    try:
        recorded = parse_checksums(sums_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        return [f"{CHECKSUMS_NAME}: {error}"]
    found = []
    for rel, digest in sorted(recorded.items()):
        if PurePosixPath(rel).is_absolute() or ".." in PurePosixPath(rel).parts:
            found.append(f"{rel}: path escapes the release folder")
            continue
        path = folder / rel
        if not path.is_file():
            found.append(f"{rel}: missing")
        elif (actual := sha256_file(path)) != digest:
            found.append(f"{rel}: sha256 expected {digest} but got {actual}")
    found += [f"{rel}: not listed in {CHECKSUMS_NAME}" for rel in release_files(folder) if rel not in recorded]
    return found + _descriptor_differences(folder)


def _descriptor_differences(folder: Path) -> list[str]:
    try:
        descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError) as error:
        return [f"datapackage.json: unreadable ({error})"]
    found = []
    for resource in descriptor.get("resources", []):
        for facts in (resource, resource.get("parquet") or {}):
            rel = facts.get("path")
            if not rel or not (folder / rel).is_file():
                continue
            size, digest = (folder / rel).stat().st_size, f"sha256:{sha256_file(folder / rel)}"
            if facts.get("bytes") != size:
                found.append(f"{rel}: bytes expected {facts.get('bytes')} but got {size} (datapackage.json)")
            if facts.get("hash") != digest:
                found.append(f"{rel}: hash expected {facts.get('hash')} but got {digest} (datapackage.json)")
    return found


def verify_path(path: Path) -> list[str]:
    """Verify a release folder, or an archive after a safe extraction into a temporary folder."""
    if path.is_dir():
        return verify_folder(path)
    with tempfile.TemporaryDirectory() as tmp:
        return verify_folder(extract_archive(path, Path(tmp)))
