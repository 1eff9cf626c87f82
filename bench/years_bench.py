"""A year of daily runs: the warehouse's size and a run's time at run 1, 30, 100 and 365, side by side
with a baseline checkout.

    python bench/years_bench.py [--runs 365] [--every 100] [--baseline PATH --baseline-runs 30]

Each run is the pipeline alone (no Prefect, no report: bench/history_bench.py's driver) on the demo,
one figure in ``--every`` (SAM.gov listings and USAspending rows, picked per run by a stable hash)
changing each run. A baseline run for fewer runs than a point is extrapolated from its later runs (a
straight line through runs 5..N, for size and time alike); the output says which points are. Then a
series on unchanged data (``--unchanged-runs``) gives the growth of a run that changes nothing.
Results go to bench/years_results.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from history_bench import ROOT, growth  # noqa: E402  (bench/ is not a package)

HERE = Path(__file__).resolve().parent
POINTS = (1, 30, 100, 365)
SMOOTH = 2  # a point's run time: the median of the runs within this many of it (one run is noise)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=365)
    parser.add_argument("--every", type=int, default=100, help="one figure in EVERY changes a run (100: 1%%)")
    parser.add_argument("--baseline", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--baseline-runs", type=int, default=30)
    parser.add_argument("--unchanged-runs", type=int, default=12)
    parser.add_argument("--out", type=Path, default=HERE / "years_results.json")
    args = parser.parse_args(argv)
    bases = {"this": (ROOT, args.runs), **({"baseline": (args.baseline.resolve(), args.baseline_runs)}
                                           if args.baseline else {})}
    results: dict[str, dict[str, object]] = {}
    for name, (root, runs) in bases.items():
        print(f"{name} ({root}): {runs} runs, one figure in {args.every} changing each ...", flush=True)
        changing = growth(root, "changing", runs, args.every)
        print(f"{name}: {args.unchanged_runs} runs on unchanged data ...", flush=True)
        unchanged = growth(root, "unchanged", args.unchanged_runs)
        results[name] = {"root": str(root), "changing": changing, "unchanged": unchanged,
                         "points": points(changing, args.runs)}
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    _print(results)
    return 0


def points(series: dict[str, list[float]], wanted_runs: int) -> list[dict[str, object]]:
    """Size, used bytes and run time at each of POINTS (up to ``wanted_runs``), measured or extrapolated."""
    n = len(series["sizes"])
    out = []
    for point in (p for p in POINTS if p <= wanted_runs):
        if point <= n:
            i = point - 1
            near = series["seconds"][max(0, i - SMOOTH):i + SMOOTH + 1]
            out.append({"run": point, "measured": True, "size": series["sizes"][i], "used": series["used"][i],
                        "seconds": statistics.median(near)})
        else:
            out.append({"run": point, "measured": False,
                        **{key: _extrapolate(series[key], point) for key in ("sizes", "used", "seconds")}})
            out[-1]["size"] = out[-1].pop("sizes")
    return out


def _extrapolate(values: list[float], point: int) -> float:
    xs = list(range(5, len(values) + 1))
    ys = values[4:]
    slope, intercept = statistics.linear_regression(xs, ys)
    return intercept + slope * point


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f}"


def _print(results: dict[str, dict[str, object]]) -> None:
    print("\nrun   code       file MB   used MB   run s")
    for name, result in results.items():
        for p in result["points"]:  # type: ignore[union-attr]
            mark = "" if p["measured"] else "  (extrapolated)"
            print(f"{p['run']:>4}  {name:9} {_mb(p['size']):>8}  {_mb(p['used']):>8}  {p['seconds']:6.2f}{mark}")
    print("\nunchanged data, growth per run from run 3 on (file / used):")
    for name, result in results.items():
        u = result["unchanged"]  # type: ignore[index]
        k = len(u["sizes"]) - 3
        print(f"  {name:9} +{(u['sizes'][-1] - u['sizes'][2]) / k / 1e6:.3f} MB / "
              f"+{(u['used'][-1] - u['used'][2]) / k / 1e6:.3f} MB per run")


if __name__ == "__main__":
    sys.exit(main())
