"""The descriptor of a built release: CSV resources with bytes and hash, Parquet described beside them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from .checksums import sha256_file
from .descriptor import Resource
from .paths import RELEASE_DATA_DIRNAME


def file_facts(path: Path, digest: str | None = None) -> dict:
    """Return bytes and hash of a file in Data Package form (hashing it unless `digest` is given)."""
    return {"bytes": path.stat().st_size, "hash": f"sha256:{digest or sha256_file(path)}"}


def parquet_facts(folder: Path, relpath: str, digests: dict[str, str] | None = None) -> dict:
    """Describe a Parquet copy of a table: path, media type, compression, bytes and hash."""
    digest = (digests or {}).get(relpath)
    return {"path": relpath, "mediatype": "application/vnd.apache.parquet", "compression": "zstd", **file_facts(folder / relpath, digest)}


def release_resource(source: dict, resource: Resource, folder: Path, digests: dict[str, str] | None = None) -> dict:
    """Return one release resource: the CSV as the data, the Parquet copy under `parquet`.

    One resource per table keeps frictionless-r's read_resource() working on every resource;
    the Parquet file is a custom property that the frictionless libraries ignore.
    """
    out = {k: v for k, v in source.items() if k not in ("path", "schema", "bytes", "hash")}
    csv_rel = f"{RELEASE_DATA_DIRNAME}/{resource.name}.csv"
    parquet_rel = f"{RELEASE_DATA_DIRNAME}/{resource.name}.parquet"
    out.update({"path": csv_rel, "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8"})
    out.update(file_facts(folder / csv_rel, (digests or {}).get(csv_rel)))
    out["schema"] = copy.deepcopy(resource.schema.descriptor)
    out["parquet"] = parquet_facts(folder, parquet_rel, digests)
    return out


def release_descriptor(descriptor: dict, resources: list[Resource], folder: Path, extra: list[dict] | None = None,
                       digests: dict[str, str] | None = None) -> dict:
    """Return the release descriptor for files already written under `folder` (with their `digests` if known)."""
    out = {k: v for k, v in descriptor.items() if k != "resources"}
    by_name = {r.get("name"): r for r in descriptor["resources"]}
    out["resources"] = [release_resource(by_name[r.name], r, folder, digests) for r in sorted(resources, key=lambda r: r.name)]
    out["resources"] += extra or []
    return out


def write_descriptor(descriptor: dict, path: Path) -> None:
    """Write JSON with sorted keys and a trailing newline."""
    path.write_text(json.dumps(descriptor, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n")
