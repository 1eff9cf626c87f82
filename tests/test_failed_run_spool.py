"""What was fetched is kept: a run that fails after a source answered keeps that source's pages in raw
(never in figures), and a run killed outright is recorded by the next run as one that never finished,
its pages kept and its SAM.gov requests counted against the day's budget - before and after it is
recorded."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import httpx
import pytest

from spendrecon.config import load_settings
from spendrecon.demo.apis import SAM_SEARCH_PATH, USASPENDING_CFDA_PATH, ApiEmulator
from spendrecon.demo.transport import EmulatorTransport
from spendrecon.demo.vintage import demo_bundle
from spendrecon.pipeline import (RunPlan, extract_sam, extract_usaspending, guarded_run, plan_run, publish,
                                 sam_budget_left)
from warehouse.spool import spool_root

YEARS = [2022, 2023]
FIGURES = ("recon.program_year", "recon.findings", "recon.figure_history", "staging.sam_obligations",
           "staging.usaspending_program_year")


class UsaspendingRefuses(EmulatorTransport):
    """The demo's services, except that USAspending answers every request with a 400 (not retried)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == USASPENDING_CFDA_PATH:
            return httpx.Response(400, json={"detail": "refused by the test"}, request=request)
        return super().handle_request(request)


class SamRefusesPageThree(EmulatorTransport):
    """SAM.gov answers its first two pages, then refuses the third (a 400: not retried)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == SAM_SEARCH_PATH and request.url.params.get("pageNumber") == "3":
            return httpx.Response(400, json={"detail": "refused by the test"}, request=request)
        return super().handle_request(request)


def _plan(folder: Path, transport: httpx.BaseTransport) -> RunPlan:
    # A live run (mode live: its SAM.gov requests are metered) against the demo's emulator.
    settings = load_settings(None, overrides={
        "fiscal_years": YEARS, "warehouse": str(folder / "w.duckdb"), "data_dir": str(folder / "data"),
        "reports_dir": str(folder / "reports"), "http": {"max_attempts": 1}}, environ={})
    return plan_run(settings, transport=transport)


def _run(plan: RunPlan):  # type: ignore[no-untyped-def]
    with guarded_run(plan) as clients:
        sam = extract_sam(plan, clients.sam)
        usas = [extract_usaspending(plan, clients.usaspending, fy) for fy in plan.scope.fiscal_years]
        clients.count_requests()
        return publish(plan, sam, usas)


def _snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in FIGURES}
    finally:
        con.close()


def _rows(path: Path, sql: str, params: dict[str, object] | None = None) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture(autouse=True)
def _sam_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAM_API_KEY", "spool-test-key")  # the emulator wants a key; any will do


def test_a_run_whose_usaspending_failed_keeps_sam_gov_pages_in_raw_and_changes_no_figure(tmp_path: Path) -> None:
    good = EmulatorTransport(ApiEmulator(demo_bundle(1)))
    first = _run(_plan(tmp_path, good))
    warehouse = tmp_path / "w.duckdb"
    figures = _snapshot(warehouse)
    first_figures = _rows(warehouse, "SELECT program_number, fiscal_year, sam_actual, sam_estimate, "
                                     "usaspending_obligations FROM recon.program_year ORDER BY ALL")

    failing = _plan(tmp_path, UsaspendingRefuses(ApiEmulator(demo_bundle(2))))  # SAM.gov's next snapshot
    with pytest.raises(Exception, match="400"):
        _run(failing)

    assert _snapshot(warehouse) == figures
    status = _rows(warehouse, "SELECT run_id, status, sam_requests FROM meta.runs ORDER BY started_at")
    assert [s for _, s, _ in status] == ["succeeded", "failed"]
    kept = _rows(warehouse, "SELECT count(*), count(DISTINCT body::VARCHAR) FROM raw.sam_pages WHERE run_id = $r",
                 {"r": failing.run.run_id})[0]
    assert kept[0] == status[1][2] > 0  # every SAM.gov page it was answered, one request each
    assert _rows(warehouse, "SELECT count(*) FROM raw.sam_pages WHERE run_id = $r", {"r": first.run_id}) == \
        _rows(warehouse, "SELECT count(*) FROM raw.sam_pages WHERE run_id = $r", {"r": failing.run.run_id})
    assert not spool_root(warehouse).exists()

    # The next successful run takes its figures from what it fetched, never from the failed run's pages.
    third = _run(_plan(tmp_path, EmulatorTransport(ApiEmulator(demo_bundle(1)))))
    assert third.findings_resolved == 0 and third.findings_new == 0
    figures_of = ("SELECT program_number, fiscal_year, sam_actual, sam_estimate, usaspending_obligations "
                  "FROM recon.program_year ORDER BY ALL")
    assert _rows(warehouse, figures_of) == first_figures


def test_an_extraction_failing_half_way_keeps_the_pages_it_was_answered(tmp_path: Path) -> None:
    _run(_plan(tmp_path, EmulatorTransport(ApiEmulator(demo_bundle(1)))))
    warehouse = tmp_path / "w.duckdb"
    figures = _snapshot(warehouse)
    failing = _plan(tmp_path, SamRefusesPageThree(ApiEmulator(demo_bundle(2))))
    with pytest.raises(Exception, match="400"):
        _run(failing)
    assert _snapshot(warehouse) == figures
    kept = _rows(warehouse, "SELECT page_number, status_code FROM raw.sam_pages WHERE run_id = $r ORDER BY 1",
                 {"r": failing.run.run_id})
    assert kept == [(1, 200), (2, 200)]  # what SAM.gov answered before it refused


_KILLED_AFTER_SAM = r"""
import os, signal, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from tests.test_failed_run_spool import _plan
from spendrecon.demo.apis import ApiEmulator
from spendrecon.demo.transport import EmulatorTransport
from spendrecon.demo.vintage import demo_bundle
from spendrecon.pipeline import extract_sam, extract_usaspending, guarded_run

