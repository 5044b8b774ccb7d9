"""Validate a whole package: descriptor, structure, schema constraints, keys, then every business rule.

Every check runs even when others fail: a business rule is skipped only when a table it needs could
not be read at all, and the result says which rules were skipped and why. A rule's findings on a
row that already has a format problem are held back (the format problem is the root cause).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from . import privacy
from .checksums import sha256_bytes
from .constraints import check_foreign_keys, check_table
from .csvfiles import read_regular_file, read_strings
from .descriptor import Resource, metadata_problems, read_resources
from .errors import DatapackageError, ValidationFailed
from .problems import Problem, sort_problems
from .rules import Tables, registered

CURATED_TABLES = (
    "agencies",
    "countries",
    "markets",
    "operation_agencies",
    "operation_countries",
    "operation_markets",
    "operations",
    "reported_totals",
    "sources",
)


class SeedFiles(Mapping[str, bytes]):
    """The bytes of each validated seed file, read again when asked for rather than kept in memory.

    A build must ship the bytes that were validated; a file changed since then is refused.
    """

    def __init__(self) -> None:
        self._files: dict[str, tuple[Path, str]] = {}

    def record(self, name: str, path: Path, data: bytes) -> None:
        self._files[name] = (path, sha256_bytes(data))

    def __getitem__(self, name: str) -> bytes:
        path, digest = self._files[name]
        data = path.read_bytes()
        if sha256_bytes(data) != digest:
            raise DatapackageError(
                f"{path} changed after it was validated; run the command again once the edit is saved"
            )
        return data

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


@dataclass
class Validation:
    """Everything validation learned: the tables as read, typed, the problems and the skipped rules."""

    root: Path
    descriptor: dict
    resources: list[Resource]
    raw: SeedFiles = field(default_factory=SeedFiles)
    strings: dict[str, pa.Table] = field(default_factory=dict)
    typed: dict[str, pa.Table] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    held_back: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_package(root: Path, progress=None) -> Validation:
    """Validate the package at `root`."""
    descriptor, resources, problems = read_resources(root, judge=False)
    # frictionless judges the metadata on the second core while arrow reads the tables: its
    # import alone takes longer than checking a few thousand rows
    with ThreadPoolExecutor(max_workers=1) as pool:
        judged = pool.submit(metadata_problems, descriptor)
        result = _validate_tables(root, descriptor, resources, problems, progress)
        result.problems = sort_problems(result.problems + judged.result())
    return result


def require_valid(root: Path, progress=None) -> Validation:
    """Validate the package at `root`, raising ValidationFailed when it has any problem."""
    validation = validate_package(root, progress)
    if validation.problems:
        raise ValidationFailed(validation.problems)
    return validation


def _validate_tables(
    root: Path, descriptor: dict, resources: list[Resource], problems: list[Problem], progress
) -> Validation:
    result = Validation(root, descriptor, resources)
    names = {r.get("name") for r in descriptor.get("resources", []) if isinstance(r, dict)}
    for missing in sorted(set(CURATED_TABLES) - names):
        problems.append(
            Problem("datapackage", 0, "resources", "missing-resource", f"table {missing!r} is not declared")
        )
    for resource in resources:
        problems += _read_resource(result, resource)
        # hand the reader's scratch memory back to the OS: the allocator would keep it, and the
        # peak would grow with every large table
        pa.default_memory_pool().release_unused()
        if progress and resource.name in result.strings:
            progress(f"checked {resource.name}: {result.strings[resource.name].num_rows:,} rows")
    problems += check_foreign_keys(
        {r.name: r.schema for r in resources}, result.strings, {n for n in names if isinstance(n, str)}
    )
    if progress:
        progress("checked foreign keys")
    problems += _business_rules(result, problems)
    if progress:
        progress("checked business rules")
    result.problems = problems
    return result


def _read_resource(result: Validation, resource: Resource) -> list[Problem]:
    name = resource.name
    if resource.path.stem != name:
        return [
            Problem(
                "datapackage",
                0,
                f"resources[{name}].path",
                "resource-name",
                f"resource {name!r} must point at seeds/{name}.csv, not {resource.relpath}",
            )
        ]
    try:
        data = read_regular_file(resource.path)
    except FileNotFoundError:
        return [Problem(name, 0, "", "missing-file", f"{resource.relpath} does not exist")]
    except OSError as error:
        return [Problem(name, 0, "", "missing-file", f"{resource.relpath} cannot be read ({error.strerror})")]
    strings, problems = read_strings(name, data, resource.schema)
    if strings is None:
        return problems
    typed, cell_problems = check_table(name, resource.schema, strings)
    result.raw.record(name, resource.path, data)
    result.strings[name], result.typed[name] = strings, typed
    return problems + cell_problems


def _business_rules(result: Validation, found: list[Problem]) -> list[Problem]:
    """Run every rule whose tables were read; hold back findings on rows that have a format problem."""
    schemas = {r.name: r.schema for r in result.resources if r.name in result.strings}
    tables = Tables(result.strings, result.typed, schemas, privacy.read_denylist(result.root))
    faulty_rows = {(p.table, p.row) for p in found if p.row > 1}
    out = []
    for rule in registered().values():
        unread = [t for t in rule.tables if t not in result.strings]
        if unread:
            result.skipped.append(f"{rule.code}: skipped, {', '.join(unread)} could not be read")
            continue
        for problem in rule.check(tables):
            if (problem.table, problem.row) in faulty_rows:
                result.held_back += 1
            else:
                out.append(problem)
    pa.default_memory_pool().release_unused()
    return out
