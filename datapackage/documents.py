"""The documents of the dataset and of each release: codebook, release README, changelog, citation."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .changes import count_changes
from .derived import CHANGES_SCHEMA, CORE_METRICS, COVERAGE_SCHEMA, HEADLINE_SCHEMA
from .headline import RULE_TEXT
from .rules import registered
from .vocabulary import DEFINITIONS, METRIC_DEFINITIONS, METRIC_UNITS

TITLE = "darkweb-enforcement: law-enforcement operations against dark-web markets"
ENUM_KEYS = (
    "closure_type",
    "market_category",
    "agency_type",
    "source_type",
    "primacy",
    "operation_type",
    "role",
    "action",
    "qualifier",
    "status",
    "status_reason",
)
CHANGELOG_HEADER = "# Changelog\n\nEvery release of darkweb-enforcement, newest first. Per-record changes are in each release's `data/changes.csv`.\n"

INTRO = """The dataset records **claims, not facts**: one row of `reported_totals` per number per source.
When the DOJ says 117 firearms and a news report says "over 120", both are rows, each with its
qualifier and its source. Nothing is averaged or overwritten; `headline_totals` is a derived,
explained choice that you can re-rank from the raw claims.

Curation rules: every number has a source; only URLs seen in a stored copy of the page are cited;
figures relayed by news reports name the agency they are attributed to; text is in the curators'
own words; no private individuals (suspects, vendors, buyers, administrators) are named anywhere;
uncertain facts are left out rather than guessed. Dates carry a precision (day, month, year); a
month-only date is the first of the month. Missing values are empty, never 0 or -99."""

SCOPE = """In: dark-web and underground markets, forums and vendor shops that trade drugs, weapons, stolen
data, credentials or fraud services, whether reached over Tor or the clear web; and the
infrastructure that chiefly served them: cryptocurrency mixers (`market_category` `mixer`) and
bulletproof hosting (`hosting`). Out: sites whose trade is child sexual abuse material (a different
field with different ethics), and sweeps against clear-web pharmacies with no dark-web market
involved. "Complete" means every such action 2012-2025 that a stored public page reports; the
coverage table shows how deep each operation is."""

STATUS_MODEL = """Every claim is kept; `status` says whether it counts. `current` claims count in headline figures.
An `erratum` is a row that faithfully copies a source which misprints (`misprint`), swaps
(`swapped`) or misreads (`misread`) a figure whose origin says otherwise; `corrected_by_claim_id`
names the current claim with the origin's figure, and `note` gives the evidence. A `partial` claim
is a real figure that counts only part of what its metric and scope say: one agency's share
(`agency_share`), arrests mixed with charges (`mixed_count`), or some of the countries
(`partial_scope`); it sits beside a current claim of the same group. `withdrawn` marks a curation
mistake (`curation_error`) or a figure the source retracted (`retracted`). Only current claims
take part in `headline_totals`, its spread and its conflict flag."""

GAPS = (
    """A missing figure is missing, not zero. `coverage` has one row per operation, metric and scope
with claims, plus every operation x core metric ("""
    + ", ".join(f"`{m}`" for m in CORE_METRICS)
    + """) at
WORLD scope: `has_headline = false` marks a gap. Child operations (`parent_operation_id` set, such as
the Monopoly Market seizure inside SpecTor) repeat part of their parent's totals: leave them out of
sums over operations.

pandas:

```python
import darkweb_enforcement as dwe
t = dwe.load()
ops = t["operations"][t["operations"]["parent_operation_id"].isna()]          # no child operations
h = t["headline_totals"].query("metric == 'arrests' and scope_code == 'WORLD'")
arrests = ops.merge(h, on="operation_id", how="left")                             # NaN where missing
by_year = arrests.groupby(arrests["announced_on"].dt.year)["value"].agg(["sum", "count", "size"])
# sum adds reported figures only; count < size says how many operations have no figure
```

R:

```r
t <- dwe_load("<version>")
ops <- subset(t$operations, is.na(parent_operation_id))
h <- subset(t$headline_totals, metric == "arrests" & scope_code == "WORLD")
a <- merge(ops, h, by = "operation_id", all.x = TRUE)
aggregate(value ~ format(announced_on, "%Y"), data = a, FUN = sum)   # drops NA: missing is not zero
table(format(a$announced_on, "%Y"), is.na(a$value))                   # gaps per year
```"""
)

COUNTRY_SUMS = """One country-sum rule serves `dwe validate` and `dwe report`: per operation, metric, item, unit and
source, the current per-country claims are added up and compared with the largest worldwide figure of
the same source that bounds them (exact, up_to or less_than). `INTL` and `UNSPECIFIED` are left out:
they are not countries and may overlap them, so adding them could raise a false alarm. The largest
worldwide figure is the bound because a source that prints two worldwide figures (a misprint, or
two dates) should be judged by the one its countries can meet; the gap between its two figures is a
conflict, reported as such. `dwe validate` fails when the countries add up to more; `dwe report`
also lists sums that fall short, which is normal (not every country is named)."""

MARKET_STATUS = """`closure_type` says how a market closed as its source reports it. `none_reported` means the
cited sources report no closure: `last_seen_active_on` gives the last date a source saw the market
running. It is not a claim that the market is active today."""

GUARANTEES = """- A published version is immutable: `dwe release` refuses to reuse a version, and `releases.json`
  records the sha256 of every archive; `dwe verify` and `sha256sum -c SHA256SUMS` check the bytes.
