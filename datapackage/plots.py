"""Figures for researchers: arrests per operation over time, and seizures by year (PNG and SVG)."""

from __future__ import annotations

import datetime
from pathlib import Path

MAX_LABELS = 60


def load_pyplot():
    """Import pyplot with the Agg backend and the release's fixed settings."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "darkweb-enforcement", "font.size": 8, "figure.dpi": 100})
    return plt


def _save(fig, folder: Path, stem: str) -> list[Path]:
    folder.mkdir(exist_ok=True)  # inside the release folder, which must exist
    png, svg = folder / f"{stem}.png", folder / f"{stem}.svg"
    fig.savefig(png, metadata={"Software": None}, bbox_inches="tight")
    fig.savefig(svg, metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    return [png, svg]


def arrests_points(headline: list[dict], announced: dict) -> list[tuple]:
    """(date, arrests, operation) for every operation with a worldwide arrests headline."""
    return sorted((announced[h["operation_id"]], h["value"], h["operation_id"]) for h in headline
                  if h["metric"] == "arrests" and h["scope_code"] == "WORLD" and h["value"] is not None)


def seizures_by_year(headline: list[dict], announced: dict) -> dict[int, dict[str, float]]:
    """Per year of announcement: worldwide drugs seized (kg, all drugs) and firearms seized."""
    years: dict[int, dict[str, float]] = {}
    for h in headline:
        if h["scope_code"] != "WORLD" or h["value"] is None:
            continue
        year = announced[h["operation_id"]].year
        if h["metric"] == "seizure_drugs_mass" and h["item"] == "all_drugs":
            years.setdefault(year, {"drugs_kg": 0.0, "firearms": 0.0})["drugs_kg"] += h["value_kg"]
        elif h["metric"] == "seizure_firearms":
            years.setdefault(year, {"drugs_kg": 0.0, "firearms": 0.0})["firearms"] += h["value"]
    return dict(sorted(years.items()))


def figure_data(headline: list[dict], announced: dict) -> dict:
    """What the figures show, as JSON-ready values: arrests points and seizures per year."""
    points = [[date.isoformat(), value, op] for date, value, op in arrests_points(headline, announced)]
    return {"points": points, "years": {str(year): sums for year, sums in seizures_by_year(headline, announced).items()}}


def draw_figures(data: dict, folder: Path) -> list[Path]:
    """Draw the figures of figure_data() into `folder` as PNG and SVG; return their paths."""
    plt = load_pyplot()
    points = [(datetime.date.fromisoformat(day), value, op) for day, value, op in data["points"]]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    # thousands of marks would make a huge, slow SVG: draw them as an image inside it instead
    ax.scatter([p[0] for p in points], [p[1] for p in points], color="#b2182b", zorder=3, rasterized=len(points) > MAX_LABELS)
    if len(points) <= MAX_LABELS:
        for index, (date, value, op) in enumerate(points):
            ax.annotate(op, (date, value), textcoords="offset points", xytext=(4, 6 if index % 2 else -9), fontsize=6)
    ax.set_yscale("symlog", linthresh=10)
    ax.set(title="Arrests per operation (worldwide headline figure, log scale)", xlabel="announced", ylabel="people arrested")
    ax.grid(alpha=0.3)
    paths = _save(fig, folder, "arrests_per_operation")
    plt.close(fig)
    years = {int(year): sums for year, sums in data["years"].items()}
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
    top.bar(list(years), [v["drugs_kg"] for v in years.values()], color="#2166ac")
    top.set(title="Seizures by year of announcement (sum of worldwide headline figures)", ylabel="drugs (kg)")
    bottom.bar(list(years), [v["firearms"] for v in years.values()], color="#4d4d4d")
    bottom.set(ylabel="firearms", xlabel="year")
    paths += _save(fig, folder, "seizures_by_year")
    plt.close(fig)
    return paths
