"""Prefect's task retries, observed on the wire: a transient failure that outlasted the HTTP layer is
tried once more by its task; a 4xx, or SAM.gov's 429 (the daily quota), is not."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

import flows.reconcile as reconcile
from connectors.errors import BudgetExceeded, MalformedPayload
from spendrecon.demo.apis import ApiEmulator, Bundle, FaultPlan
from spendrecon.demo.server import EmulatorServer
from spendrecon.run_errors import RunError

pytestmark = pytest.mark.flow

KEY = "sk-task-retries-test"


@pytest.fixture
def harness(prefect_server: str) -> None:
    """The session's Prefect server (conftest)."""


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faults: FaultPlan, *,
         emulator_type: type[ApiEmulator] = ApiEmulator) -> tuple[Counter[str], Any]:
    """One FY2023 run against the emulator with these faults; the requests per source and the outcome."""
    monkeypatch.setattr(reconcile, "USASPENDING_RETRY_PAUSES", (0.0, 0.0))
    monkeypatch.setattr(reconcile, "SAM_RETRY_PAUSES", (0.0,))
    tmp_path.mkdir(parents=True)
    config = tmp_path / "spendrecon.yaml"
    # One HTTP attempt: every retry seen below is Prefect's, not the client's.
    config.write_text(f"fiscal_years: [2023]\nwarehouse: {tmp_path / 'w.duckdb'}\n"
                      f"data_dir: {tmp_path / 'data'}\nreports_dir: {tmp_path / 'reports'}\nhttp:\n  max_attempts: 1\n")
    emulator = emulator_type(Bundle.load_demo(), api_key=KEY, faults=faults)
    with EmulatorServer(emulator) as server:
        monkeypatch.setenv("SAM_API_KEY", KEY)
        monkeypatch.setenv("SPENDRECON_SAM_BASE_URL", server.base_url)
        monkeypatch.setenv("SPENDRECON_USASPENDING_BASE_URL", server.base_url)
        try:
            outcome: Any = reconcile.reconcile_flow(config_path=str(config))
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome = exc
    return Counter(source for source, _path, _status in emulator.request_log), outcome


def test_task_retries_happen_for_transient_failures_only(harness: None, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    clean, outcome = _run(tmp_path / "clean", monkeypatch, FaultPlan())
    assert isinstance(outcome, dict) and outcome["report_error"] is None
    assert clean["sam"] >= 1 and clean["usaspending"] >= 1

    # A 503 on the first USAspending request: the HTTP layer gives up (one attempt), the task retries
    # and the run succeeds with exactly one request more.
    retried, outcome = _run(tmp_path / "503", monkeypatch, FaultPlan(fail_first={"usaspending": [503]}))
    assert isinstance(outcome, dict), outcome
    assert retried["usaspending"] == clean["usaspending"] + 1

    # The same on SAM.gov's side (a 503 is an outage, not the quota).
    retried, outcome = _run(tmp_path / "sam503", monkeypatch, FaultPlan(fail_first={"sam": [503]}))
    assert isinstance(outcome, dict), outcome
    assert retried["sam"] == clean["sam"] + 1

    # A 404 is final: asked once, and the run fails naming it.
    refused, outcome = _run(tmp_path / "404", monkeypatch, FaultPlan(fail_first={"usaspending": [404, 404, 404]}))
    assert isinstance(outcome, Exception) and "404" in str(outcome)
    assert refused["usaspending"] == 1

    # SAM.gov's 429 is its daily quota: another attempt would only spend more of it.
    quota, outcome = _run(tmp_path / "429", monkeypatch, FaultPlan(fail_first={"sam": [429, 429]}))
    assert isinstance(outcome, Exception) and "429" in str(outcome)
    assert quota["sam"] == 1


class _NotJson(ApiEmulator):
    """USAspending answers 200 with an HTML page: a malformed payload, which another attempt cannot mend."""

    def handle(self, method, path, query=None, body=None):  # type: ignore[no-untyped-def]
        if "/api/v2/" in path:
            self.request_log.append(("usaspending", path, 200))
            return 200, {"Content-Type": "application/json"}, b"<html>upstream proxy error</html>"
        return super().handle(method, path, query, body)


def test_a_malformed_payload_is_not_retried(harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked, outcome = _run(tmp_path / "run", monkeypatch, FaultPlan(), emulator_type=_NotJson)
    assert isinstance(outcome, MalformedPayload), outcome
    assert "is not JSON" in str(outcome)
    assert asked["usaspending"] == 1


def test_the_sam_budget_stops_the_run_once_and_the_next_run_spends_nothing(harness: None, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "spendrecon.yaml"
    config.write_text(f"fiscal_years: [2023]\nwarehouse: {tmp_path / 'w.duckdb'}\ndata_dir: {tmp_path / 'data'}\n"
                      f"reports_dir: {tmp_path / 'reports'}\nsam:\n  daily_request_budget: 1\n")
    emulator = ApiEmulator(Bundle.load_demo(), api_key=KEY)
    with EmulatorServer(emulator) as server:
        monkeypatch.setenv("SAM_API_KEY", KEY)
        monkeypatch.setenv("SPENDRECON_SAM_BASE_URL", server.base_url)
        monkeypatch.setenv("SPENDRECON_USASPENDING_BASE_URL", server.base_url)
        # The demo's listings take 24 pages: page 1 says so, and a budget of 1 cannot fetch the rest.
        # Final: no task retry.
        with pytest.raises(BudgetExceeded, match="SAM.gov: 23 more requests needed to page 2,308 listings but "
                                                 "only 0 remain of today's budget"):
            reconcile.reconcile_flow(config_path=str(config))
        assert [source for source, _path, _status in emulator.request_log].count("sam") == 1
        # The same day, the same service: the failed run's request counts, so nothing is left to spend.
        with pytest.raises(RunError, match=r"SAM.gov daily request budget \(1\) is already spent today by "
                                           r"earlier runs"):
            reconcile.reconcile_flow(config_path=str(config))
    assert [source for source, _path, _status in emulator.request_log].count("sam") == 1
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        runs = con.execute("SELECT status, sam_requests FROM meta.runs ORDER BY started_at").fetchall()
    finally:
        con.close()
    assert runs == [("failed", 1), ("failed", 0)]
