"""`make bench` on a tiny archive: every method runs, they agree, and results.json has the keys the
README and the issue name. Timings are not checked here (that is what `make bench` is for)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_runs_every_method_and_they_agree(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "archive_bench.py"), "--rows", "24000", "--part-rows", "10000",
         "--work-root", str(tmp_path / "work"), "--results", str(results)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    out = json.loads(results.read_text())
    for key in ("rows", "spendrecon_s", "rowwise_s", "duckdb_raw_s", "spendrecon_peak_rss_mb",
                "speedup_vs_rowwise", "ratio_to_duckdb_raw", "floor_s", "floor_speedup_vs_rowwise"):
        assert out[key] is not None, key
    assert out["rows"] == 24000
    # spendrecon, row by row and the raw scan count the same rows and program-years, and spendrecon
    # and the raw scan the same total federal_action_obligation.
    assert out["results_agree"] is True
    assert set(out["cpu_s"]) == {"spendrecon", "rowwise", "duckdb_raw", "duckdb_raw_sums", "floor"}
    assert "floor (inflate + parse, nothing stored) vs row by row" in proc.stdout
    # Nothing is written into the checkout when told to work elsewhere.
    assert not (ROOT / "bench" / "work" / "rows24000_seed7_parts10000").exists()
