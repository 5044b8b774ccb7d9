"""Where `dwe build` spends its time: the build with each optional part switched off, on one synthetic package.

    python scripts/build_breakdown.py [--claims 1000000] [--repeat 3]

Each variant runs in its own process (median wall seconds, median CPU seconds user + system), so
that what a part costs is the difference from the full build. `validation only` is the floor of
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
import os, sys, pathlib
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
class WithoutPandas:  # as the dwe script runs: pyarrow finds no pandas to import
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "pandas":
            raise ImportError("no pandas")
sys.meta_path.insert(0, WithoutPandas())
import darkweb_enforcement.build as build
root, off = pathlib.Path(sys.argv[1]), set(filter(None, sys.argv[2].split(",")))
if "validation" in off:
    from darkweb_enforcement.validate import validate_package
    sys.exit(0 if validate_package(root).ok else 1)
if "figures" in off:
    class NoFigures:
        send = wait = cancel = lambda self, *args: None
        __enter__ = lambda self: self
        __exit__ = lambda self, *exc: None
    build.FigureWorker = NoFigures
if "changes" in off:
    header = b"table,key,change,field,old_value,new_value\n"
    from darkweb_enforcement.changes import CHANGE_SCHEMA
    build.write_changes = lambda validation, folder, info, progress=None: (
        CHANGE_SCHEMA.empty_table(), build.write_derived(folder, "changes", header, build.CHANGES_SCHEMA, "switched off"))
if "parquet" in off:
    build.write_parquet = lambda schema, typed, path: path.write_bytes(b"")
if "headline" in off:
    build.headline_of = lambda validation: []
if "verify" in off:
    build.verify_written = lambda folder: None
build.build_release(root, root / "dist", force=True)
"""
PARTS = ("figures", "changes", "parquet", "headline", "verify")
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
    # Linux counts the child's reaped children in wait4's usage: the figure process is included
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
