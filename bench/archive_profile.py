"""Where an archive ingest's time goes: wall and CPU seconds per step, on the benchmark's archive.

Inflating, parsing, checking and inserting run at once, inside one statement per batch of parts, so
they cannot be timed one by one. They are split by running that statement with parts of it taken
out, each in a fresh process, every stage on top of the one before:

1. inflate   the parts inflated by spendrecon's feeders into its pipes, drained and dropped
2. parse     plus DuckDB's read_csv of every column with spendrecon's column spec (the floor)
3. project   plus the stored columns computed (keys normalised, amounts parsed, fiscal year)
4. check     plus the problem CASE that names what is wrong with a row
5. ingest    the real thing: ``open_store`` + ``ingest_file`` + close, then the aggregate; its
             steps after the load statement (quarantine, repeated keys, reconcile, commit) are
             timed inside it (``warehouse.archive.ingest.StepClock``), its load statement minus
             stage 4 is the insert

CPU is the process's (every thread), measured inside each child around the work only (start-up
and imports excluded). Stages run round-robin ``--repeat`` times so load on a shared machine hits
all alike; the median of each is kept.

    .venv/bin/python bench/archive_profile.py                       # 1,000,000 and 5,000,000 rows
    .venv/bin/python bench/archive_profile.py --rows 1000000 --repeat 1
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

STAGES = ("inflate", "parse", "project", "check", "ingest")
RESULTS = ROOT / "bench" / "results.json"
# The rows of the profile, in order: (step, what it is). Derived from the stages in derive().
STEPS = (
    ("inflate", "inflate the zip members (ISA-L, CRC-checked) into pipes"),
    ("parse", "DuckDB read_csv of all 92 columns from the pipes"),
    ("project", "the 21 stored columns computed: keys normalised, amounts parsed, fiscal year"),
    ("checks", "the problem CASE (missing key/program/date, amount digits) on every row"),
    ("insert", "INSERT into raw.archive_transactions (compression, row groups written)"),
    ("quarantine", "rejects and problem rows to raw.quarantine, rejects tables dropped"),
    ("repeated keys", "the repeated-key check (a hash GROUP BY; the store has no index, no sort)"),
    ("reconcile", "open, order checks, clear the year, rows of other files, rows loaded"),
    ("commit", "file row, COMMIT"),
    ("checkpoint", "closing the store: DuckDB's checkpoint"),
    ("aggregate", "staging.archive_program_year over the store (read-only open, distinct award counts)"),
)


# --- the stages (each in its own child process) ----------------------------------------------


def _statements(zip_path: Path, workers: int) -> tuple[Any, list[list[Any]]]:
    from warehouse.archive.ingest import batches
    from warehouse.archive.reader import read_archive

    contents = read_archive(zip_path)
    return contents, batches(list(contents.parts), workers + 1)


def _feed_and_run(zip_path: Path, work: Path, workers: int, run: Callable[[Sequence[Any], list[Path]], int]) -> int:
    """Every batch of parts through spendrecon's feeders; ``run`` reads the batch's paths."""
    from warehouse.archive.reader import PartFeed, default_transport

    contents, groups = _statements(zip_path, workers)
    rows = 0
    with tempfile.TemporaryDirectory(prefix=".profile-", dir=work) as tmp:
        for batch in groups:
            feed = PartFeed(contents.path, batch, Path(tmp), default_transport())
            with feed as paths:
                rows += run(batch, paths)
            feed.raise_for_errors()
    return rows


def stage_inflate(zip_path: Path, work: Path, workers: int) -> dict[str, Any]:
    def drain(batch: Sequence[Any], paths: list[Path]) -> int:
        def read(path: Path) -> None:
            fd = os.open(path, os.O_RDONLY)
            try:
                while os.read(fd, 1 << 20):
                    pass
            finally:
                os.close(fd)

        threads = [threading.Thread(target=read, args=(p,)) for p in paths]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return 0

    return {"rows": _feed_and_run(zip_path, work, workers, drain)}


def _select_stage(zip_path: Path, work: Path, workers: int, *, stored: bool, checks: bool) -> dict[str, Any]:
    import duckdb

    from warehouse.archive.columns import SOURCES
    from warehouse.archive.parts import PROBLEM, STORED_EXPRS, part_select, reader_columns

    con = duckdb.connect()
    con.execute(f"SET threads = {workers}")
    con.execute("SET preserve_insertion_order = false")
    n = 0

    def run(batch: Sequence[Any], paths: list[Path]) -> int:
        nonlocal n
        params: dict[str, Any] = {"file_id": 1, "file_date": "2024-04-15"}
        selects = []
        for i, (part, path) in enumerate(zip(batch, paths)):
            n += 1
            selects.append(part_select(part, i, f"_rejects_{n}", False))
            params.update({f"columns_{i}": reader_columns(part.header), f"encoding_{i}": "utf-8",
                           f"part_{i}": part.number, f"path_{i}": str(path)})
        inner = " UNION ALL ".join(selects)
        if not stored:
            # The floor: every row parsed by the reader, nothing computed from it.
            sql = f"SELECT count(*) FROM (SELECT 1 FROM ({inner}))"
        else:
            # count() of every stored column makes DuckDB compute each (nothing is pruned) at the
            # least cost an aggregate can add.
            names = [*SOURCES, "file_id", "file_date", "part"]
            outer = [*STORED_EXPRS, *([f"{PROBLEM} AS load_problem"] if checks else [])]
            counted = [*names, *(["load_problem"] if checks else [])]
            sql = (f"SELECT count(*), {', '.join(f'count({c})' for c in counted)} "
                   f"FROM (SELECT {', '.join(outer)} FROM ({inner}))")
        row = con.execute(sql, params).fetchone()
        return int(row[0]) if row else 0

    return {"rows": _feed_and_run(zip_path, work, workers, run)}


def stage_ingest(zip_path: Path, work: Path, workers: int) -> dict[str, Any]:
    from warehouse.archive.ingest import StepClock, ingest_file
    from warehouse.archive.store import open_store

    store = work / "profile_store.duckdb"
    for p in (store, store.with_name(store.name + ".wal")):
        p.unlink(missing_ok=True)
    clock = StepClock()
    # What spendrecon.archive_ingest.ingest_source does with the default settings (1GB), timed.
    with clock.step("open"):
        con = open_store(store, threads=workers, memory_limit="1GB")
    result = ingest_file(con, zip_path, workers=workers, workdir=store.parent, clock=clock)
    with clock.step("checkpoint"):
        con.close()
    with clock.step("aggregate"):
        con = open_store(store, read_only=True)
        row = con.execute("SELECT count(*), sum(transaction_count), sum(federal_action_obligation) "
                          "FROM staging.archive_program_year").fetchone()
        con.close()
    assert row is not None
    for p in (store, store.with_name(store.name + ".wal")):
        p.unlink(missing_ok=True)
    steps = {k: {"wall_s": w, "cpu_s": c} for k, (w, c) in clock.steps.items()}
    return {"rows": int(row[1]), "program_years": row[0], "quarantined": result.rows_quarantined, "steps": steps}


def run_stage(stage: str, zip_path: Path, work: Path, workers: int) -> dict[str, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    if stage == "inflate":
        out = stage_inflate(zip_path, work, workers)
    elif stage == "ingest":
        out = stage_ingest(zip_path, work, workers)
    else:
        out = _select_stage(zip_path, work, workers, stored=stage != "parse", checks=stage == "check")
    out.update({"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu})
    return out


# --- the parent ------------------------------------------------------------------------------


def measure(stage: str, zip_path: Path, work: Path, workers: int) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", stage, "--zip", str(zip_path),
           "--work", str(work), "--workers", str(workers)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"stage {stage} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def derive(stages: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per step (STEPS), wall and CPU seconds, from the stages' medians."""
    ingest = stages["ingest"]["steps"]
    out: dict[str, dict[str, float]] = {}
    for kind in ("wall_s", "cpu_s"):
        s = {k: stages[k][kind] for k in ("inflate", "parse", "project", "check")}
        step = {k: v[kind] for k, v in ingest.items()}
        figures = {
            "inflate": s["inflate"],
            "parse": s["parse"] - s["inflate"],
            "project": s["project"] - s["parse"],
            "checks": s["check"] - s["project"],
            "insert": step["load"] - s["check"],
            "quarantine": step.get("quarantine", 0.0),
            "repeated keys": step.get("repeated keys", 0.0),
            "reconcile": step.get("reconcile", 0.0) + step.get("open", 0.0),
            "commit": step.get("commit", 0.0),
            "checkpoint": step.get("checkpoint", 0.0),
            "aggregate": step.get("aggregate", 0.0),
        }
        for name, value in figures.items():
            out.setdefault(name, {})[kind] = round(value, 2)
    out["total"] = {kind: round(sum(v[kind] for k, v in out.items()), 2) for kind in ("wall_s", "cpu_s")}
    return out


