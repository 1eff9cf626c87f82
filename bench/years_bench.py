"""A year of daily runs: the warehouse's size and a run's time at run 1, 30, 100 and 365, side by side
with a baseline checkout.

    python bench/years_bench.py [--runs 365] [--every 100] [--rounds 1] [--baseline PATH --baseline-runs 30]

Each run is the pipeline alone (no Prefect, no report: bench/history_bench.py's driver) on the demo,
one figure in ``--every`` (SAM.gov listings and USAspending rows, picked per run by a stable hash)
changing each run. A baseline run for fewer runs than a point is extrapolated from its later runs (a
straight line through runs 5..N, for size and time alike); the output says which points are. Then a
series on unchanged data (``--unchanged-runs``) gives the growth of a run that changes nothing.
Each measured point's run time is also taken in a process of its own ("fresh"): three runs after a copy
of that point's file, as a scheduled run is (the series' one process carries what a long-lived process
gathers). And once more on the same day's data in a new file ("new file"): a run into an empty folder
with the data as the series had it at the point, then the same three runs on. And in "two runs": run
1's file, then one run with the point's data at once, then the same three runs: the record the point's
changes leave (its standing restatements too) written in two runs instead of hundreds. The series'
changes accumulate (a changed figure stays changed, and more program-years get findings as the year
goes on), so a later run has more to do whatever the history: the run at a point against a new file's
run on the same data is what the past runs and their findings cost; against the two-run file's, what the
number of past runs costs. Explanations judge a finding by its agency's fiscal year, so a run must
evaluate again every agency-year where a figure changed: the share of program-years those hold, per run
of the series, is printed too. A 2-core machine's runs of one file vary by
20 % and more from one minute to the next, more than the 10 % the run-time target allows: ``--rounds N`` takes
the fresh, new-file and two-run runs N times, the points alternating round by round, and gives each point's
median and quartiles over all of them (a round adds 4-5 minutes a checkout on the 2-core machine).

At each measured point the file is also taken apart: each table copied alone into a fresh file with
64 KB blocks, so that what the rows themselves take is known apart from free blocks and block
rounding. "Per-run rows" are the tables every run adds to, changed or not (meta.runs and the raw page
rows); the rest of the growth since run 1 is what the changes' own rows take (history versions,
findings and their events, changed response chunks). The target: the file at run 365 at most twice
its size after run 1 plus the changes' own rows. Results go to bench/years_results.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from history_bench import ROOT, growth  # noqa: E402  (bench/ is not a package)

HERE = Path(__file__).resolve().parent
POINTS = (1, 30, 100, 365)
SMOOTH = 2  # a point's run time: the median of the runs within this many of it (one run is noise)
# A point's run time again, in a process of its own: the median of this many runs after a copy of the
# point's file, in each of --rounds rounds. A scheduled run is a process of its own (cron, Prefect's
# runner); the series' one process carries what a long-lived process gathers, which is measured apart so
# that neither hides the other.
FRESH_RUNS = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=365)
    parser.add_argument("--every", type=int, default=100, help="one figure in EVERY changes a run (100: 1%%)")
    parser.add_argument("--baseline", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--baseline-runs", type=int, default=30)
    parser.add_argument("--unchanged-runs", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=1,
                        help="take the fresh, new-file and two-run runs this many times, interleaved (noise)")
    parser.add_argument("--out", type=Path, default=HERE / "years_results.json")
    args = parser.parse_args(argv)
    bases = {"this": (ROOT, args.runs), **({"baseline": (args.baseline.resolve(), args.baseline_runs)}
                                           if args.baseline else {})}
    results: dict[str, dict[str, object]] = {}
    for name, (root, runs) in bases.items():
        print(f"{name} ({root}): {runs} runs, one figure in {args.every} changing each ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="years-bench-") as snaps:
            wanted = tuple(p for p in POINTS if p <= runs)
            changing = growth(root, "changing", runs, args.every, wanted, Path(snaps))
            tables = {p: table_bytes(Path(snaps) / f"run-{p}.duckdb") for p in wanted}
            fresh = _no_runs(wanted)
            # The comparisons on a point's data, each from the file it starts on: none (a new file), or run 1's
            # (the point's record without its runs). The first run fills it; the runs after it are compared.
            compared_from = {"new_file": None, "two_runs": Path(snaps) / "run-1.duckdb"}
            compared = {kind: _no_runs(p for p in wanted if p > 1) for kind in compared_from}
            # Round by round, every point once, so that a slow minute of the machine falls on all of them.
            for _ in range(args.rounds):
                for p in wanted:
                    _extend(fresh[p], growth(root, "changing", FRESH_RUNS, args.every,
                                             after=Path(snaps) / f"run-{p}.duckdb", start=p + 1))
                    for kind, start_file in compared_from.items():
                        if p in compared[kind]:
                            _extend(compared[kind][p], growth(root, "changing", 1 + FRESH_RUNS, args.every,
                                                              after=start_file, start=p), skip=1)
            # From this checkout's own file only: older releases' files may not hold the history it reads.
            touched = touched_share(Path(snaps) / f"run-{wanted[-1]}.duckdb") if name == "this" and wanted else {}
        print(f"{name}: {args.unchanged_runs} runs on unchanged data ...", flush=True)
        unchanged = growth(root, "unchanged", args.unchanged_runs)
        results[name] = {"root": str(root), "changing": changing, "unchanged": unchanged,
                         "points": points(changing, args.runs, tables),
                         "fresh_process": {p: _summary(f) for p, f in fresh.items()},
                         **{kind: {p: _summary(f) for p, f in by_point.items()} for kind, by_point in compared.items()},
                         "touched_share": touched}
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    _print(results)
    return 0


# Tables every run adds rows to whether or not anything changed (in older releases the raw tables held
# the bodies themselves, one copy per run).
PER_RUN_TABLES = ("meta.runs", "raw.sam_page_refs", "raw.usaspending_page_refs", "raw.sam_public_document_refs",
                  "raw.sam_pages", "raw.usaspending_pages", "raw.sam_public_documents")


def table_bytes(path: Path) -> dict[str, int]:
    """What each base table of the file takes on its own, compacted, in 64 KB blocks."""
    out: dict[str, int] = {}
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{path}' AS src (READ_ONLY)")  # bench's own temporary paths, no quotes in them
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'src'").fetchall()
        for schema, table in tables:
            with tempfile.TemporaryDirectory() as scratch:
                con.execute(f"ATTACH '{scratch}/t.duckdb' AS one (BLOCK_SIZE 65536)")
                con.execute(f'CREATE TABLE one.t AS SELECT * FROM src."{schema}"."{table}"')
                con.execute("CHECKPOINT one")
                size, used = con.execute("SELECT block_size, used_blocks FROM pragma_database_size() "
                                         "WHERE database_name = 'one'").fetchall()[0]
                con.execute("DETACH one")
            out[f"{schema}.{table}"] = int(size) * int(used)
    finally:
        con.close()
    return out


def touched_share(path: Path) -> dict[str, float]:
    """Per run of the file, the share of program-years in an agency and fiscal year where the run changed a
    figure: what a run must evaluate again at the least, since explanations judge a finding by its agency's
    year (agency_silent, reported_under_other_aln). The median, least and most over runs 2 on."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        shares = [float(s) for (s,) in con.execute("""
            WITH runs AS (SELECT run_id, row_number() OVER (ORDER BY started_at, run_id) AS n FROM meta.runs
                          WHERE status = 'succeeded'),
            moved AS (SELECT valid_from_run AS run_id, program_number, fiscal_year FROM recon.figure_history
                      UNION
                      SELECT valid_to_run, program_number, fiscal_year FROM recon.figure_history
                      WHERE valid_to_run IS NOT NULL),
            py AS (SELECT program_number, fiscal_year, lower(agency) AS agency FROM recon.program_year),
            touched AS (SELECT DISTINCT m.run_id, p.agency, m.fiscal_year FROM moved AS m JOIN py AS p
                        USING (program_number, fiscal_year))
            SELECT count(p.program_number) / (SELECT count(*) FROM py)
            FROM runs AS r
            LEFT JOIN touched AS t ON t.run_id = r.run_id
            LEFT JOIN py AS p ON p.agency = t.agency AND p.fiscal_year = t.fiscal_year
            WHERE r.n > 1
            GROUP BY r.n""").fetchall()]
    finally:
        con.close()
    return {"median": statistics.median(shares), "min": min(shares), "max": max(shares)} if shares else {}


def points(series: dict[str, list[float]], wanted_runs: int,
           tables: dict[int, dict[str, int]] | None = None) -> list[dict[str, object]]:
    """Size, used bytes and run time at each of POINTS (up to ``wanted_runs``), measured or extrapolated;
    for measured points with ``tables``, what the rows take: per-run rows and the changes' own rows."""
    n = len(series["sizes"])
    out = []
    for point in (p for p in POINTS if p <= wanted_runs):
        if point <= n:
            i = point - 1
            near = series["seconds"][max(0, i - SMOOTH):i + SMOOTH + 1]
            near_cpu = series["cpu"][max(0, i - SMOOTH):i + SMOOTH + 1]
            out.append({"run": point, "measured": True, "size": series["sizes"][i], "used": series["used"][i],
                        "seconds": statistics.median(near), "cpu": statistics.median(near_cpu)})
            if tables and point in tables and 1 in tables:
                first, now = tables[1], tables[point]
                per_run = sum(now.get(t, 0) - first.get(t, 0) for t in PER_RUN_TABLES)
                grown = sum(now.values()) - sum(first.values())
                out[-1].update({"rows_bytes": sum(now.values()), "per_run_rows_growth": per_run,
                                "changes_rows": grown - per_run})
        else:
            out.append({"run": point, "measured": False,
                        **{key: _extrapolate(series[key], point) for key in ("sizes", "used", "seconds", "cpu")}})
            out[-1]["size"] = out[-1].pop("sizes")
    return out


