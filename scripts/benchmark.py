"""Time dwe validate, frictionless validate, dwe build, a pyarrow floor and the loaders; report the wheel's size.

    python scripts/benchmark.py --sizes 10000,100000,1000000 [--repeat 3] [--no-real] [--no-wheel]

Targets (issues 13 and 18), printed as ratios: at 1M claims `dwe build` within 1.5x of
(`dwe validate` + the floor) and `dwe validate` at least 15x faster than frictionless; on the real
seeds `dwe build` under 2x `dwe validate`; `load()` of the bundled release within 1.5x of pandas
reading the same Parquet files and under 1 s in a fresh process; at 1M claims `load(path=)` within
1.5x of `pandas.read_parquet` of the same files; the wheel under 1 MB.

For each size, writes a valid synthetic package (N claims, N/50 operations, N/20 sources) to a
temporary folder, then runs every step in its own subprocess, so that wall time includes start-up
and peak RSS is that process's own (from os.wait4). Progress goes to stderr, the table to stdout.

Linux records a child's peak RSS as at least its parent's RSS when it was started, so this script
imports nothing heavy and writes the package in a subprocess too: it stays smaller than any step.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

WRITE = "import sys, pathlib; from darkweb_enforcement.synthetic import write_package; write_package(pathlib.Path(sys.argv[1]), int(sys.argv[2]))"
DWE = "import sys; from darkweb_enforcement.cli import run; sys.argv[0] = 'dwe'; run()"
FRICTIONLESS = "import sys; from frictionless import validate; sys.exit(0 if validate(sys.argv[1]).valid else 1)"
# The floor: what any build must do at least, read each CSV and write it back as CSV and Parquet.
FLOOR = """
import sys, pathlib, pyarrow.csv as pacsv, pyarrow.parquet as pq
seeds, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir()
for path in sorted(seeds.glob("*.csv")):
    table = pacsv.read_csv(path)
    pacsv.write_csv(table, out / path.name)
    pq.write_table(table, out / f"{path.stem}.parquet", compression="zstd")
"""


@dataclass(frozen=True)
class Timing:
    """One step at one size: wall seconds and peak resident memory in bytes."""

    claims: int
    rows: int
    step: str
    seconds: float
    peak_rss: int


def run_step(args: list[str]) -> tuple[float, int]:
    """Run a command to completion; return (wall seconds, peak RSS bytes); raise if it fails."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(args[:4])} ... exited {proc.returncode}:\n{err.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss * 1024  # Linux reports kilobytes


# Loading a built release: our loader against pandas and pyarrow reading the same Parquet files.
LOAD = "import sys, darkweb_enforcement as d; d.load(path=sys.argv[1]) if sys.argv[1] != '-' else d.load()"
PANDAS = (
    "import sys, glob, pandas as pd; [pd.read_parquet(f) for f in sorted(glob.glob(sys.argv[1] + '/data/*.parquet'))]"
)
PYARROW = "import sys, glob, pyarrow.parquet as pq; [pq.read_table(f) for f in sorted(glob.glob(sys.argv[1] + '/data/*.parquet'))]"


def steps(root: Path, full: bool = True, work: Path | None = None) -> dict[str, list[str]]:
    """Return the command of each step on the package at `root`, writing under `work` (default `root`).

    The loaders read the release built before the rounds start.
    """
    py = sys.executable
    work = work or root
    release = work / "dist" / "darkweb-enforcement-1.0.0"
    found = sorted((work / "dist").glob("darkweb-enforcement-*")) if (work / "dist").exists() else []
    release = next((p for p in found if p.is_dir()), release)
    named = {
        "dwe validate": [py, "-c", DWE, "validate", "--root", str(root)],
        "frictionless validate": [py, "-c", FRICTIONLESS, str(root / "datapackage.json")],
        "dwe build": [py, "-c", DWE, "build", "--root", str(root), "--out", str(work / "dist"), "--force"],
        "pyarrow floor": [py, "-c", FLOOR, str(root / "seeds"), str(work / "floor")],
        "load(path=)": [py, "-c", LOAD, str(release)],
        "pandas.read_parquet": [py, "-c", PANDAS, str(release)],
        "pq.read_table": [py, "-c", PYARROW, str(release)],
    }
    if not full:
        named.pop("frictionless validate")
    return named


def count_rows(root: Path) -> int:
    """Count data rows of every seed (synthetic cells hold no line breaks), a megabyte at a time."""
    lines = 0
    for path in (root / "seeds").glob("*.csv"):
        with path.open("rb") as handle:
            lines += sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1
    return lines


