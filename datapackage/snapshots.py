"""Snapshots of a version's tables: from validated seeds, from a git commit, or from a release folder."""

from __future__ import annotations

import json
from pathlib import Path

from .changes import Snapshot, strings_from_csv
from .history import read_at
from .validate import Validation


def snapshot_of_validation(validation: Validation) -> Snapshot:
    """Snapshot the tables that were just validated."""
    tables = {r.name: validation.strings[r.name] for r in validation.resources}
    fields = {r.name: r.schema.field_names for r in validation.resources}
    keys = {r.name: list(r.schema.primary_key) for r in validation.resources}
    return Snapshot(tables, fields, keys, {r.name: r.schema.descriptor for r in validation.resources})


def snapshot_of_commit(root: Path, commit: str) -> Snapshot:
    """Snapshot the seeds as they were at a git commit."""
    descriptor = json.loads(read_at(root, commit, "datapackage.json"))
    tables, fields, keys, schemas = {}, {}, {}, {}
    for resource in descriptor["resources"]:
        name = resource["name"]
        schema = schemas[name] = json.loads(read_at(root, commit, resource["schema"]))
        fields[name] = [f["name"] for f in schema["fields"]]
        tables[name] = strings_from_csv(read_at(root, commit, resource["path"]).encode("utf-8"), fields[name])
        keys[name] = list(schema.get("primaryKey", []))
    return Snapshot(tables, fields, keys, schemas)


def snapshot_of_release(folder: Path) -> Snapshot:
    """Snapshot a built release folder through its descriptor (derived tables left out)."""
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    tables, fields, keys, schemas = {}, {}, {}, {}
    for resource in descriptor["resources"]:
        name = resource["name"]
        if resource.get("derived"):
            continue
        schema = schemas[name] = resource["schema"]
        fields[name] = [f["name"] for f in schema["fields"]]
        tables[name] = strings_from_csv((folder / resource["path"]).read_bytes(), fields[name])
        keys[name] = list(schema.get("primaryKey", []))
    return Snapshot(tables, fields, keys, schemas)