- Any release can be rebuilt from the repository (`dwe rebuild VERSION`, which runs the code of the
  commit it was cut from) and must match its sha256; the archives themselves are kept in `releases/`.
- No personal data: the tables name organisations, markets, operations and agencies only.
- Report a wrong figure, a dead link or a privacy problem as described in SECURITY.md."""


def citation_cff(version: str, date: str, license_name: str = "CC-BY-4.0") -> str:
    """Return a CITATION.cff (CFF 1.2.0) for a dataset release (version and date are checked by the caller)."""
    return (
        "cff-version: 1.2.0\n"
        "message: If you use this dataset, please cite the version you used.\n"
        "type: dataset\n"
        f'title: "{TITLE}"\n'
        f'version: "{version}"\n'
        f'date-released: "{date}"\n'
        f'license: "{license_name}"\n'
        "authors:\n"
        '  - name: "darkweb-enforcement curators"\n'
        "keywords:\n"
        '  - "dark web"\n'
        '  - "law enforcement"\n'
        '  - "drug markets"\n'
    )


def cite_line(version: str, date: str) -> str:
    """Return a one-line citation of a release."""
    return f"darkweb-enforcement curators ({date[:4]}). {TITLE} (version {version}) [Data set]."


def release_section(version: str, date: str, changes: pa.Table, schema_changes: list[str] | None = None) -> str:
    """Return the changelog section of one release: schema changes, counts per table and corrected figures."""
    lines = [f"## {version} — {date}", ""]
    if schema_changes:
        lines += ["Schema changes:"] + [f"- {reason}" for reason in schema_changes] + [""]
    counts = count_changes(changes)
    if not counts:
        lines.append("No record changed.")
    for table in sorted(counts):
        c = counts[table]
        lines.append(f"- `{table}`: {c['added']} added, {c['removed']} removed, {c['changed']} changed")
    mask = pc.and_(
        pc.and_(pc.equal(changes["change"], "changed"), pc.equal(changes["table"], "reported_totals")),
        pc.is_in(changes["field"], pa.array(["value", "unit", "qualifier", "status", "scope_code"])),
    )
    corrections = changes.filter(mask).slice(0, 50).to_pylist()
    if corrections:
        lines += ["", "Corrected claims:"]
        lines += [
            f"- `{c['key']}` {c['field']}: {c['old_value'] or '(empty)'} → {c['new_value'] or '(empty)'}"
            for c in corrections
        ]
    return "\n".join(lines) + "\n"


def prepend_section(text: str | None, section: str) -> str:
    """Return the changelog text with `section` placed above earlier releases."""
    head, sep, rest = (text or CHANGELOG_HEADER).partition("\n## ")
    return head.rstrip("\n") + "\n\n" + section + (f"\n## {rest}" if sep else "")


def release_readme(version: str, date: str, previous: str | None) -> str:
    """Return the README.md of a release: what it is, how to load it in Python and R, how to cite it."""
    return f"""# darkweb-enforcement {version}

Released: {date}. Previous release: {previous or "none"}.

Law-enforcement operations against dark-web markets and every total a source reported, each tied to
its source. Tables are in `data/` as CSV and Parquet, and together in `darkweb-enforcement.sqlite`;
`datapackage.json` describes them; `CODEBOOK.md` explains every field; `sha256sum -c SHA256SUMS`
checks every file.

## Load it

Python (`pip install darkweb-enforcement`): `darkweb_enforcement.load(path="<this folder or its .zip>")`.

R, with only this folder (packages readr, jsonlite, digest):

```r
source("load.R")
tables <- dwe_load(".")              # this release, checked against SHA256SUMS
tables <- dwe_load("{version}", index = "https://<mirror>/releases.json")   # any version by number, cached
```

## What is missing

{GAPS}

## How to cite

