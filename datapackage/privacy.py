"""Catch names of private individuals: a hashed deny-list for every text cell, and a given-name
heuristic for fields that must hold organisations.

Limits (documented in SECURITY.md): the deny-list only knows names curators have flagged (stored
as sha256 of the lower-cased name, never the name itself); the heuristic only sees two- or
three-word values that start with a common given name, in fields marked `"entity": "organisation"`.
Neither can prove a text free of personal names: review stays a human duty.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .problems import Problem
from .schema import TableSchema

DENYLIST_NAME = "privacy/denylist.sha256"
GIVEN_NAMES = frozenset(
    [
        "aaron",
        "adam",
        "adrian",
        "ahmed",
        "alan",
        "albert",
        "alex",
        "alexander",
        "ali",
        "alice",
        "amanda",
        "amy",
        "andrea",
        "andreas",
        "andrew",
        "angela",
        "anna",
        "anne",
        "anthony",
        "antonio",
        "ashley",
        "barbara",
        "ben",
        "benjamin",
        "brian",
        "bruce",
        "carl",
        "carlos",
        "caroline",
        "catherine",
        "charles",
        "chris",
        "christian",
        "christina",
        "christopher",
        "claire",
        "daniel",
        "david",
        "deborah",
        "dennis",
        "diana",
        "dmitri",
        "donald",
        "dorothy",
        "douglas",
        "edward",
        "elena",
        "elizabeth",
        "emily",
        "emma",
        "eric",
        "erik",
        "frank",
        "gary",
        "george",
        "gregory",
        "hans",
        "hannah",
        "helen",
        "henry",
        "ivan",
        "jack",
        "jacob",
        "james",
        "jan",
        "jane",
        "jason",
        "jennifer",
        "jessica",
        "joe",
        "john",
        "jonathan",
        "jose",
        "joseph",
        "joshua",
        "juan",
        "julia",
        "karen",
        "kevin",
        "laura",
        "lisa",
        "luis",
        "maria",
        "mark",
        "martin",
        "mary",
        "matthew",
        "michael",
        "michelle",
        "mohammed",
        "nancy",
        "nicholas",
        "olga",
        "patricia",
        "paul",
        "peter",
        "rachel",
        "richard",
        "robert",
        "ross",
        "ryan",
        "samuel",
        "sandra",
        "sarah",
        "scott",
        "sergei",
        "stefan",
        "stephen",
        "steven",
        "susan",
        "thomas",
        "timothy",
        "tom",
        "victor",
        "william",
    ]
)
ORG_WORDS = re.compile(
    r"\b(?:police|agency|office|department|bureau|service|ministry|news|times|post|press|market|customs|court|group|daily|journal|media|review|magazine)\b",
    re.I,
)
WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")


def name_hash(name: str) -> str:
    """Hash a name as the deny-list stores it: lower-cased, single spaces."""
    return hashlib.sha256(" ".join(name.lower().split()).encode("utf-8")).hexdigest()


def read_denylist(root: Path) -> frozenset[str]:
    """Read the hashed deny-list (one sha256 per line, # comments) or nothing."""
    path = root / DENYLIST_NAME
    if not path.exists():
        return frozenset()
    return frozenset(
        line.split()[0]
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )


def _windows(text: str) -> list[str]:
    words = WORD.findall(text)
    return [" ".join(words[i : i + n]) for n in (2, 3) for i in range(len(words) - n + 1)]


def denylisted_names(name: str, schema: TableSchema, strings: pa.Table, denylist: frozenset[str]) -> list[Problem]:
    """Text cells containing a name on the deny-list."""
    out = []
    for f in schema.fields:
        if f.type != "string" or f.enum or not denylist:
            continue
        for index, value in enumerate(strings[f.name].to_pylist()):
            if value and any(name_hash(w) in denylist for w in _windows(value)):
                out.append(
                    Problem(
                        name,
                        index + 2,
                        f.name,
                        "private-name",
                        "contains a name on the privacy deny-list; remove the person's name (only organisations, markets, operations and agencies may be named)",
                    )
                )
    return out


def looks_like_person(value: str) -> bool:
    """Two or three capitalised words starting with a common given name, with no organisation word."""
    words = value.split()
    return (
        2 <= len(words) <= 3
        and words[0].lower() in GIVEN_NAMES
        and all(w[:1].isupper() for w in words)
        and not ORG_WORDS.search(value)
    )


def organisation_fields(schema: TableSchema) -> dict[str, bool]:
    """Which fields the schema marks `"entity": "organisation"` (none when it has no descriptor)."""
    fields = (schema.descriptor or {}).get("fields", [])
    return {str(d.get("name")): d.get("entity") == "organisation" for d in fields if isinstance(d, dict)}


def person_in_organisation_fields(name: str, schema: TableSchema, strings: pa.Table) -> list[Problem]:
    """Fields marked `"entity": "organisation"` must not hold what looks like a person's name."""
    out = []
    for f in schema.fields:
        if organisation_fields(schema).get(f.name) is not True:
            continue
        values = strings[f.name]
        candidates = pc.indices_nonzero(pc.match_substring_regex(values, r"^\p{Lu}\S* \p{Lu}")).to_pylist()
        for index in candidates:
            if looks_like_person(values[index].as_py()):
                out.append(
                    Problem(
                        name,
                        index + 2,
                        f.name,
                        "person-name",
                        f"{values[index].as_py()!r} looks like a person's name in a field for organisations; name the organisation instead",
                    )
                )
    return out