def median_stage(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {k: statistics.median(r[k] for r in runs) for k in ("wall_s", "cpu_s")}
    out["rows"] = runs[0]["rows"]
    if "steps" in runs[0]:
        out["steps"] = {name: {kind: statistics.median(r["steps"][name][kind] for r in runs)
                               for kind in ("wall_s", "cpu_s")} for name in runs[0]["steps"]}
    return out


def profile(rows: int, args: argparse.Namespace) -> dict[str, Any]:
    from archive_bench import _warm, prepare_archive

    work, zip_path = prepare_archive(rows, args.seed, args.part_rows, args.work_root)
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in STAGES}
    loads = []
    for r in range(args.repeat):
        for stage in STAGES:
            os.sync()
            _warm([zip_path])
            loads.append(os.getloadavg()[0])
            result = measure(stage, zip_path, work, args.workers)
            if result["rows"] and result["rows"] != rows:
                raise SystemExit(f"stage {stage} read {result['rows']:,} rows, not {rows:,}")
            runs[stage].append(result)
            print(f"  {rows:,} rows, round {r + 1}, {stage}: {result['wall_s']:.2f} s, {result['cpu_s']:.2f} CPU-s",
                  flush=True)
    stages = {s: median_stage(v) for s, v in runs.items()}
    return {"steps": derive(stages), "stages": {s: {k: round(v[k], 2) for k in ("wall_s", "cpu_s")}
                                                for s, v in stages.items()},
            "repeat": args.repeat, "load_average_1min": [round(x, 2) for x in loads]}


