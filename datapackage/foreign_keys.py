"""Check foreign keys across the tables of a package."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from .constraints import key_column
from .problems import Problem
from .schema import TableSchema


def check_foreign_keys(schemas: dict[str, TableSchema], strings: dict[str, pa.Table]) -> list[Problem]:
    """Report every row whose foreign key has no matching row in the referenced table.

    Tables that could not be read are skipped: their own problems are the root cause.
    """
    problems: list[Problem] = []
    for name, schema in sorted(schemas.items()):
        if name not in strings:
            continue
        for fk in schema.foreign_keys:
            target = fk.resource or name
            if target not in strings:
                continue
            values = key_column(strings[name], fk.fields)
            known = key_column(strings[target], fk.reference_fields)
            missing = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, known)))
            field = ",".join(fk.fields)
            ref = f"{target}.{','.join(fk.reference_fields)}"
            for index in pc.indices_nonzero(pc.fill_null(missing, False)).to_pylist():
                value = values[index].as_py().replace("\x1f", ", ")
                problems.append(Problem(name, index + 2, field, "foreign-key", f"{value!r} is not a {ref} (no such row in seeds/{target}.csv)"))
    return problems
