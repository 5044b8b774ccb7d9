"""Figures of a release's tables, as SVG and PNG: worldwide arrests per operation, and seizures by year.

Drawn in-process with matplotlib's Agg backend; the files hold no dates and SVG ids come from a
fixed salt, so the same tables give the same bytes with the same matplotlib.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

MAX_LABELS = 60
LABELLED = 18  # only the largest operations are named: more labels would overlap
STYLE: dict[str, Any] = {
    "svg.hashsalt": "darkweb-enforcement",
    "font.size": 8,
    "figure.dpi": 100,
    "svg.fonttype": "path",
}
FIGURE_STEMS = ("arrests_per_operation", "seizures_by_year")


def worldwide_headline(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Worldwide headline figures with their operation's announcement date (child operations left out: their parent counts them)."""
    headline, operations = tables["headline_totals"], tables["operations"]
    world = headline[(headline["scope_code"] == "WORLD") & headline["value"].notna()]
    top_level = (
        operations[operations["parent_operation_id"].isna()] if "parent_operation_id" in operations else operations
    )
    merged = world.merge(top_level[["operation_id", "announced_on"]], on="operation_id", how="inner")
    return merged[merged["announced_on"].notna()].sort_values(["announced_on", "operation_id"], kind="stable")


def seizures_by_year(world: pd.DataFrame) -> pd.DataFrame:
    """Per year of announcement: worldwide drugs seized (kg, all drugs) and firearms seized."""
    year = world["announced_on"].dt.year
    drugs = world["value_kg"].where((world["metric"] == "seizure_drugs_mass") & (world["item"] == "all_drugs"), 0.0)
    firearms = world["value"].where(world["metric"] == "seizure_firearms", 0.0)
    sums = pd.DataFrame({"year": year, "drugs_kg": drugs.fillna(0.0), "firearms": firearms.fillna(0.0)})
    sums = sums.groupby("year", sort=True).sum()
    return sums[(sums["drugs_kg"] > 0) | (sums["firearms"] > 0)]


def draw_figures(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Draw the figures of a release's tables into `folder` (created) as SVG and PNG; return their paths.

    A release without headline_totals or operations has nothing to draw: no file, an empty list.
    """
    if "headline_totals" not in tables or "operations" not in tables:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    world = worldwide_headline(tables)
    with plt.rc_context(STYLE):  # type: ignore[arg-type]  # matplotlib types keys as Literal
        paths = _save(plt, _arrests_figure(plt, world[world["metric"] == "arrests"]), folder, FIGURE_STEMS[0])
        paths += _save(plt, _seizures_figure(plt, seizures_by_year(world)), folder, FIGURE_STEMS[1])
    return paths


def _arrests_figure(plt, arrests: pd.DataFrame):
    fig, ax = plt.subplots(figsize=(9, 4.5))
    dates, values, names = arrests["announced_on"].tolist(), arrests["value"].tolist(), arrests["operation_id"].tolist()
    # thousands of marks would make a huge, slow SVG: draw them as an image inside it instead
    ax.scatter(dates, values, color="#b2182b", zorder=3, rasterized=len(values) > MAX_LABELS)
    if len(values) <= MAX_LABELS:
        largest = set(arrests.nlargest(LABELLED, "value", keep="first")["operation_id"])
        for index, (date, value, name) in enumerate(zip(dates, values, names)):
            if name in largest:
                ax.annotate(
                    name, (date, value), textcoords="offset points", xytext=(4, 6 if index % 2 else -9), fontsize=6
                )
    ax.set_yscale("symlog", linthresh=10)
    ax.set(
        title=f"Arrests per operation (worldwide headline figure, log scale; the {LABELLED} largest named)",
        xlabel="announced",
        ylabel="people arrested",
    )
    ax.grid(alpha=0.3)
    return fig


def _seizures_figure(plt, years: pd.DataFrame):
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
    top.bar(years.index.tolist(), years["drugs_kg"].tolist(), color="#2166ac")
    top.set(title="Seizures by year of announcement (sum of worldwide headline figures)", ylabel="drugs (kg)")
    bottom.bar(years.index.tolist(), years["firearms"].tolist(), color="#4d4d4d")
    bottom.set(ylabel="firearms", xlabel="year")
    return fig


def _save(plt, fig, folder: Path, stem: str) -> list[Path]:
    svg, png = folder / f"{stem}.svg", folder / f"{stem}.png"
    fig.savefig(svg, metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    fig.savefig(png, metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return [svg, png]