def _no_runs(points: Iterable[int]) -> dict[int, dict[str, list[float]]]:
    return {p: {"seconds": [], "cpu": []} for p in points}


def _extend(into: dict[str, list[float]], series: dict[str, list[float]], skip: int = 0) -> None:
    """Add a few runs' wall and CPU seconds to ``into``, leaving out the first ``skip`` runs."""
    into["seconds"] += series["seconds"][skip:]
    into["cpu"] += series["cpu"][skip:]


def _summary(series: dict[str, list[float]]) -> dict[str, object]:
    """Runs' wall and CPU seconds as their medians, with the CPU quartiles and every run's CPU."""
    q1, _, q3 = statistics.quantiles(series["cpu"], n=4, method="inclusive")
    return {"seconds": statistics.median(series["seconds"]), "cpu": statistics.median(series["cpu"]),
            "cpu_quartiles": [q1, q3], "cpu_runs": series["cpu"]}


def _extrapolate(values: list[float], point: int) -> float:
    xs = list(range(5, len(values) + 1))
    ys = values[4:]
    slope, intercept = statistics.linear_regression(xs, ys)
    return intercept + slope * point


def _quartiles(summary: dict[str, object]) -> str:
    q1, q3 = summary["cpu_quartiles"]  # type: ignore[misc]
    return f"{q1:.2f}-{q3:.2f}"


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f}"


