"""Deterministic zip archives of release folders, and extraction that refuses unsafe entries."""

from __future__ import annotations

import shutil
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from .errors import DatapackageError, UnsafeRelease

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


MAX_ENTRY_BYTES = 512 << 20  # no table of this dataset comes near: a larger entry is a bomb or not ours
MAX_TOTAL_BYTES = 1 << 30
MAX_RATIO = 200  # CSV compresses about 10x; a zip bomb thousands of times
MAX_ENTRIES = 10_000
METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def unsafe_entry_reason(info: zipfile.ZipInfo) -> str | None:
    """Say why an archive entry may not be extracted, or None when it is safe."""
    name = info.filename
    path = PurePosixPath(name)
    if (
        not name
        or name.startswith(("/", "\\"))
        or ":" in path.parts[0]
        or ".." in path.parts
        or "\\" in name
        or "\x00" in name
    ):
        return f"entry {name!r} escapes the release folder"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"entry {name!r} is a symbolic link"
    if info.flag_bits & 0x1:
        return f"entry {name!r} is encrypted"
    if info.compress_type not in METHODS:
        return f"entry {name!r} uses compression method {info.compress_type}, not stored or deflate"
    if info.file_size > MAX_ENTRY_BYTES:
        return (
            f"entry {name!r} declares {info.file_size:,} bytes, above the {MAX_ENTRY_BYTES:,} a release file may have"
        )
    if info.file_size > 1 << 20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return f"entry {name!r} expands {info.file_size // max(info.compress_size, 1):,} times (a zip bomb?)"
    return None


def check_entries(archive: Path, infos: list[zipfile.ZipInfo]) -> str:
    """Check every entry before anything is written; return the single top-level folder name."""
    if len(infos) > MAX_ENTRIES:
        raise UnsafeRelease(f"{archive.name}: {len(infos):,} entries, more than a release holds; nothing was extracted")
    names = [i.filename for i in infos]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise UnsafeRelease(f"{archive.name}: entry {repeated[0]!r} appears more than once; nothing was extracted")
    for info in infos:
        reason = unsafe_entry_reason(info)
        if reason:
            raise UnsafeRelease(f"{archive.name}: {reason}; nothing was extracted")
    if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
        raise UnsafeRelease(
            f"{archive.name}: declares more than {MAX_TOTAL_BYTES:,} bytes in all; nothing was extracted"
        )
    tops = {PurePosixPath(n).parts[0] for n in names}
    if len(tops) != 1:
        raise DatapackageError(f"{archive.name}: expected one top-level folder, found {sorted(tops)}")
    return tops.pop()


def extract_archive(archive: Path, dest: Path) -> Path:
    """Extract a release archive into `dest` and return its single top-level folder.

    Every entry is checked before anything is written (paths, links, encryption, method, declared
    sizes, duplicates); each is then copied with its size capped at what it declared, so a lying
    header cannot fill the disk. Any failure removes what was written.
    """
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            top = check_entries(archive, infos)
            dest.mkdir(parents=True, exist_ok=True)
            try:
                for info in infos:
                    _extract_entry(zf, info, dest)
            except BaseException:
                shutil.rmtree(dest / top, ignore_errors=True)
                raise
    except zipfile.BadZipFile as error:
        raise DatapackageError(
            f"{archive.name}: not a zip archive or corrupt ({error}); was it truncated or an HTML error page?"
        ) from None
    except (zlib.error, EOFError) as error:
        raise DatapackageError(f"{archive.name}: corrupt compressed data ({error}); download it again") from None
    except NotImplementedError as error:
        raise UnsafeRelease(f"{archive.name}: {error}; nothing was extracted") from None
    return dest / top


def _extract_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path) -> None:
    target = dest / info.filename
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with zf.open(info) as source, open(target, "xb") as sink:
        while chunk := source.read(1 << 20):
            written += len(chunk)
            if written > info.file_size:
                raise UnsafeRelease(f"entry {info.filename!r} holds more bytes than it declares; nothing was extracted")
            sink.write(chunk)
