"""Every path of the repository, of a release and of the installed package, in one place."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent  # the checkout, when the package is installed from one
DATASET_NAME = "darkweb-enforcement"
DESCRIPTOR_NAME = "datapackage.json"
SEEDS_DIRNAME = "seeds"
SCHEMAS_DIRNAME = "schemas"
DIST_DIRNAME = "dist"
RELEASES_DIRNAME = "releases"  # committed archives of every release: the repository hosts its own
INDEX_NAME = "releases.json"
RELEASE_DATA_DIRNAME = "data"
CHECKSUMS_NAME = "SHA256SUMS"
SQLITE_NAME = f"{DATASET_NAME}.sqlite"
R_LOADER_NAME = "load.R"
BUNDLED_DIR = PACKAGE_DIR / "_bundled"  # the current release and releases.json, inside a wheel


def find_root(start: Path) -> Path | None:
    """Return the nearest folder at or above `start` holding datapackage.json and seeds/, as git finds .git."""
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / DESCRIPTOR_NAME).is_file() and (folder / SEEDS_DIRNAME).is_dir():
            return folder
    return None


def descriptor_path(root: Path) -> Path:
    """Return the root descriptor of a package rooted at `root`."""
    return root / DESCRIPTOR_NAME


def seed_path(root: Path, table: str) -> Path:
    """Return the curated CSV of `table`."""
    return root / SEEDS_DIRNAME / f"{table}.csv"


def schema_path(root: Path, table: str) -> Path:
    """Return the Table Schema of `table`."""
    return root / SCHEMAS_DIRNAME / f"{table}.schema.json"


def dist_dir(root: Path) -> Path:
    """Return the default output folder for builds."""
    return root / DIST_DIRNAME


def index_path(root: Path) -> Path:
    """Return the releases index of the repository at `root`."""
    return root / INDEX_NAME


def releases_dir(root: Path) -> Path:
    """Return the committed folder of release archives."""
    return root / RELEASES_DIRNAME


def release_dirname(version: str) -> str:
    """Return the folder name of a release (the version must be checked first)."""
    return f"{DATASET_NAME}-{version}"


def archive_name(version: str) -> str:
    """Return the file name of a release archive."""
    return f"{release_dirname(version)}.zip"


def r_loader_path() -> Path:
    """Return the R loader shipped inside every release (scripts/load.R links to it)."""
    return PACKAGE_DIR / R_LOADER_NAME
