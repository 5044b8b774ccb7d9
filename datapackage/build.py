"""Build a release folder from valid seeds, atomically: temporary folder, verify, rename."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from .checksums import parse_checksums, render_checksums, write_checksums
from .errors import ChecksumMismatch, DatapackageError, ReleaseExists, ValidationFailed
from .parquet import write_parquet
from .paths import CHECKSUMS_NAME, DESCRIPTOR_NAME, RELEASE_DATA_DIRNAME, release_dirname
from .release_descriptor import release_descriptor, write_descriptor
from .validate import Validation, validate_package

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


def package_version(descriptor: dict) -> str:
    """Return the descriptor's version, refusing anything that is not X.Y.Z."""
    version = str(descriptor.get("version", ""))
    if not SEMVER.match(version):
        raise DatapackageError(f"datapackage.json: version {version!r} is not semantic (X.Y.Z)")
    return version


def write_release_files(validation: Validation, folder: Path, progress=None) -> None:
    """Write data files, descriptor and SHA256SUMS of a release into `folder`."""
    data_dir = folder / RELEASE_DATA_DIRNAME
    data_dir.mkdir(parents=True)
    for resource in sorted(validation.resources, key=lambda r: r.name):
        # seeds are validated canonical (UTF-8, LF, sorted): the release CSV is their exact bytes
        (data_dir / f"{resource.name}.csv").write_bytes(validation.raw[resource.name])
        write_parquet(resource.schema, validation.typed[resource.name], data_dir / f"{resource.name}.parquet")
        if progress:
            progress(f"wrote {resource.name}")
    descriptor = release_descriptor(validation.descriptor, validation.resources, folder)
    write_descriptor(descriptor, folder / DESCRIPTOR_NAME)
    write_checksums(folder)


def verify_written(folder: Path) -> None:
    """Re-hash every file and compare with the SHA256SUMS just written."""
    recorded = parse_checksums((folder / CHECKSUMS_NAME).read_text(encoding="utf-8"))
    actual = parse_checksums(render_checksums(folder))
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


def build_release(root: Path, out: Path, force: bool = False, progress=None) -> Path:
    """Validate the package at `root` and write `<out>/darkweb-enforcement-<version>/`."""
    validation = validate_package(root)
    if validation.problems:
        raise ValidationFailed(validation.problems)
    version = package_version(validation.descriptor)
    target = out / release_dirname(version)
    if target.exists() and not force:
        raise ReleaseExists(f"{target} already exists; bump the version in datapackage.json or pass --force to rebuild it")
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=out))
    try:
        write_release_files(validation, tmp, progress)
        verify_written(tmp)
        publish(tmp, target, force)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return target
