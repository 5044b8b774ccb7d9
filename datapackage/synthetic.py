"""Generate a valid synthetic package shaped like ours, for tests and the benchmark."""

from __future__ import annotations

import shutil
from pathlib import Path

from .formatting import canonical_csv
from .paths import REPO_ROOT, SCHEMAS_DIRNAME, SEEDS_DIRNAME, descriptor_path
from .schema import read_schema
from .paths import schema_path

COUNTRIES = [("DE", "Germany", "DEU", "false"), ("GB", "United Kingdom", "GBR", "false"), ("INTL", "International bodies", "", "true"),
             ("NL", "Netherlands", "NLD", "false"), ("US", "United States", "USA", "false"), ("WORLD", "Worldwide", "", "true")]
AGENCIES = [("europol", "Europol", "Europol", "INTL", "police_cooperation", "", ""),
            ("us-doj", "Department of Justice", "DOJ", "US", "ministry", "", ""),
            ("us-fbi", "Federal Bureau of Investigation", "FBI", "US", "police", "us-doj", "")]


def _write(root: Path, table: str, rows: list[tuple]) -> None:
    header = read_schema(table, schema_path(root, table)).field_names
    (root / SEEDS_DIRNAME / f"{table}.csv").write_bytes(canonical_csv(header, [list(map(str, r)) for r in rows]))


def _claims(n_claims: int, n_ops: int, n_sources: int) -> list[tuple]:
    rows = []
    for i in range(n_claims):
        op, source = i % n_ops, i % n_sources
        if i % 4 == 3:
            rows.append((f"c{i:08d}", f"op-{op:06d}", "searches", "", "DE", "", i, "count", "approximately", "", f"src-{source:06d}", "europol", "para 2", "current", ""))
        else:
            rows.append((f"c{i:08d}", f"op-{op:06d}", "arrests", "", "WORLD", "", i, "persons", "exact", "2023-05-02", f"src-{source:06d}", "", "para 1", "current", ""))
    return rows


def write_package(root: Path, n_claims: int = 200) -> Path:
    """Write a valid package with `n_claims` claims, N/50 operations and N/20 sources, to `root`."""
    n_ops, n_sources = max(1, n_claims // 50), max(1, n_claims // 20)
    (root / SEEDS_DIRNAME).mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO_ROOT / SCHEMAS_DIRNAME, root / SCHEMAS_DIRNAME, dirs_exist_ok=True)
    shutil.copy(descriptor_path(REPO_ROOT), descriptor_path(root))
    _write(root, "countries", COUNTRIES)
    _write(root, "agencies", AGENCIES)
    _write(root, "sources", [(f"src-{i:06d}", f"Report {i}", "Example News", "", "news_report", "secondary", f"https://example.org/report/{i}", "2023-05-02", "en", "") for i in range(n_sources)])
    _write(root, "markets", [("market-a", "Market A", "drugs", "2019-01-01", "month", "2021-12-01", "month", "law_enforcement", "src-000000", "")])
    _write(root, "operations", [(f"op-{i:06d}", f"Operation {i}", "vendor_sweep", "", "2023-01-01", "month", "2023-04-01", "day", "2023-05-02", "day", "A synthetic sweep.", "src-000000") for i in range(n_ops)])
    _write(root, "operation_agencies", [(f"op-{i:06d}", "us-fbi", "lead", "src-000000") for i in range(n_ops)])
    _write(root, "operation_countries", [(f"op-{i:06d}", "US", "src-000000") for i in range(n_ops)])
    _write(root, "operation_markets", [("op-000000", "market-a", "data_exploited", "src-000000")])
    _write(root, "reported_totals", _claims(n_claims, n_ops, n_sources))
    return root
