"""Deterministic zip archives of release folders, and extraction that refuses unsafe entries."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from .errors import DatapackageError

FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def write_archive(folder: Path, archive: Path) -> Path:
    """Zip `folder` (as its own top-level folder) with fixed timestamps, modes and order."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    tmp = archive.with_name(f".{archive.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in files:
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.create_system = 3
            zf.writestr(info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    tmp.replace(archive)
    return archive


def unsafe_entry_reason(info: zipfile.ZipInfo) -> str | None:
    """Say why an archive entry may not be extracted, or None when it is safe."""
    name = info.filename
    path = PurePosixPath(name)
    if name.startswith(("/", "\\")) or ":" in path.parts[0] or ".." in path.parts or "\\" in name:
        return f"entry {name!r} escapes the release folder"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"entry {name!r} is a symbolic link"
    return None


def extract_archive(archive: Path, dest: Path) -> Path:
    """Extract a release archive into `dest` and return its single top-level folder.

    Every entry is checked before anything is written: a path escaping the folder, a symbolic
    link or a second top-level folder refuses the whole archive.
    """
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            for info in infos:
                reason = unsafe_entry_reason(info)
                if reason:
                    raise DatapackageError(f"{archive.name}: {reason}; nothing was extracted")
            tops = {PurePosixPath(i.filename).parts[0] for i in infos}
            if len(tops) != 1:
                raise DatapackageError(f"{archive.name}: expected one top-level folder, found {sorted(tops)}")
            zf.extractall(dest)
    except zipfile.BadZipFile as error:
        raise DatapackageError(f"{archive.name}: not a zip archive ({error}); was it truncated or an HTML error page?") from None
    return dest / tops.pop()