{cite_line(version, date)}
"""


def _constraints(field: dict) -> str:
    c = field.get("constraints", {})
    parts = ["unique"] if c.get("unique") else []
    parts += [f"pattern `{c['pattern']}`"] if "pattern" in c else []
    parts += [f"minimum {c['minimum']}"] if "minimum" in c else []
    parts += ["one of " + ", ".join(f"`{v}`" for v in c["enum"])] if "enum" in c else []
    return "; ".join(parts)


def _field_rows(schema: dict) -> list[str]:
    rows = ["| field | type | required | constraints | description |", "|---|---|---|---|---|"]
    for f in schema["fields"]:
        cells = [
            f"`{f['name']}`",
            f.get("type", "string"),
            "yes" if f.get("constraints", {}).get("required") else "",
            _constraints(f),
            f.get("description", ""),
        ]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return rows


def _enum_rows(schema: dict) -> list[str]:
    rows = []
    for f in schema["fields"]:
        values = f.get("constraints", {}).get("enum")
        key = "precision" if f["name"].endswith("_precision") else f["name"] if f["name"] in ENUM_KEYS else None
        if values and key:
            rows += [f"\n`{f['name']}`:\n"] + [f"- `{v}`: {DEFINITIONS[key].get(v, '')}" for v in values]
    return rows


def _table_section(resource, count: int) -> list[str]:
    lines = [f"### `{resource.name}` ({count} rows)", ""]
    if resource.schema.primary_key:
        lines.append(f"Primary key: {', '.join(f'`{k}`' for k in resource.schema.primary_key)}.")
    for fk in resource.schema.foreign_keys:
        lines.append(
            f"Foreign key: `{', '.join(fk.fields)}` → `{fk.resource or resource.name}.{', '.join(fk.reference_fields)}`."
        )
    return lines + [""] + _field_rows(resource.schema.descriptor) + _enum_rows(resource.schema.descriptor) + [""]


def rules_table() -> list[str]:
    """The business rules, from the registry, as a Markdown table."""
    return ["| code | rule |", "|---|---|"] + [f"| `{r.code}` | {r.description} |" for r in registered().values()]


def _coverage(validation) -> list[str]:
    years = Counter(o.year for o in validation.typed["operations"]["announced_on"].to_pylist())
    counted = pc.value_counts(validation.typed["reported_totals"]["metric"])
    metrics = dict(zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist()))
    lines = ["| year announced | operations |", "|---|---|"] + [f"| {y} | {years[y]} |" for y in sorted(years)]
    lines += ["", "| metric | claims | units | definition |", "|---|---|---|---|"]
    return lines + [
        f"| `{m}` | {metrics.get(m, 0)} | {', '.join(METRIC_UNITS[m])} | {METRIC_DEFINITIONS[m]} |"
        for m in METRIC_UNITS
    ]


def render_codebook(validation, version: str | None = None) -> str:
    """Return the whole codebook as Markdown (for `version`, default the descriptor's)."""
    version = version or validation.descriptor.get("version", "")
    lines = [
        f"# Codebook: darkweb-enforcement {version}",
        "",
        "Generated by `dwe codebook` from the schemas and the seeds; do not edit by hand.",
        "",
    ]
    lines += [
        "## How to read it",
        "",
        INTRO,
        "",
        "## Scope",
        "",
        SCOPE,
        "",
        "## Claim status",
        "",
        STATUS_MODEL,
        "",
        "## Market status",
        "",
        MARKET_STATUS,
        "",
    ]
    lines += ["## Tables", ""]
    for resource in sorted(validation.resources, key=lambda r: r.name):
        lines += _table_section(resource, validation.strings[resource.name].num_rows)
    lines += [
        "## Business rules",
        "",
        "`dwe validate` checks these beyond the schemas (codes as printed in its output):",
        "",
    ] + rules_table()
    lines += [
        "",
        "## Derived tables (in releases only)",
        "",
        "### `headline_totals`",
        "",
        RULE_TEXT.strip(),
        "",
    ] + _field_rows(HEADLINE_SCHEMA)
    lines += ["", "### `coverage`", "", GAPS, ""] + _field_rows(COVERAGE_SCHEMA)
    lines += [
        "",
        "### `changes`",
        "",
        "Per-record changes since the previous release: one row per added or removed record and per changed cell.",
        "",
    ] + _field_rows(CHANGES_SCHEMA)
    lines += ["", "## Coverage", ""] + _coverage(validation)
    lines += [
        "",
        "## Guarantees",
        "",
        GUARANTEES,
        "",
        "## How to cite",
        "",
        cite_line(version, "YYYY-MM-DD").replace("(YYYY)", "(year of the release)"),
        "",
    ]
    return "\n".join(lines)


RULES_START, RULES_END = "<!-- rules:start -->", "<!-- rules:end -->"


def curating_with_rules(text: str) -> str:
    """CURATING.md with the rule table between its markers regenerated from the registry."""
    head, start, rest = text.partition(RULES_START)
    _, end, tail = rest.partition(RULES_END)
    if not start or not end:
        return text
    return head + RULES_START + "\n" + "\n".join(rules_table()) + "\n" + RULES_END + tail


def write_codebook(validation, root: Path) -> list[Path]:
    """Write CODEBOOK.md, and the rule table of CURATING.md, of the package at `root` atomically."""
    from .index import write_text_atomically

    write_text_atomically(root / "CODEBOOK.md", render_codebook(validation))
    curating = root / "CURATING.md"
    if curating.exists():
        write_text_atomically(curating, curating_with_rules(curating.read_text(encoding="utf-8")))
    return [root / "CODEBOOK.md", curating]
