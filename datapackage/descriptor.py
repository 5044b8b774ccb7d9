"""The root data package descriptor: read it, check its paths, let frictionless judge its metadata."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import DatapackageError
from .problems import Problem
from .schema import TableSchema, parse_schema, read_schema

_UNSAFE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|/|\\|~)|\$|(?:^|[/\\])\.\.(?:[/\\]|$)")


@dataclass(frozen=True)
class Resource:
    """A table of the package: its name, its data file and its schema."""

    name: str
    path: Path
    relpath: str
    schema: TableSchema


def read_descriptor(path: Path) -> dict:
    """Read a descriptor as JSON."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatapackageError(f"{path}: descriptor not found; is --root the repository root?") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DatapackageError(f"{path}: not valid UTF-8 JSON ({error})") from None
    if not isinstance(raw, dict):
        raise DatapackageError(f"{path}: expected a JSON object")
    return raw


def unsafe_path_reason(relpath: object, root: Path) -> str | None:
    """Say why a resource path may not be used, or None when it is safe."""
    if not isinstance(relpath, str) or not relpath:
        return "path must be one relative path string"
    if _UNSAFE.search(relpath):
        return f"path {relpath!r} must be relative, inside the package, without '..', URL scheme, '~' or '$'"
    target = (root / relpath).resolve()
    if not target.is_relative_to(root.resolve()):
        return f"path {relpath!r} leaves the package (a link pointing outside?)"
    return None


def _descriptor_problem(field: str, message: str, code: str = "package-error") -> Problem:
    return Problem("datapackage", 0, field, code, message)


def _load_schema(raw: dict, root: Path, name: str, problems: list[Problem]) -> TableSchema | None:
    schema = raw.get("schema")
    where = f"resources[{name}].schema"
    if isinstance(schema, dict):
        return parse_schema(name, schema, where)
    reason = unsafe_path_reason(schema, root)
    if reason:
        problems.append(_descriptor_problem(where, reason, "unsafe-path"))
        return None
    return read_schema(name, root / str(schema), str(schema))


def read_resources(root: Path, judge: bool = True) -> tuple[dict, list[Resource], list[Problem]]:
    """Return the descriptor, its tabular resources and the problems found in it.

    With judge=False, frictionless's verdict on the metadata is left out: the caller runs
    metadata_problems itself (validation does, beside the reading of the tables).
    """
    from . import paths

    descriptor = read_descriptor(paths.descriptor_path(root))
    problems: list[Problem] = []
    resources: list[Resource] = []
    for index, raw in enumerate(descriptor.get("resources", [])):
        name = raw.get("name", f"#{index}") if isinstance(raw, dict) else f"#{index}"
        reason = unsafe_path_reason(raw.get("path") if isinstance(raw, dict) else None, root)
        if reason:
            problems.append(_descriptor_problem(f"resources[{name}].path", reason, "unsafe-path"))
            continue
        try:
            schema = _load_schema(raw, root, name, problems)
        except DatapackageError as error:
            problems.append(_descriptor_problem(f"resources[{name}].schema", str(error), "schema-error"))
            continue
        if schema is not None:
            resources.append(Resource(name, root / raw["path"], raw["path"], schema))
    if not descriptor.get("resources"):
        problems.append(_descriptor_problem("resources", "the descriptor lists no resources"))
    return descriptor, resources, problems + (metadata_problems(descriptor) if judge else [])


def metadata_problems(descriptor: dict) -> list[Problem]:
    """Let frictionless judge the descriptor's metadata (not the data)."""
    from .errors import require_module

    Package = require_module("frictionless", "curate", "checking the seeds (dwe validate, build, release)").Package

    report = Package.validate_descriptor(descriptor)
    found = []
    for error in report.flatten(["type", "note"]):
        if "is not safe" in str(error[1]):
            continue  # unsafe paths are reported by unsafe_path_reason, with the fix
        found.append(_descriptor_problem("", f"frictionless: {error[1]}", error[0] or "package-error"))
    return found
