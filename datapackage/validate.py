"""Validate a whole package: descriptor, structure, schema constraints, keys, then business rules."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from . import privacy, rules
from .constraints import check_table
from .descriptor import Resource, metadata_problems, read_resources
from .foreign_keys import check_foreign_keys
from .problems import Problem, sort_problems
from .reading import read_strings
from .seedfiles import SeedFiles

CURATED_TABLES = (
    "agencies", "countries", "markets", "operation_agencies", "operation_countries",
    "operation_markets", "operations", "reported_totals", "sources",
)


@dataclass
class Validation:
    """Everything validation learned: the tables as read, typed, and the problems."""

    descriptor: dict
    resources: list[Resource]
    raw: SeedFiles = field(default_factory=SeedFiles)
    strings: dict[str, pa.Table] = field(default_factory=dict)
    typed: dict[str, pa.Table] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_package(root: Path, progress=None) -> Validation:
    """Validate the package at `root`; business rules run only once the schemas are satisfied."""
    descriptor, resources, problems = read_resources(root, judge=False)
    # frictionless judges the metadata on the second core while arrow reads the tables: its
    # import alone takes longer than checking a few thousand rows
    with ThreadPoolExecutor(max_workers=1) as pool:
        judged = pool.submit(metadata_problems, descriptor)
        result = _validate_tables(root, descriptor, resources, problems, progress)
        result.problems = sort_problems(result.problems + judged.result())
    return result


def _validate_tables(root: Path, descriptor: dict, resources: list[Resource], problems: list[Problem], progress) -> Validation:
    result = Validation(descriptor, resources)
    names = {r.get("name") for r in descriptor.get("resources", []) if isinstance(r, dict)}
    for missing in sorted(set(CURATED_TABLES) - names):
        problems.append(Problem("datapackage", 0, "resources", "missing-resource", f"table {missing!r} is not declared"))
    for resource in resources:
        problems += _read_resource(result, resource)
        # hand the reader's scratch memory back to the OS: the allocator would keep it, and the
        # peak would grow with every large table
        pa.default_memory_pool().release_unused()
        if progress and resource.name in result.strings:
            progress(f"checked {resource.name}: {result.strings[resource.name].num_rows:,} rows")
    schemas = {r.name: r.schema for r in resources if r.name in result.strings}
    problems += check_foreign_keys(schemas, result.strings)
    if progress:
        progress("checked foreign keys")
    if not problems:
        problems += _business_rules(result, root)
        pa.default_memory_pool().release_unused()
        if progress:
            progress("checked business rules")
    result.problems = problems
    return result


def _read_resource(result: Validation, resource: Resource) -> list[Problem]:
    name = resource.name
    if resource.path.stem != name:
        return [Problem("datapackage", 0, f"resources[{name}].path", "resource-name", f"resource {name!r} must point at seeds/{name}.csv, not {resource.relpath}")]
    try:
        data = resource.path.read_bytes()
    except FileNotFoundError:
        return [Problem(name, 0, "", "missing-file", f"{resource.relpath} does not exist")]
    except (IsADirectoryError, PermissionError) as error:
        return [Problem(name, 0, "", "missing-file", f"{resource.relpath} cannot be read ({error.strerror})")]
    strings, problems = read_strings(name, data, resource.schema)
    if strings is None:
        return problems
    typed, cell_problems = check_table(name, resource.schema, strings)
    result.raw.record(name, resource.path, data)
    result.strings[name], result.typed[name] = strings, typed
    return problems + cell_problems


def _business_rules(result: Validation, root: Path) -> list[Problem]:
    found: list[Problem] = []
    schemas = {r.name: r.schema for r in result.resources}
    denylist = privacy.read_denylist(root)
    for name, strings in result.strings.items():
        found += privacy.denylisted_names(name, schemas[name], strings, denylist)
        found += privacy.person_in_organisation_fields(name, schemas[name], strings)
        found += rules.formula_text(name, schemas[name], strings)
        found += rules.date_precision(name, schemas[name], result.typed[name])
        found += rules.sort_order(name, schemas[name], strings)
    typed = result.typed
    if "operations" in typed:
        found += rules.date_order("operations", typed["operations"], [("started_on", "takedown_on"), ("takedown_on", "announced_on"), ("started_on", "announced_on")])
    if "markets" in typed:
        found += rules.date_order("markets", typed["markets"], [("launched_on", "closed_on")])
    if "reported_totals" in typed:
        found += rules.claim_units(typed["reported_totals"])
        groups = rules.claim_groups(typed["reported_totals"])
        found += rules.duplicate_claims(typed["reported_totals"], groups)
        found += rules.country_sums(typed["reported_totals"], groups)
    found += rules.uncited_sources(result.strings)
    found += rules.operations_without_claims(result.strings)
    return found
