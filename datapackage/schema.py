"""Table Schemas read into plain frozen records, so nothing else handles raw JSON.

A malformed schema (unknown type, bad regex, constraints that are not an object, a key naming a
missing field, a string minimum) is a DatapackageError with the place and the fix, never a traceback.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DatapackageError

SUPPORTED_TYPES = ("string", "number", "integer", "date", "boolean")


@dataclass(frozen=True)
class Field:
    """One column of a table and its constraints."""

    name: str
    type: str
    description: str = ""
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] = ()
    pattern: str | None = None
    minimum: float | None = None
    true_values: tuple[str, ...] = ("true",)
    false_values: tuple[str, ...] = ("false",)


@dataclass(frozen=True)
class ForeignKey:
    """Columns of this table that must match columns of `resource` ("" = this table)."""

    fields: tuple[str, ...]
    resource: str
    reference_fields: tuple[str, ...]


@dataclass(frozen=True)
class TableSchema:
    """A table's fields, primary key and foreign keys."""

    name: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    descriptor: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _names(value: object, where: str, what: str) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise DatapackageError(f"{where}: {what} must be a field name or a list of field names, not {value!r}")
    return tuple(names)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DatapackageError(f"{where} must be a list of strings, not {value!r}")
    return tuple(value)


def _pattern(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DatapackageError(f"{where}: pattern must be a string, not {value!r}")
    try:
        re.compile(value)
    except re.error as error:
        raise DatapackageError(f"{where}: pattern {value!r} is not a regular expression ({error})") from None
    return value


def _minimum(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DatapackageError(f"{where}: minimum must be a number, not {value!r}")
    return float(value)


def parse_field(raw: object, where: str) -> Field:
    """Turn one schema field descriptor into a Field."""
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        raise DatapackageError(f"{where}: every field must be an object with a name, not {raw!r}")
    here = f"{where}: field {raw['name']!r}"
    ftype = raw.get("type", "string")
    if ftype not in SUPPORTED_TYPES:
        raise DatapackageError(f"{here} has type {ftype!r}; supported: {', '.join(SUPPORTED_TYPES)}")
    c = raw.get("constraints", {})
    if not isinstance(c, dict):
        raise DatapackageError(f"{here}: constraints must be an object, not {type(c).__name__}")
    return Field(
        name=raw["name"],
        type=ftype,
        description=str(raw.get("description", "")),
        required=c.get("required") is True,
        unique=c.get("unique") is True,
        enum=_strings(c["enum"], f"{here}: enum") if "enum" in c else (),
        pattern=_pattern(c.get("pattern"), here),
        minimum=_minimum(c.get("minimum"), here),
        true_values=_strings(raw.get("trueValues", ["true"]), f"{here}: trueValues"),
        false_values=_strings(raw.get("falseValues", ["false"]), f"{here}: falseValues"),
    )


def _foreign_key(raw: object, names: list[str], where: str) -> ForeignKey:
    if not isinstance(raw, dict) or not isinstance(raw.get("reference"), dict):
        raise DatapackageError(f"{where}: each foreign key needs fields and a reference object, not {raw!r}")
    fields = _names(raw.get("fields"), where, "foreignKeys.fields")
    reference = raw["reference"]
    resource = reference.get("resource", "")
    if not isinstance(resource, str):
        raise DatapackageError(f"{where}: foreign key reference.resource must be a table name, not {resource!r}")
    ref_fields = _names(reference.get("fields"), where, "foreignKeys.reference.fields")
    missing = [f for f in fields if f not in names]
    if missing or len(fields) != len(ref_fields):
        raise DatapackageError(
            f"{where}: foreign key {list(fields)} names missing field(s) {missing} or has {len(ref_fields)} reference field(s)"
        )
    return ForeignKey(fields, resource, ref_fields)


def parse_schema(name: str, raw: object, where: str) -> TableSchema:
    """Turn a Table Schema descriptor into a TableSchema."""
    if not isinstance(raw, dict) or not isinstance(raw.get("fields"), list) or not raw["fields"]:
        raise DatapackageError(f"{where}: a Table Schema is an object with a non-empty fields list")
    fields = tuple(parse_field(f, where) for f in raw["fields"])
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise DatapackageError(f"{where}: field names repeat: {sorted({n for n in names if names.count(n) > 1})}")
    key = _names(raw["primaryKey"], where, "primaryKey") if "primaryKey" in raw else ()
    if [k for k in key if k not in names]:
        raise DatapackageError(f"{where}: primaryKey names missing field(s) {[k for k in key if k not in names]}")
    if not isinstance(raw.get("foreignKeys", []), list):
        raise DatapackageError(f"{where}: foreignKeys must be a list")
    fks = tuple(_foreign_key(fk, names, where) for fk in raw.get("foreignKeys", []))
    return TableSchema(name, fields, key, fks, raw)


def read_schema(name: str, path: Path, where: str | None = None) -> TableSchema:
    """Read a Table Schema file (`where` names it in messages, default its path)."""
    where = where or str(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatapackageError(f"{where}: schema file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DatapackageError(f"{where}: not valid UTF-8 JSON ({error})") from None
    return parse_schema(name, raw, where)
