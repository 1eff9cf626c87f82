"""`spendrecon serve`: a schedule really fires. With no PREFECT_API_URL, serve starts its own local
Prefect server (schedules never fire on the temporary one) and stops it when it stops."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import duckdb
import httpx
import pytest

pytestmark = pytest.mark.flow


def _succeeded_runs(warehouse) -> int:
    if not warehouse.exists():
        return 0
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return 0  # being swapped in at this very moment
    try:
        return con.execute("SELECT count(*) FROM meta.runs WHERE status = 'succeeded'").fetchone()[0]
    finally:
        con.close()


def test_serve_runs_the_flow_on_its_cron_schedule_and_cleans_up(tmp_path):
    (tmp_path / "spendrecon.yaml").write_text('fiscal_years: 2019-2023\nschedule:\n  cron: "* * * * *"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SPENDRECON_"))}
    proc = subprocess.Popen([sys.executable, "-m", "spendrecon.cli", "serve", "--demo"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    warehouse = tmp_path / "data" / "spendrecon.duckdb"
    report = tmp_path / "reports" / "latest" / "report.html"
    try:
        deadline = time.monotonic() + 300
        # A run publishes the warehouse first and writes its report after: wait for both, or a
        # SIGTERM sent in between stops the run before its report.
        while time.monotonic() < deadline and not (_succeeded_runs(warehouse) and report.exists()) \
                and proc.poll() is None:
            time.sleep(2)
        assert _succeeded_runs(warehouse) >= 1, "no scheduled run finished within 5 minutes"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            output, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    assert "started a local Prefect server at http://127.0.0.1:" in output
    assert "serving spendrecon-scheduled on cron '* * * * *'" in output
    # Quiet by default: each scheduled run shows its step lines, Prefect's own lines go to its server.
    assert "load and reconcile: 10,852 program-years, 5,008 open findings" in output
    assert "| INFO " not in output
    assert report.exists()
    api_url = re.search(r"local Prefect server at (http://127\.0\.0\.1:\d+/api)", output).group(1)
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{api_url}/health", timeout=2)  # the server went away with serve
