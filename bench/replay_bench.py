"""The record over time: the demo's five vintages replayed into one warehouse, this checkout side by
side with a baseline (a checkout of an older release), and what each record says after every run.

    python bench/replay_bench.py [--baseline /path/to/checkout]

The vintages are built by this checkout (spendrecon/demo/vintage.py) and handed to each code base as
the same emulated sources, so both read identical answers; an older release that knows no run date
judges timing by the real date. Each code base runs the run's plain steps (no Prefect, no report) in
its own interpreter with its root first on sys.path. Per run it reports: program-years, those with
SAM.gov figures, resolutions (and those in runs where no figure of their program-year changed: no
cause), SAM.gov restatements recorded against those the vintage's definition made, first reports,
figure_restated findings raised, and - this checkout only - verify's violations and seconds.
Results go to bench/replay_results.json.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Runs inside the measured code base's interpreter: only APIs every release since cf07e8a has.
DRIVER = r'''
import json, pickle, sys, time
from datetime import datetime, timezone
from pathlib import Path
import duckdb
from spendrecon.config import load_settings
from spendrecon.demo.apis import ApiEmulator, Bundle
from spendrecon.demo.transport import EmulatorTransport
from spendrecon.pipeline import extract_sam, extract_usaspending, guarded_run, plan_run, publish

folder, vintages, check = Path(sys.argv[1]), pickle.loads(Path(sys.argv[2]).read_bytes()), sys.argv[3] == "verify"
out = []
for v in vintages:
    overrides = {"fiscal_years": v["years"], "warehouse": str(folder / "w.duckdb"), "data_dir": str(folder / "data"),
                 "reports_dir": str(folder / "reports")}
    try:
        settings = load_settings(None, overrides={**overrides, "as_of": v["as_of"]}, environ={})
    except Exception:  # an older release: no run date
        settings = load_settings(None, overrides=overrides, environ={})
    plan = plan_run(settings, demo=True, transport=EmulatorTransport(ApiEmulator(Bundle(**v["bundle"]))))
    t = time.perf_counter()
    with guarded_run(plan) as clients:
        sam = extract_sam(plan, clients.sam)
        usas = [extract_usaspending(plan, clients.usaspending, fy) for fy in plan.scope.fiscal_years]
        clients.count_requests()
        run = publish(plan, sam, usas)
    seconds = time.perf_counter() - t
    con = duckdb.connect(str(folder / "w.duckdb"), read_only=True)
    q = lambda sql: con.execute(sql, {"r": run.run_id} if "$r" in sql else None).fetchall()
    changed = ("EXISTS (SELECT 1 FROM recon.figure_history AS h WHERE h.program_number = e.program_number "
               "AND h.fiscal_year = e.fiscal_year AND (h.valid_from_run = $r OR h.valid_to_run = $r))")
    row = {
        "vintage": v["vintage"], "seconds": seconds,
        "program_years": q("SELECT count(*) FROM recon.program_year")[0][0],
        "with_sam": q("SELECT count(*) FROM recon.program_year WHERE sam_actual IS NOT NULL "
                      "OR sam_estimate IS NOT NULL")[0][0],
        "resolved": q("SELECT count(*) FROM recon.finding_events WHERE run_id = $r AND event = 'resolved'")[0][0],
        "reopened": q("SELECT count(*) FROM recon.finding_events WHERE run_id = $r AND event = 'reopened'")[0][0],
        "flipped_without_figure_change": q(
            "SELECT count(*) FROM recon.finding_events AS e WHERE run_id = $r AND event IN ('resolved', 'reopened') "
            f"AND NOT {changed}")[0][0],
        "reasons": dict(q("SELECT coalesce(reason, '(none)'), count(*) FROM recon.finding_events WHERE run_id = $r "
                          "AND event IN ('resolved', 'reopened') GROUP BY 1 ORDER BY 1")),
        "sam_restated": sorted(q("SELECT DISTINCT program_number, fiscal_year FROM recon.restatements "
                                 "WHERE run_id = $r AND source = 'sam' AND measure = 'actual'")),
        "figure_restated_new": q("SELECT count(*) FROM recon.finding_events WHERE run_id = $r AND event = 'new' "
                                 "AND rule_id = 'figure_restated'")[0][0],
        "history_rows": q("SELECT count(*) FROM recon.figure_history")[0][0],
    }
    try:
        row["first_reports"] = q("SELECT count(*) FROM recon.first_reports WHERE run_id = $r AND source = 'sam' "
                                 "AND measure = 'actual'")[0][0]
    except duckdb.Error:
        row["first_reports"] = None
    con.close()
    if check:  # this checkout only (an older release has no verify)
        from warehouse.db import connect
        from warehouse.verify import verify
        con = connect(folder / "w.duckdb", read_only=True)
        t = time.perf_counter()
        result = verify(con, run.run_id)
        row["verify_seconds"], row["verify_violations"] = time.perf_counter() - t, result.violations
        con.close()
    out.append(row)
print(json.dumps(out))
'''


def vintages() -> list[dict[str, object]]:
    sys.path.insert(0, str(ROOT))
    from spendrecon.demo.vintage import VINTAGE_DATES, VINTAGE_YEARS, VINTAGES, demo_bundle

    return [{"vintage": v, "as_of": VINTAGE_DATES[v].isoformat(), "years": list(VINTAGE_YEARS[v]),
             "bundle": {"sam_listings": demo_bundle(v).sam_listings, "usaspending": demo_bundle(v).usaspending}}
            for v in VINTAGES]


def defined_restatements() -> dict[int, list[tuple[str, int]]]:
    from spendrecon.demo.vintage import VINTAGE_YEARS, VINTAGES, vintage_changes

    out = {}
    for v in VINTAGES:
        c = vintage_changes(v)
        out[v] = sorted(k for k in c.actuals_restated | c.actuals_withdrawn if k[1] in VINTAGE_YEARS[v])
    return out


def replay(code_root: Path, bundles: Path, check: bool) -> list[dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SPENDRECON_", "SAM_API"))}
    env["PYTHONPATH"] = str(code_root)
    with tempfile.TemporaryDirectory(prefix="replay-bench-") as folder:
        out = subprocess.run([sys.executable, "-c", DRIVER, folder, str(bundles), "verify" if check else "-"],
                             cwd=folder, env=env,
                             capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{code_root}: the replay failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, help="a checkout of an older release (e.g. cf07e8a)")
    parser.add_argument("--out", type=Path, default=HERE / "replay_results.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="replay-bundles-") as tmp:
        bundles = Path(tmp) / "vintages.pickle"
        bundles.write_bytes(pickle.dumps(vintages()))
        bases = {"this": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
        results = {name: replay(root, bundles, name == "this") for name, root in bases.items()}
    defined = defined_restatements()
    for rows in results.values():
        for row in rows:
            recorded = {tuple(k) for k in row.pop("sam_restated")}  # type: ignore[union-attr]
            want = set(defined[int(row["vintage"])])  # type: ignore[arg-type]
            row["sam_restated"], row["sam_restated_real"] = len(recorded), len(recorded & want)
            row["sam_restated_defined"] = len(want)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    keys = ("program_years", "with_sam", "resolved", "reopened", "flipped_without_figure_change", "sam_restated",
            "sam_restated_real", "sam_restated_defined", "first_reports", "figure_restated_new", "history_rows",
            "seconds", "verify_violations", "verify_seconds")
    for name, rows in results.items():
        print(f"\n{name}:")
        print("  vintage " + " ".join(f"{k:>14.14}" for k in keys))
        for row in rows:
            cells = [row.get(k) for k in keys]
            print(f"  {row['vintage']:>7} " + " ".join(
                f"{c:>14.2f}" if isinstance(c, float) else f"{'' if c is None else c:>14}" for c in cells))
        for row in rows:
            print(f"  vintage {row['vintage']} reasons: {row['reasons']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