def print_table(by_rows: dict[int, dict[str, Any]]) -> None:
    sizes = sorted(by_rows)
    head = "".join(f"{f'{n / 1e6:g}M CPU-s':>12}{f'{n / 1e6:g}M wall-s':>13}" for n in sizes)
    print(f"\n{'step':<16}{head}")
    for name in [s for s, _ in STEPS] + ["total"]:
        cells = "".join(f"{by_rows[n]['steps'][name]['cpu_s']:>12.2f}{by_rows[n]['steps'][name]['wall_s']:>13.2f}"
                        for n in sizes)
        print(f"{name:<16}{cells}")
    for n in sizes:
        st = by_rows[n]["stages"]
        print(f"{n:,} rows, stages (median of {by_rows[n]['repeat']}): "
              + ", ".join(f"{k} {v['wall_s']:.2f} s / {v['cpu_s']:.2f} CPU-s" for k, v in st.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1000000,5000000", help="comma-separated row counts")
    ap.add_argument("--repeat", type=int, default=3, help="rounds of every stage; the median is kept")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--part-rows", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--work-root", type=Path, default=ROOT / "bench" / "work")
    ap.add_argument("--results", type=Path, default=RESULTS, help="JSON file the profile is merged into")
    ap.add_argument("--child", choices=STAGES, help=argparse.SUPPRESS)
    ap.add_argument("--zip", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(run_stage(args.child, args.zip, args.work, args.workers)))
        return 0

    from archive_bench import machine

    info = machine()
    by_rows = {}
    for rows in (int(r) for r in args.rows.split(",") if r.strip()):
        by_rows[rows] = profile(rows, args)
    print_table(by_rows)
    out: dict[str, Any] = json.loads(args.results.read_text()) if args.results.exists() else {}
    info["load_average_after"] = list(os.getloadavg())
    out.setdefault("profile_by_rows", {}).update({str(n): p for n, p in by_rows.items()})
    out["profile_machine"] = info
    args.results.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
