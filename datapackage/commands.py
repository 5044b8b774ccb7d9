"""What the reader-facing commands do beyond one library call: find the release they mean, unpack, serve."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .errors import DatapackageError, ReleaseExists
from .reader import Verification, open_release, verify_path


def default_index(near: Path) -> dict | None:
    """releases.json of the package holding `near`, else the bundled one, else None."""
    from .fetch import bundled_index_path
    from .index import read_index
    from .paths import find_root, index_path

    root = find_root(near if near.is_dir() else near.parent)
    path = index_path(root) if root is not None and index_path(root).is_file() else bundled_index_path()
    return read_index(path) if path is not None else None


def verify_release(path: Path, index: Path | None) -> Verification:
    """Verify a folder or archive, comparing an archive with releases.json (given, else the default one)."""
    from .index import read_index

    return verify_path(path, read_index(index) if index is not None else default_index(path))


def get_release(version: str, out: Path, index: str | None, base_url: str | None) -> Path:
    """Fetch `version` (bundled, cached or downloaded), verify it, and unpack it into `out`; return the folder."""
    from .archive import extract_archive
    from .fetch import fetch_release
    from .paths import release_dirname

    archive = fetch_release(version, base_url=base_url, index=index)
    target = out / release_dirname(version)
    if target.exists():
        raise ReleaseExists(f"{target} exists already; remove it or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".dwe-get-", dir=out) as tmp:
        folder = extract_archive(archive, Path(tmp))
        problems = verify_path(folder).differences
        if problems:
            raise DatapackageError(
                f"release {version} does not match its SHA256SUMS: {problems[0]}; nothing was unpacked"
            )
        folder.rename(target)
    return target


@contextmanager
def chosen_release(release: Path | None) -> Iterator[Path]:
    """Yield a verified release folder: the one given, else this package's latest build, else the bundled current release."""
    from .fetch import fetch_release
    from .paths import find_root, release_dirname
    from .reader import read_descriptor

    if release is None:
        root = find_root(Path.cwd())
        if root is not None:
            built = root / "dist" / release_dirname(str(read_descriptor(root).get("version", "")))
            release = built if built.is_dir() else None
    with open_release(release if release is not None else fetch_release(None)) as folder:
        yield folder


def site_of(release: Path | None, out: Path) -> dict:
    """Build the static site of a release into `out`."""
    from .errors import require_module

    require_module("matplotlib", "curate", "drawing the site's figures (dwe site)")
    from .site import build_site

    with chosen_release(release) as folder:
        return build_site(folder, out)


def figures_of(release: Path | None, out: Path) -> list[Path]:
    """Draw the figures of a release into `out`."""
    from .errors import require_module

    require_module("matplotlib", "curate", "drawing figures")
    from .figures import draw_figures
    from .loader import read_release

    with chosen_release(release) as folder:
        out.mkdir(parents=True, exist_ok=True)
        return draw_figures(read_release(folder, None, "parquet"), out)


def serve_release(release: Path | None, host: str, port: int) -> None:
    """Serve the release's SQLite database with Datasette, with metadata from its descriptor, until interrupted."""
    import json
    import subprocess
    import sys

    from .errors import require_module
    from .paths import SQLITE_NAME
    from .reader import read_descriptor
    from .sqlite import datasette_metadata

    require_module("datasette", "serve", "dwe serve")
    with chosen_release(release) as folder, tempfile.TemporaryDirectory(prefix="dwe-serve-") as tmp:
        database = Path(tmp) / SQLITE_NAME
        shutil.copyfile(folder / SQLITE_NAME, database)
        metadata = Path(tmp) / "metadata.json"
        metadata.write_text(json.dumps(datasette_metadata(read_descriptor(folder)), indent=2), encoding="utf-8")
        print(f"serving {folder.name} at http://{host}:{port}/ (Ctrl-C stops)", file=sys.stderr)
        with suppress(KeyboardInterrupt):
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "datasette",
                    "serve",
                    str(database),
                    "--metadata",
                    str(metadata),
                    "--host",
                    host,
                    "--port",
                    str(port),
                ],
                check=False,
            )