plan = _plan(Path(sys.argv[1]), EmulatorTransport(ApiEmulator(demo_bundle(2))))
with guarded_run(plan) as clients:
    extract_sam(plan, clients.sam)
    extract_usaspending(plan, clients.usaspending, 2022)
    os.kill(os.getpid(), signal.SIGKILL)  # killed outright: no except, no finally runs
"""


def test_a_run_killed_outright_is_recorded_by_the_next_with_its_pages_and_requests(tmp_path: Path) -> None:
    good = EmulatorTransport(ApiEmulator(demo_bundle(1)))
    _run(_plan(tmp_path, good))
    warehouse = tmp_path / "w.duckdb"
    figures = _snapshot(warehouse)

    killed = subprocess.run([sys.executable, "-c", _KILLED_AFTER_SAM, str(tmp_path), str(Path(__file__).parents[1])],
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert _snapshot(warehouse) == figures
    assert [s for (s,) in _rows(warehouse, "SELECT status FROM meta.runs")] == ["succeeded"]
    (left,) = list(spool_root(warehouse).iterdir())

    # Its requests count against today's budget already, while it is only in the spool ...
    plan = _plan(tmp_path, EmulatorTransport(ApiEmulator(demo_bundle(1))))
    spent = _rows(warehouse, "SELECT sam_requests FROM meta.runs")[0][0]
    before_recorded = sam_budget_left(plan)
    budget = plan.settings.sam.daily_request_budget
    killed_sam = budget - spent - before_recorded
    assert killed_sam == spent  # the same listings, the same number of pages

    # ... and the next run records it: failed, never finished, its pages in raw, its requests counted.
    run = _run(_plan(tmp_path, EmulatorTransport(ApiEmulator(demo_bundle(1)))))
    assert any("never finished" in w and left.name in w for w in run.warnings), run.warnings
    rows = _rows(warehouse, "SELECT run_id, status, sam_requests, usaspending_requests, finished_at, error "
                            "FROM meta.runs WHERE run_id = $r", {"r": left.name})
    assert len(rows) == 1
    _, status, sam_requests, usaspending_requests, finished_at, error = rows[0]
    assert (status, sam_requests, finished_at) == ("failed", killed_sam, None)
    assert usaspending_requests > 0 and "never finished" in error and run.run_id in error
    pages = _rows(warehouse, "SELECT (SELECT count(*) FROM raw.sam_pages WHERE run_id = $r), "
                             "(SELECT count(DISTINCT fiscal_year) FROM raw.usaspending_pages WHERE run_id = $r)",
                  {"r": left.name})[0]
    assert pages == (killed_sam, 1)
    assert not spool_root(warehouse).exists()
    assert sam_budget_left(_plan(tmp_path, good)) == budget - spent - killed_sam - run.sam_requests
