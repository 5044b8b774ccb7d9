"""Validation problems as small frozen records, and how they are printed."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one place: table, row (as in the file, header = 1), field, code, message.

    `row` is 0 for problems of a whole table or of the descriptor; `field` is "" when the problem
    is not about one field. Codes follow frictionless where it has one (type-error, foreign-key,
    unique-error, primary-key, constraint-error) and are our own for business rules.
    """

    table: str
    row: int
    field: str
    code: str
    message: str

    def location(self, seeds_dirname: str = "seeds") -> str:
        """Return `seeds/<table>.csv:<row>:<field>` with empty parts left out."""
        where = (
            f"{seeds_dirname}/{self.table}.csv" if self.table and self.table != "datapackage" else "datapackage.json"
        )
        if self.row:
            where += f":{self.row}"
        if self.field:
            where += f":{self.field}"
        return where

    def line(self) -> str:
        """Return the one-line text form."""
        return f"{self.location()}: {self.message} [{self.code}]"


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Return problems in a stable order: table, row, field, code, message."""
    return sorted(set(problems))


def format_text(problems: list[Problem]) -> str:
    """Render problems one per line."""
    return "".join(p.line() + "\n" for p in problems)


def format_json(problems: list[Problem]) -> str:
    """Render problems as a JSON list with sorted keys and a trailing newline."""
    return json.dumps([asdict(p) for p in problems], indent=2, sort_keys=True, ensure_ascii=False) + "\n"
