"""Generate a synthetic package shaped like ours, valid or with known faults, for tests and the benchmark."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from .csvfiles import canonical_csv
from .paths import REPO_ROOT, SCHEMAS_DIRNAME, SEEDS_DIRNAME, descriptor_path, schema_path
from .schema import read_schema

SYNTHETIC_VERSION = "0.1.0"
COUNTRIES = [
    ("DE", "Germany", "DEU", "false"),
    ("GB", "United Kingdom", "GBR", "false"),
    ("INTL", "International bodies", "", "true"),
    ("NL", "Netherlands", "NLD", "false"),
    ("US", "United States", "USA", "false"),
    ("WORLD", "Worldwide", "", "true"),
]
AGENCIES = [
    ("europol", "Europol", "Europol", "INTL", "police_cooperation", "", ""),
    ("us-doj", "Department of Justice", "DOJ", "US", "ministry", "", ""),
    ("us-fbi", "Federal Bureau of Investigation", "FBI", "US", "police", "us-doj", ""),
]


@dataclass(frozen=True)
class Fault:
    """One injected defect: cell `field` of the `nth` fault row of `table` set to `value`.

    `value` None copies the cell of the row before, making a duplicate.
    """

    kind: str
    table: str
    field: str
    value: str | None


FAULTS = (
    Fault("type", "reported_totals", "value", "many"),
    Fault("required", "reported_totals", "unit", ""),
    Fault("enum", "reported_totals", "metric", "arrest"),
    Fault("pattern", "reported_totals", "item", "Fentanyl"),
    Fault("minimum", "reported_totals", "value", "-5"),
    Fault("primary-key", "reported_totals", "claim_id", None),
    Fault("foreign-key", "reported_totals", "source_id", "src-missing"),
    Fault("unique", "sources", "url", None),
)


def _write(root: Path, table: str, rows: list[list[str]]) -> None:
    header = read_schema(table, schema_path(root, table)).field_names
    (root / SEEDS_DIRNAME / f"{table}.csv").write_bytes(canonical_csv(header, rows))


def _claims(n_claims: int, n_ops: int, n_sources: int) -> list[list[str]]:
    rows = []
    for i in range(n_claims):
        op, source = f"op-{i % n_ops:06d}", f"src-{i % n_sources:06d}"
        if i % 4 == 3:
            rows.append(
                [
                    f"c{i:08d}",
                    op,
                    "searches",
                    "",
                    "DE",
                    "",
                    str(i),
                    "count",
                    "approximately",
                    "",
                    source,
                    "europol",
                    "para 2",
                    "current",
                    "",
                    "",
                    "",
                ]
            )
        else:
            rows.append(
                [
                    f"c{i:08d}",
                    op,
                    "arrests",
                    "",
                    "WORLD",
                    "",
                    str(i),
                    "persons",
                    "exact",
                    "2023-05-02",
                    source,
                    "",
                    "para 1",
                    "current",
                    "",
                    "",
                    "",
                ]
            )
    return rows


def inject_faults(root: Path, tables: dict[str, list[list[str]]]) -> None:
    """Break one cell per fault of FAULTS, each in its own row, spread over its table."""
    faults_per_table = {t: [f for f in FAULTS if f.table == t] for t in {f.table for f in FAULTS}}
    for table, faults in faults_per_table.items():
        rows = tables[table]
        step = len(rows) // (len(faults) + 1)
        if step < 2:
            raise ValueError(f"{table} has {len(rows)} rows, too few for {len(faults)} faults")
        header = read_schema(table, schema_path(root, table)).field_names
        for nth, fault in enumerate(faults, 1):
            column, index = header.index(fault.field), nth * step
            rows[index][column] = rows[index - 1][column] if fault.value is None else fault.value


def write_package(root: Path, n_claims: int = 200, faults: bool = False) -> Path:
    """Write a package with `n_claims` claims, N/50 operations and N/20 sources, to `root`.

    The package is valid unless `faults`, which injects each defect of FAULTS once.
    """
    n_ops, n_sources = max(1, n_claims // 50), max(1, n_claims // 20)
    (root / SEEDS_DIRNAME).mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO_ROOT / SCHEMAS_DIRNAME, root / SCHEMAS_DIRNAME, dirs_exist_ok=True)
    descriptor = json.loads(descriptor_path(REPO_ROOT).read_text(encoding="utf-8"))
    descriptor["version"] = SYNTHETIC_VERSION  # the repository's own version moves with its releases
    descriptor_path(root).write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")
    ops = [f"op-{i:06d}" for i in range(n_ops)]
    tables = {
        "countries": [list(r) for r in COUNTRIES],
        "agencies": [list(r) for r in AGENCIES],
        "sources": [
            [
                f"src-{i:06d}",
                f"Report {i}",
                "Example News",
                "",
                "",
                "news_report",
                "secondary",
                f"https://example.org/report/{i}",
                "2023-05-02",
                "en",
                "",
            ]
            for i in range(n_sources)
        ],
        "markets": [
            [
                "market-a",
                "Market A",
                "drugs",
                "2019-01-01",
                "month",
                "2021-12-01",
                "month",
                "law_enforcement",
                "",
                "",
                "src-000000",
                "",
            ]
        ],
        "operations": [
            [
                op,
                f"Operation {op[3:]}",
                "vendor_sweep",
                "",
                "2023-01-01",
                "month",
                "2023-04-01",
                "day",
                "2023-05-02",
                "day",
                "A synthetic sweep.",
                "src-000000",
            ]
            for op in ops
        ],
        "operation_agencies": [[op, "us-fbi", "lead", "src-000000"] for op in ops],
        "operation_countries": [[op, "US", "src-000000"] for op in ops],
        "operation_markets": [["op-000000", "market-a", "data_exploited", "src-000000"]],
        "reported_totals": _claims(n_claims, n_ops, n_sources),
    }
    if faults:
        inject_faults(root, tables)
    for table, rows in tables.items():
        _write(root, table, rows)
    return root
