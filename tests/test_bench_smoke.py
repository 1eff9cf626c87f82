"""`make bench` and `make bench-profile` on a tiny archive: every method runs, they agree, and
results.json has the keys the README and the issue name. Timings are not checked here (that is what
`make bench` is for)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from archive_bench import agreement  # noqa: E402


def test_benchmark_runs_every_method_and_they_agree(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "archive_bench.py"), "--rows", "24000", "--part-rows", "10000",
         "--work-root", str(tmp_path / "work"), "--results", str(results)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    out = json.loads(results.read_text())
    for key in ("rows", "spendrecon_s", "rowwise_s", "duckdb_raw_s", "by_hand_s", "by_hand_extract_s",
                "by_hand_peak_rss_mb", "spendrecon_peak_rss_mb", "speedup_vs_rowwise", "ratio_to_duckdb_raw",
                "ratio_to_by_hand", "floor_s", "ratio_to_floor", "floor_speedup_vs_rowwise", "insert_only_s",
                "insert_only_to_floor"):
        assert out[key] is not None, key
    assert out["rows"] == 24000
    # Every method counts the same rows and program-years; those that keep amounts the same totals
    # (federal_action_obligation, and the obligations the API would count).
    assert out["results_agree"] is True
    assert set(out["cpu_s"]) == {"spendrecon", "rowwise", "duckdb_raw", "by_hand", "duckdb_raw_sums", "floor",
                                 "insert_only"}
    assert out["runs"][-1]["ratio_to_by_hand"] == out["ratio_to_by_hand"]
    assert "spendrecon vs by_hand (unzip" in proc.stdout
    assert "spendrecon vs the floor:" in proc.stdout
    assert "floor (inflate + parse, nothing stored) vs row by row" in proc.stdout
    assert "methods agree on rows, program_years, fao_total, obligations_total: yes" in proc.stdout
    # Nothing is written into the checkout when told to work elsewhere.
    assert not (ROOT / "bench" / "work" / "rows24000_seed7_parts10000").exists()


def test_the_benchmark_names_a_method_that_disagrees() -> None:
    same = {"rows": 10, "program_years": 2, "fao_total": "5.00"}
    assert agreement({"spendrecon": dict(same), "by_hand": dict(same), "floor": {"rows": 10}}) == (True, [])
    ok, problems = agreement({"spendrecon": dict(same), "by_hand": {**same, "fao_total": "5.01"}})
    assert not ok and problems == ["fao_total: spendrecon 5.00, by_hand 5.01"]


def test_the_profile_runs_every_stage_and_names_every_step(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "archive_profile.py"), "--rows", "24000", "--part-rows", "10000",
         "--repeat", "1", "--work-root", str(tmp_path / "work"), "--results", str(results)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    profile = json.loads(results.read_text())["profile_by_rows"]["24000"]
    assert set(profile["stages"]) == {"inflate", "parse", "project", "check", "ingest"}
    steps = profile["steps"]
    assert list(steps) == ["inflate", "parse", "project", "checks", "insert", "quarantine", "repeated keys",
                           "reconcile", "commit", "checkpoint", "aggregate", "total"]
    assert steps["inflate"]["cpu_s"] > 0 and steps["total"]["wall_s"] > 0
    for step in ("inflate", "insert", "commit", "checkpoint", "aggregate", "total"):
        assert step in proc.stdout
