"""Every path of the repository and of a release, in one place."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
DESCRIPTOR_NAME = "datapackage.json"
SEEDS_DIRNAME = "seeds"
SCHEMAS_DIRNAME = "schemas"
DIST_DIRNAME = "dist"
RELEASE_DATA_DIRNAME = "data"
CHECKSUMS_NAME = "SHA256SUMS"
DATASET_NAME = "darkweb-enforcement"


def default_root() -> Path:
    """Return the repository root when installed from a checkout, else the working folder."""
    return REPO_ROOT if (REPO_ROOT / DESCRIPTOR_NAME).exists() else Path.cwd()


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


def release_dirname(version: str) -> str:
    """Return the folder name of a release."""
    return f"{DATASET_NAME}-{version}"
