"""The demo with a past, as a newcomer replays it from the README: two `spendrecon run --demo`
commands (the real CLI and Prefect flow), the second with `--demo-vintage 2`."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.flow


def spendrecon(cwd: Path, *args: str, prefect: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SPENDRECON_", "SAM_API"))}
    env.update(prefect or {})
    return subprocess.run([sys.executable, "-m", "spendrecon.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_replaying_the_later_vintage_shows_carried_figures_restatements_and_late_reporting(
        tmp_path: Path, prefect_env: dict[str, str]) -> None:
    refused = spendrecon(tmp_path, "run", "--demo-vintage", "2")
    assert refused.returncode == 2 and "--demo-vintage: only applies with --demo" in refused.stderr  # a usage error
    first = spendrecon(tmp_path, "run", "--demo", prefect=prefect_env)
    assert first.returncode == 0, first.stderr[-3000:]
    # The whole demo, summary, rule table and triage lines included, fits a screen: at most 25 lines.
    assert len(first.stdout.splitlines()) + len(first.stderr.splitlines()) <= 25, first.stdout + first.stderr
    assert "findings this run: 5,008 new, 0 reopened, 0 resolved" in first.stdout
    assert "triage: leads: 225 program-years (226 findings)" in first.stdout and "Prefect" not in first.stderr
    second = spendrecon(tmp_path, "run", "--demo", "--demo-vintage", "2", prefect=prefect_env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "findings this run: 167 new, 0 reopened, 7 resolved" in second.stdout
    assert len(second.stdout.splitlines()) + len(second.stderr.splitlines()) <= 25, second.stdout + second.stderr
    summary = (tmp_path / "reports" / "latest" / "summary.md").read_text(encoding="utf-8")
    assert "vintage 2" in summary and "late reporting: USAspending now records the money" in summary
    assert "SAM.gov no longer lists 2 program(s)" in summary
    history = spendrecon(tmp_path, "history", "97.102", "--fiscal-year", "2019")
    assert history.returncode == 0
    sam_actual = next(line for line in history.stdout.splitlines() if line.startswith("2019\tsam\tactual\t"))
    assert sam_actual.endswith("\tTrue")  # piped: TSV, whose last column says the figure is carried forward
