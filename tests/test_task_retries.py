"""Prefect's task retries, observed on the wire: a transient failure that outlasted the HTTP layer is
tried once more by its task; a 4xx, or SAM.gov's 429 (the daily quota), is not."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import flows.reconcile as reconcile
from spendrecon.demo.apis import ApiEmulator, Bundle, FaultPlan
from spendrecon.demo.server import EmulatorServer

pytestmark = pytest.mark.flow

KEY = "sk-task-retries-test"


@pytest.fixture
def harness(prefect_server: str) -> None:
    """The session's Prefect server (conftest)."""


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faults: FaultPlan) -> tuple[Counter[str], Any]:
    """One FY2023 run against the emulator with these faults; the requests per source and the outcome."""
    monkeypatch.setattr(reconcile, "USASPENDING_RETRY_PAUSES", (0.0, 0.0))
    monkeypatch.setattr(reconcile, "SAM_RETRY_PAUSES", (0.0,))
    tmp_path.mkdir(parents=True)
    config = tmp_path / "spendrecon.yaml"
    # One HTTP attempt: every retry seen below is Prefect's, not the client's.
    config.write_text(f"fiscal_years: [2023]\nwarehouse: {tmp_path / 'w.duckdb'}\n"
                      f"data_dir: {tmp_path / 'data'}\nreports_dir: {tmp_path / 'reports'}\nhttp:\n  max_attempts: 1\n")
    emulator = ApiEmulator(Bundle.load_demo(), api_key=KEY, faults=faults)
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
