"""Where `dwe build` spends its time: the build with each optional part switched off, on one synthetic package.

    python scripts/build_breakdown.py [--claims 1000000] [--repeat 3]

Each variant runs in its own process (median wall seconds, median CPU seconds user + system), so
that what a part costs is the difference from the full build (sqlite: the database; headline: headline_totals and coverage). `validation only` is the floor of
any build that checks the seeds; `no extras` switches off every part below at once. Parts are
switched off by replacing functions of darkweb_enforcement.build in the child: a measuring tool, not a mode
of the build.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import sys, pathlib
import darkweb_enforcement.build as build
root, off = pathlib.Path(sys.argv[1]), set(filter(None, sys.argv[2].split(",")))
if "validation" in off:
    from darkweb_enforcement.validate import validate_package
    sys.exit(0 if validate_package(root).ok else 1)
if "sqlite" in off:
    def no_database(folder, resources, progress=None):
        (folder / "darkweb-enforcement.sqlite").write_bytes(b"")
        return {"name": "database", "path": "darkweb-enforcement.sqlite", "bytes": 0, "hash": "sha256:" + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}
    build.write_database = no_database
if "changes" in off:
    header = b"table,key,change,field,old_value,new_value\n"
    from darkweb_enforcement.changes import CHANGE_SCHEMA
    build.write_changes = lambda validation, folder, info, progress=None: (
        CHANGE_SCHEMA.empty_table(), build.write_derived(folder, "changes", header, build.CHANGES_SCHEMA, "switched off"))
if "parquet" in off:
    build.write_parquet = lambda schema, typed, path: path.write_bytes(b"")
    if "sqlite" not in off:  # the database reads the Parquet copies: give it the CSVs instead
        write_database = build.write_database
        build.write_database = lambda folder, resources, progress=None: write_database(
            folder, [{k: v for k, v in r.items() if k != "parquet"} for r in resources], progress)
if "headline" in off:
    build.write_headline_and_coverage = lambda validation, folder: []
if "verify" in off:
    build.verify_written = lambda folder: None
build.build_release(root, root / "dist", force=True)
"""
PARTS = ("sqlite", "changes", "parquet", "headline", "verify")
VARIANTS = {
    "full build": "",
    **{f"no {part}": part for part in PARTS},
    "no extras": ",".join(PARTS),
    "validation only": "validation",
}


def run(args: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, CPU seconds of it and its children); raise if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args[3:])} failed:\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--claims", type=int, default=1_000_000, help="claims in the synthetic package [default: 1000000]"
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds, variants interleaved [default: 3]")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dwe-breakdown-") as tmp:
        root = Path(tmp) / "package"
        write = "import sys, pathlib; from darkweb_enforcement.synthetic import write_package; write_package(pathlib.Path(sys.argv[1]), int(sys.argv[2]))"
        subprocess.run([sys.executable, "-c", write, str(root), str(args.claims)], check=True)
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
        for round_number in range(1, args.repeat + 1):
            for name, off in VARIANTS.items():
                wall, cpu = run([sys.executable, "-c", CHILD, str(root), off])
                print(
                    f"[round {round_number}/{args.repeat}] {name}: {wall:.2f} s wall, {cpu:.2f} s CPU",
                    file=sys.stderr,
                    flush=True,
                )
                results[name].append((wall, cpu))
    full_wall = statistics.median(w for w, _ in results["full build"])
    print(f"{args.claims:,} claims, median of {args.repeat}")
    print(f"{'variant':<18} {'wall s':>7} {'CPU s':>7} {'wall saved':>11}")
    for name, runs in results.items():
        wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        print(f"{name:<18} {wall:>7.2f} {cpu:>7.2f} {full_wall - wall:>11.2f}")


if __name__ == "__main__":
    main()