def _print(results: dict[str, dict[str, object]]) -> None:
    print("\nrun   code       file MB   used MB   run s   CPU s  fresh s  fresh CPU  new-file s  new-file CPU"
          "   rows MB  per-run rows MB  changes' rows MB  target MB")
    for name, result in results.items():
        pts = result["points"]  # type: ignore[assignment]
        fresh = result.get("fresh_process", {})  # type: ignore[union-attr]
        new_file = result.get("new_file", {})  # type: ignore[union-attr]
        first = pts[0]["size"] if pts else 0  # type: ignore[index]
        for p in pts:  # type: ignore[union-attr]
            mark = "" if p["measured"] else "  (extrapolated)"
            own = fresh.get(p["run"])  # type: ignore[union-attr]
            alone = f"{own['seconds']:7.2f}  {own['cpu']:9.2f}" if own else " " * 18
            new = new_file.get(p["run"])  # type: ignore[union-attr]
            alone += f"  {new['seconds']:10.2f}  {new['cpu']:12.2f}" if new else " " * 26
            rows = (f"{_mb(p['rows_bytes']):>8}  {_mb(p['per_run_rows_growth']):>15}  {_mb(p['changes_rows']):>16}"
                    f"  {_mb(2 * first + p['changes_rows']):>9}") if "rows_bytes" in p else " " * 53
            print(f"{p['run']:>4}  {name:9} {_mb(p['size']):>8}  {_mb(p['used']):>8}  {p['seconds']:6.2f}  {p['cpu']:6.2f}"
                  f"  {alone}  {rows}{mark}")
    print("\na run's CPU in a process of its own, against run 1's and against a new file's run on the same data:")
    for name, result in results.items():
        fresh, new_file = result.get("fresh_process", {}), result.get("new_file", {})  # type: ignore[union-attr]
        if 1 not in fresh:
            continue
        for run in sorted(r for r in fresh if r in new_file):
            two = result.get("two_runs", {}).get(run)  # type: ignore[union-attr]
            print(f"  {name:9} run {run:>3}: {fresh[run]['cpu'] / fresh[1]['cpu']:.2f}x run 1, "
                  f"{fresh[run]['cpu'] / new_file[run]['cpu']:.2f}x a new file's"
                  + (f", {fresh[run]['cpu'] / two['cpu']:.2f}x the same record in two runs" if two else "")
                  + f" (CPU quartiles over {len(fresh[run]['cpu_runs'])} runs: {_quartiles(fresh[1])} at run 1, "
                  f"{_quartiles(fresh[run])} here, {_quartiles(new_file[run])} new file"
                  + (f", {_quartiles(two)} two runs)" if two else ")"))
        touched = result.get("touched_share")  # type: ignore[union-attr]
        if touched:
            print(f"  {name:9} a run's changes fall in agency-years holding {touched['median']:.0%} of the "  # type: ignore[index]
                  f"program-years (median over runs; {touched['min']:.0%}-{touched['max']:.0%})")  # type: ignore[index]
    print("\nunchanged data, growth per run from run 3 on (file / used):")
    for name, result in results.items():
        u = result["unchanged"]  # type: ignore[index]
        k = len(u["sizes"]) - 3
        print(f"  {name:9} +{(u['sizes'][-1] - u['sizes'][2]) / k / 1e6:.3f} MB / "
              f"+{(u['used'][-1] - u['used'][2]) / k / 1e6:.3f} MB per run")


if __name__ == "__main__":
    sys.exit(main())