def measure(claims: int, workdir: Path, repeat: int) -> list[Timing]:
    """Write the package of one size and time every step on it, `repeat` rounds, steps interleaved.

    Each step's wall time is the median of its rounds and its peak RSS the largest: on a shared
    machine one run can be 30% off, and interleaving spreads any slow spell over every step.
    """
    root = workdir / f"claims-{claims}"
    print(f"[{claims:,} claims] writing the synthetic package", file=sys.stderr, flush=True)
    run_step([sys.executable, "-c", WRITE, str(root), str(claims)])
    rows = count_rows(root)
    run_step(steps(root)["dwe build"])  # a release for the loaders to read
    runs: dict[str, list[tuple[float, int]]] = {step: [] for step in steps(root)}
    for round_number in range(1, repeat + 1):
        for step, args in steps(root).items():
            print(f"[{claims:,} claims, round {round_number}/{repeat}] {step} ...", end="", file=sys.stderr, flush=True)
            seconds, peak = run_step(args)
            print(f" {seconds:.2f} s, {peak / 2**20:.0f} MB", file=sys.stderr, flush=True)
            runs[step].append((seconds, peak))
            shutil.rmtree(root / "floor", ignore_errors=True)
    shutil.rmtree(root)
    return [
        Timing(claims, rows, step, statistics.median(s for s, _ in r), max(p for _, p in r)) for step, r in runs.items()
    ]


def render(timings: list[Timing]) -> str:
    """Return the results table and the two ratios per size."""
    lines = [f"{'claims':>9}  {'rows':>9}  {'step':<22} {'wall s':>7} {'rows/s':>11} {'peak RSS MB':>12}"]
    for t in timings:
        lines.append(
            f"{t.claims:>9,}  {t.rows:>9,}  {t.step:<22} {t.seconds:>7.2f} {t.rows / t.seconds:>11,.0f} {t.peak_rss / 2**20:>12.0f}"
        )
    lines += [
        "",
        f"{'claims':>9}  {'frictionless / validate':>24}  {'build / (validate + floor)':>27}  {'build / validate':>17}  {'load / pandas':>14}",
    ]
    for claims in sorted({t.claims for t in timings}):
        s = {t.step: t.seconds for t in timings if t.claims == claims}
        friction = (
            f"{s['frictionless validate'] / s['dwe validate']:>23.1f}x"
            if "frictionless validate" in s
            else f"{'-':>24}"
        )
        lines.append(
            f"{claims:>9,}  {friction}  {s['dwe build'] / (s['dwe validate'] + s['pyarrow floor']):>26.2f}x"
            f"  {s['dwe build'] / s['dwe validate']:>16.2f}x  {s['load(path=)'] / s['pandas.read_parquet']:>13.2f}x"
        )
    return "\n".join(lines) + "\n"


def measure_real(repeat: int) -> list[Timing]:
    """The same steps on the repository's own seeds, plus load() of the bundled release in a fresh process."""
    import json

    root = Path(__file__).resolve().parent.parent
    current = next(r for r in json.loads((root / "releases.json").read_text())["releases"] if r["status"] == "current")
    rows = count_rows(root)
    with tempfile.TemporaryDirectory(prefix="dwe-benchmark-real-") as tmp:
        work = Path(tmp)
        run_step(steps(root, work=work)["dwe build"])
        named = steps(root, work=work)
        named["load() bundled"] = [sys.executable, "-c", LOAD, "-"]
        runs: dict[str, list[tuple[float, int]]] = {step: [] for step in named}
        for round_number in range(1, repeat + 1):
            for step, args in named.items():
                print(f"[real seeds, round {round_number}/{repeat}] {step} ...", end="", file=sys.stderr, flush=True)
                seconds, peak = run_step(args)
                print(f" {seconds:.2f} s", file=sys.stderr, flush=True)
                runs[step].append((seconds, peak))
                shutil.rmtree(work / "floor", ignore_errors=True)
    claims = current["row_counts"]["reported_totals"]
    return [
        Timing(claims, rows, step, statistics.median(s for s, _ in r), max(p for _, p in r)) for step, r in runs.items()
    ]


def wheel_size() -> int:
    """Build the wheel into a temporary folder and return its size in bytes."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="dwe-wheel-") as tmp:
        print("[wheel] building ...", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--outdir", tmp, str(root)], check=True, capture_output=True
        )
        return next(Path(tmp).glob("*.whl")).stat().st_size


def parse_sizes(text: str) -> list[int]:
    """Parse '10000,100000' into [10000, 100000]."""
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of integers") from None
    if not sizes or min(sizes) < 100:
        raise argparse.ArgumentTypeError("sizes must be integers of at least 100")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=[10_000, 100_000, 1_000_000],
        help="comma-separated claim counts [default: 10000,100000,1000000]",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds per size; each step reports its median wall time [default: 3]"
    )
    parser.add_argument("--no-real", action="store_true", help="skip the repository's own seeds")
    parser.add_argument("--no-wheel", action="store_true", help="skip building the wheel")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    timings = [] if args.no_real else measure_real(args.repeat)
    with tempfile.TemporaryDirectory(prefix="dwe-benchmark-") as tmp:
        timings += [t for claims in args.sizes for t in measure(claims, Path(tmp), args.repeat)]
    sys.stdout.write(render(timings))
    real = [t for t in timings if t.step == "load() bundled"]
    if real:
        sys.stdout.write(f"\nload() of the bundled release in a fresh process: {real[0].seconds:.2f} s\n")
    if not args.no_wheel:
        sys.stdout.write(f"wheel: {wheel_size():,} bytes\n")


if __name__ == "__main__":
    main()
