"""How figure history grows, and what it costs a run: this checkout side by side with a baseline.

    python bench/history_bench.py --baseline /path/to/checkout-of-main [--runs 12] [--rounds 3]

For each code base (this checkout, and the baseline if given), in a fresh folder:

1. ``--runs`` consecutive demo runs on unchanged data, the warehouse file's size after each;
2. ``--runs`` runs in which 2 % of the figures change each time (SAM.gov listings and USAspending
   rows picked per run by a stable hash; their amounts scaled), the size after each;
3. the wall time of ``spendrecon run --demo`` as a user runs it (CLI, Prefect flow, report), a first
   run into an empty folder and a second on top, ``--rounds`` times, alternating code bases;
4. the run's steps alone (no Prefect, no report), first and second run, same rounds.

Each code base runs in its own interpreter with its root first on ``sys.path``, so the baseline's
modules are the ones imported. Results go to bench/history_results.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Runs inside the measured code base's interpreter: only APIs that exist on main too.
DRIVER = r'''
import copy, json, sys, time, zlib
from decimal import Decimal
from pathlib import Path
from spendrecon.config import load_settings
from spendrecon.demo.apis import ApiEmulator, Bundle
from spendrecon.demo.transport import EmulatorTransport
from spendrecon.pipeline import extract_sam, extract_usaspending, guarded_run, plan_run, publish

def steps(plan):
    # The steps alone, one after another (the flow runs them as tasks, in parallel): what publishing
    # and history cost, without Prefect's overhead, on this checkout and on older ones alike.
    with guarded_run(plan) as clients:
        sam = extract_sam(plan, clients.sam)
        usas = [extract_usaspending(plan, clients.usaspending, fy) for fy in plan.scope.fiscal_years]
        clients.count_requests()
        return publish(plan, sam, usas)

mode, folder, runs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
every = int(sys.argv[4]) if len(sys.argv) > 4 else 50  # changing: one figure in `every` changes a run
# runs after which the warehouse file is copied to `snapshots` (bench/years_bench.py measures them)
snapshot_runs = {int(r) for r in sys.argv[5].split(",") if r} if len(sys.argv) > 5 else set()
snapshots = Path(sys.argv[6]) if len(sys.argv) > 6 else None
settings = load_settings(None, overrides={"fiscal_years": [2019, 2020, 2021, 2022, 2023],
    "warehouse": str(folder / "w.duckdb"), "data_dir": str(folder / "data"),
    "reports_dir": str(folder / "reports")}, environ={})
base = Bundle.load_demo()

def picked(*key):
    return zlib.crc32("|".join(map(str, key)).encode()) % every == 0  # 2 % by default

def scaled(value, factor):
    if isinstance(value, Decimal):
        return (value * factor).quantize(Decimal("0.01"))
    if isinstance(value, str):
        try:
            return f"{(Decimal(value) * factor).quantize(Decimal('0.01')):.2f}"
        except Exception:
            return value
    return value

def changed(bundle, i):
    """1 in `every` listings and USAspending rows get new amounts in run i (cumulative, like real restatements)."""
    out = copy.deepcopy(bundle)
    factor = Decimal(1) + Decimal(i) / Decimal(1000)
    for listing in out.sam_listings:
        if not picked(i, listing.get("assistanceListingId")):
            continue
        info = next((v for k, v in listing.items() if k.lower() == "financialinformation"), None) or {}
        for ob in next((v for k, v in info.items() if k.lower() == "obligations"), None) or []:
            values = next((v for k, v in ob.items() if k.lower() == "values"), None)
            cells = values if isinstance(values, list) else list((values or {}).values())
            for cell in cells:
                if isinstance(cell, dict):
                    for k in list(cell):
                        if k.lower() in ("actual", "estimate"):
                            cell[k] = scaled(cell[k], factor)
    for fy, rows in out.usaspending.items():
        for row in rows:
            if picked(i, fy, row.get("code")):
                row["amount"] = scaled(row.get("amount"), factor)
    return out

import duckdb

def used_bytes(path):
    # The file less its free blocks: what the data takes, whatever DuckDB keeps for reuse.
    con = duckdb.connect(str(path), read_only=True)
    try:
        _, _, block_size, _, used, *_ = con.execute("PRAGMA database_size").fetchall()[0]
        return int(block_size) * int(used)
    finally:
        con.close()

# The first run's number: a run after a copied snapshot (bench/years_bench.py) starts where it left off,
# its bundle changed as the series had changed it by then.
start = int(sys.argv[7]) if len(sys.argv) > 7 else 1
sizes, seconds, used, cpu = [], [], [], []
bundle = base
for k in range(2, start):
    if mode == "changing":
        bundle = changed(bundle, k)
for i in range(start, start + runs):
    if mode == "changing" and i > 1:
        bundle = changed(bundle, i)
    t, c = time.perf_counter(), time.process_time()
    steps(plan_run(settings, demo=True, transport=EmulatorTransport(ApiEmulator(bundle))))
    seconds.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)  # all the process's threads: steadier than wall time on a busy machine
    sizes.append(settings.warehouse_path.stat().st_size)
    used.append(used_bytes(settings.warehouse_path))
    if i in snapshot_runs and snapshots is not None:
        import shutil
        shutil.copyfile(settings.warehouse_path, snapshots / f"run-{i}.duckdb")
    if i % 25 == 0:
        print(f"progress: run {i}, {sizes[-1] / 1e6:.1f} MB, {seconds[-1]:.2f} s", flush=True)
print(json.dumps({"sizes": sizes, "seconds": seconds, "used": used, "cpu": cpu}))
'''


def _env(code_root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SPENDRECON_", "SAM_API"))}
    env["PYTHONPATH"] = str(code_root)
    return env


def growth(code_root: Path, mode: str, runs: int, every: int = 50, snapshot_runs: tuple[int, ...] = (),
           snapshots: Path | None = None, *, after: Path | None = None, start: int = 1) -> dict[str, list[float]]:
    """``runs`` pipeline runs in a fresh folder: the file's size, its used bytes and the run's seconds
    after each. ``changing``: one figure in ``every`` changes each run. The file after each run of
    ``snapshot_runs`` is copied to ``snapshots/run-N.duckdb``. With ``after`` (a warehouse file) the runs go
    on from a copy of it, numbered from ``start``, in a process of their own."""
    with tempfile.TemporaryDirectory(prefix="history-bench-") as folder, \
            tempfile.TemporaryFile("w+") as errors:
        if after is not None:
            shutil.copyfile(after, Path(folder) / "w.duckdb")
        proc = subprocess.Popen([sys.executable, "-c", DRIVER, mode, folder, str(runs), str(every),
                                 ",".join(map(str, snapshot_runs)), str(snapshots or ""), str(start)], cwd=folder,
                                env=_env(code_root), stdout=subprocess.PIPE, stderr=errors, text=True)
        assert proc.stdout is not None
        last = ""
        for line in proc.stdout:
            if line.startswith("progress: "):
                print(f"  {code_root.name}: {line.removeprefix('progress: ').strip()}", flush=True)
            elif line.strip():
                last = line
        if proc.wait() != 0:
            errors.seek(0)
            raise SystemExit(f"{code_root}: {mode} runs failed:\n{errors.read()[-3000:]}")
    return json.loads(last)


def cli_demo_seconds(code_root: Path) -> tuple[float, float]:
    """`spendrecon run --demo` twice in a fresh folder: (first, second) wall seconds."""
    times = []
    with tempfile.TemporaryDirectory(prefix="history-bench-cli-") as folder:
        for _ in range(2):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "spendrecon.cli", "run", "--demo"], cwd=folder,
                           env=_env(code_root), capture_output=True, text=True, check=True)
            times.append(time.perf_counter() - t)
    return times[0], times[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, help="a checkout of the code to compare with (e.g. main)")
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "history_results.json")
    args = parser.parse_args(argv)
    bases = {"this": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    results: dict[str, dict[str, object]] = {name: {} for name in bases}
    for name, root in bases.items():
        for mode in ("unchanged", "changing"):
            print(f"{name}: {args.runs} runs, {mode} data ...", flush=True)
            results[name][mode] = growth(root, mode, args.runs)
    cli: dict[str, list[tuple[float, float]]] = {name: [] for name in bases}
    pipe: dict[str, list[tuple[float, float]]] = {name: [] for name in bases}
    for r in range(args.rounds):
        for name, root in bases.items():  # alternating, so drift in machine load hits both alike
            print(f"round {r + 1}: {name} demo run (CLI) ...", flush=True)
            cli[name].append(cli_demo_seconds(root))
            two = growth(root, "unchanged", 2)["seconds"]
            pipe[name].append((two[0], two[1]))
    for name in bases:
        results[name]["cli_demo_seconds"] = cli[name]
        results[name]["pipeline_seconds"] = pipe[name]
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    _print(results, args.runs)
    return 0


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f}"


def _print(results: dict[str, dict[str, object]], runs: int) -> None:
    names = list(results)
    print(f"\nwarehouse size (MB) after run 1 / {runs}, growth per run after the first:")
    for mode in ("unchanged", "changing"):
        for name in names:
            sizes = results[name][mode]["sizes"]  # type: ignore[index]
            per_run = (sizes[-1] - sizes[0]) / max(1, len(sizes) - 1)
            print(f"  {mode:9} {name:8} {_mb(sizes[0]):>6} / {_mb(sizes[-1]):>6}   +{_mb(per_run)} per run")
    print("\nwall seconds, median of rounds (first run, second run):")
    for label, key in (("spendrecon run --demo", "cli_demo_seconds"), ("pipeline only", "pipeline_seconds")):
        for name in names:
            pairs = results[name][key]  # type: ignore[index]
            first = statistics.median(p[0] for p in pairs)
            second = statistics.median(p[1] for p in pairs)
            print(f"  {label:22} {name:8} {first:6.2f}  {second:6.2f}")


if __name__ == "__main__":
    sys.exit(main())
