"""Table Schemas read into plain frozen records, so nothing else handles raw JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DatapackageError

SUPPORTED_TYPES = {"string", "number", "integer", "date", "boolean"}


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


def _as_list(value) -> tuple[str, ...]:
    return tuple([value] if isinstance(value, str) else value)


def parse_field(raw: dict, where: str) -> Field:
    """Turn one schema field descriptor into a Field."""
    ftype = raw.get("type", "string")
    if ftype not in SUPPORTED_TYPES:
        raise DatapackageError(f"{where}: field {raw.get('name')!r} has type {ftype!r}; supported: {sorted(SUPPORTED_TYPES)}")
    c = raw.get("constraints", {})
    return Field(
        name=raw["name"],
        type=ftype,
        description=raw.get("description", ""),
        required=bool(c.get("required", False)),
        unique=bool(c.get("unique", False)),
        enum=tuple(str(v) for v in c.get("enum", ())),
        pattern=c.get("pattern"),
        minimum=c.get("minimum"),
        true_values=tuple(raw.get("trueValues", ("true",))),
        false_values=tuple(raw.get("falseValues", ("false",))),
    )


def parse_schema(name: str, raw: dict, where: str) -> TableSchema:
    """Turn a Table Schema descriptor into a TableSchema."""
    try:
        fields = tuple(parse_field(f, where) for f in raw["fields"])
        fks = tuple(
            ForeignKey(_as_list(fk["fields"]), fk["reference"].get("resource", ""), _as_list(fk["reference"]["fields"]))
            for fk in raw.get("foreignKeys", [])
        )
        return TableSchema(name, fields, _as_list(raw.get("primaryKey", [])), fks, raw)
    except (KeyError, TypeError) as error:
        raise DatapackageError(f"{where}: malformed Table Schema ({error!r} missing or wrong)") from None


def read_schema(name: str, path: Path) -> TableSchema:
    """Read a Table Schema file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatapackageError(f"{path}: schema file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DatapackageError(f"{path}: not valid UTF-8 JSON ({error})") from None
    return parse_schema(name, raw, str(path))
