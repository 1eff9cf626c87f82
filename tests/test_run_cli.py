"""`spendrecon run` as a person meets it: refused at once when it cannot work, quiet while it works
(one line per step, Prefect's lines kept for the Prefect server), a summary of what this run asked
for and got, and a failure that ends the process promptly on its one `error:` line."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import duckdb
import httpx
import pytest

from cli_testkit import clean_env
from spendrecon.config import load_settings
from spendrecon.demo.apis import ApiEmulator, Bundle, FaultPlan
from spendrecon.demo.server import EmulatorServer
from spendrecon.pipeline import plan_run
from spendrecon.cli.run_summary import load_run_outcome, run_lines

KEY = "sk-run-cli-test"


def spendrecon(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "spendrecon.cli", *args], cwd=cwd, env=clean_env(**env),
                          capture_output=True, text=True, timeout=600)


RUN_HINT = "hint: 'spendrecon run --help' shows its options and an example"


def _refused_before_prefect(cwd: Path, result: subprocess.CompletedProcess[str], message: str) -> None:
    # A value typed on the command line is a usage error (exit 2, the error line and a hint); the rest exit 1.
    usage = message.startswith("error: --")
    assert result.returncode == (2 if usage else 1)
    assert result.stdout == ""
    assert result.stderr.splitlines() == ([message, RUN_HINT] if usage else [message])
    assert not (cwd / "data" / "prefect").exists()  # Prefect was never configured, let alone started


@pytest.mark.parametrize("args, message", [
    ((), "error: SAM_API_KEY is not set: export your SAM.gov public API key (Account Details on sam.gov), "
         "or try `spendrecon run --demo`"),
    (("--demo", "--programs", "10.10,abc"),
     "error: --programs: 'abc' is not an Assistance Listing number (two digits, a dot and three digits or "
     "letters, e.g. 97.102 or 10.U01)"),
    (("--demo", "--programs", "10.1"), "error: --programs: '10.1' is not an Assistance Listing number "
                                       "(two digits, a dot and three digits or letters, e.g. 97.102 or 10.U01)"),
    (("--demo", "--fiscal-years", "2005"),
     "error: --fiscal-years: FY2005 is before FY2008, which USAspending's search API does not serve; "
     "use usaspending.mode: archive"),
    (("--demo", "--fiscal-years", "2023-2019"), "error: --fiscal-years: fiscal year range '2023-2019' runs backwards"),
    (("--demo", "--demo-vintage", "6"), "error: --demo-vintage: must be one of 1, 2, 3, 4, 5, not 6"),
    (("--demo-vintage", "2"), "error: --demo-vintage: only applies with --demo"),
])
def test_what_cannot_work_is_refused_before_prefect_starts(tmp_path, args, message):
    _refused_before_prefect(tmp_path, spendrecon(tmp_path, "run", *args), message)


def test_config_errors_name_the_file_and_key_in_our_words(tmp_path):
    (tmp_path / "spendrecon.yaml").write_text("fiscal_years: [2005]\nprograms: ['97.102', '12.rd1']\n")
    result = spendrecon(tmp_path, "run", "--demo")
    _refused_before_prefect(tmp_path, result, "error: spendrecon.yaml: fiscal_years: FY2005 is before FY2008, "
                                              "which USAspending's search API does not serve; use usaspending.mode: archive")
    (tmp_path / "spendrecon.yaml").write_text("programs: ['97.102', '12.rd1']\n")
    result = spendrecon(tmp_path, "run", "--demo")
    _refused_before_prefect(tmp_path, result, "error: spendrecon.yaml: programs: write '12.rd1' as '12.RD1', "
                                              "as both sources do")


def test_the_summary_says_what_this_run_asked_for_and_did_not_get(run_flow, tmp_path):
    settings = load_settings(None, environ={}, overrides={
        "fiscal_years": [2022, 2024], "programs": ["97.102", "10.001"], "warehouse": str(tmp_path / "w.duckdb"),
        "data_dir": str(tmp_path / "data"), "reports_dir": str(tmp_path / "reports")})
    run = run_flow(plan_run(settings, demo=True))
    summary = load_run_outcome(settings.warehouse_path, run.run_id)
    assert summary.missing("sam") == ["10.001"] and summary.missing("usaspending") == ["10.001"]
    assert summary.years_without("sam") == [2024] and summary.years_without("usaspending") == [2024]
    assert summary.sam_requests == run.sam_requests > 0
    assert summary.events == {"new": 1}  # 97.102 FY2022: actual_not_in_usaspending
    lines = run_lines(summary)
    assert "programs requested: 2 (97.102, 10.001)" in lines
    assert "  SAM.gov: 1 of 2; not found: 10.001" in lines
    assert "no USAspending data for FY2024" in lines
    assert "findings this run: 1 new, 0 reopened, 0 resolved" in lines


@pytest.mark.flow  # its own temporary Prefect server, as a person's first run starts one: its log is read below
def test_a_demo_run_is_quiet_and_summarises_itself(tmp_path):
    result = spendrecon(tmp_path, "run", "--demo", "--programs", "97.102,10.001")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "SAM.gov: 1 listing (2 pages)" in result.stderr.splitlines()  # one request per program asked for
    announced, *step_lines = result.stderr.splitlines()
    assert announced.startswith(f"creating a new warehouse at {tmp_path / 'data' / 'spendrecon.duckdb'} (the default")
    steps = [line.split(":", 1)[0] for line in step_lines]
    assert sorted(steps) == ["SAM.gov", "USAspending", "load and reconcile", "report"]
    assert "Prefect" not in result.stderr and "INFO" not in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) + len(steps) + 1 <= 25
    assert "  SAM.gov: 1 of 2; not found: 10.001" in lines
    assert "findings this run: 3 new, 0 reopened, 0 resolved" in lines
    # Nothing lost: the run's log lines are in Prefect's database.
    import sqlite3

    con = sqlite3.connect(tmp_path / "data" / "prefect" / "prefect.db")
    try:
        logged = [m for (m,) in con.execute("SELECT message FROM log")]
    finally:
        con.close()
    assert any("SAM.gov: page 1" in m for m in logged)


@pytest.mark.flow
def test_a_failed_run_cancels_its_siblings_and_ends_on_its_error_line(tmp_path, prefect_env):
    # SAM.gov refuses the key (final: a 401 is not retried); USAspending answers 503 (worth a retry).
    bundle = Bundle.load_demo()
    emulator = ApiEmulator(bundle, api_key=KEY, faults=FaultPlan(every_nth={"usaspending": (1, 503)}))
    (tmp_path / "spendrecon.yaml").write_text("http:\n  max_attempts: 1\n")
    with EmulatorServer(emulator) as server:
        result = spendrecon(tmp_path, "run", "--fiscal-years", "2021-2023", SAM_API_KEY="wrong-key",
                            SPENDRECON_SAM_BASE_URL=server.base_url,
                            SPENDRECON_USASPENDING_BASE_URL=server.base_url, **prefect_env)
    assert result.returncode == 1
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert lines[-1].startswith("error: sam: ") and "401" in lines[-1]
    assert sum(line.startswith("error:") for line in lines) == 1
    # Each fiscal year tried once: the 401 ended the run before any retry.
    per_source = Counter(source for source, _path, _status in emulator.request_log)
    assert per_source["sam"] == 1
    assert per_source["usaspending"] <= 3


class _SamRefusesOnceUsaspendingIsPausing(ApiEmulator):
    """USAspending answers 503 (its tasks then pause before their retry); SAM.gov's 401 comes only
    once a USAspending task has failed, so the final failure lands while a sibling is pausing."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.usaspending_failed = threading.Event()

    def handle(self, method, path, query=None, body=None):  # type: ignore[no-untyped-def]
        if "assistance-listings" in path:
            self.usaspending_failed.wait(60)
            time.sleep(0.5)
        response = super().handle(method, path, query, body)
        if "/api/v2/" in path:
            self.usaspending_failed.set()
        return response


@pytest.mark.flow
def test_a_final_failure_cuts_a_siblings_retry_pause_short(tmp_path, monkeypatch, prefect_server):
    import flows.reconcile as reconcile

    monkeypatch.setattr(reconcile, "USASPENDING_RETRY_PAUSES", (600.0, 600.0))  # longer than the join below
    emulator = _SamRefusesOnceUsaspendingIsPausing(Bundle.load_demo(), api_key=KEY,
                                                   faults=FaultPlan(every_nth={"usaspending": (1, 503)}))
    config = tmp_path / "spendrecon.yaml"
    config.write_text("fiscal_years: [2023]\nhttp:\n  max_attempts: 1\n")
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            reconcile.reconcile_flow(config_path=str(config))
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            outcome.append(exc)

    with EmulatorServer(emulator) as server:
        monkeypatch.setenv("SAM_API_KEY", "wrong-key")
        monkeypatch.setenv("SPENDRECON_SAM_BASE_URL", server.base_url)
        monkeypatch.setenv("SPENDRECON_USASPENDING_BASE_URL", server.base_url)
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(240)
        assert not worker.is_alive(), "the failed run waited out its sibling's retry pause"
    assert len(outcome) == 1 and "401" in str(outcome[0])
    assert [s for s, _p, _st in emulator.request_log].count("usaspending") == 1  # the retry never ran


def test_a_report_that_fails_after_publish_leaves_the_run_succeeded_and_says_so(tmp_path, monkeypatch,
                                                                               prefect_server):
    import flows.reconcile as reconcile
    from typer.testing import CliRunner

    from spendrecon.cli import prefect_env
    from spendrecon.cli import app

    def no_room(*args: object) -> None:
        raise OSError(f"No space left on device writing reports (key {KEY})")

    monkeypatch.setattr(reconcile, "write_report", no_room)
    monkeypatch.setattr(prefect_env, "configure_prefect", lambda *a, **k: None)  # the session's server, as set
    monkeypatch.setenv("SAM_API_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", "--demo", "--programs", "97.102"])
    assert result.exit_code == 0, result.output
    assert ("report:      not written (No space left on device writing reports (key ***)); run `spendrecon report`"
            in result.output.splitlines())
    assert KEY not in result.output
    con = duckdb.connect(str(tmp_path / "data" / "spendrecon.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT status, error FROM meta.runs").fetchall() == [("succeeded", None)]
    finally:
        con.close()
    assert not (tmp_path / "reports" / "latest").exists()



class _OfflineTransport:
    """An httpx transport for a machine with no network: every request fails name resolution."""

    def __init__(self) -> None:
        self.hosts: Counter[str] = Counter()

    def __call__(self, request):  # type: ignore[no-untyped-def]
        self.hosts[request.url.host] += 1
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")


def test_an_offline_run_fails_in_seconds_naming_the_network_and_the_host(run_flow, tmp_path, caplog):
    """No network: each source tries a few times, says so once, and the run's error names the host;
    Prefect's task retries (minutes of pauses) are not spent on it."""
    import logging

    from connectors.errors import Unreachable
    from connectors.http import CONNECT_ATTEMPTS
    from conftest import demo_settings

    caplog.set_level(logging.WARNING, logger="spendrecon.http")
    offline = _OfflineTransport()
    settings = demo_settings(tmp_path, fiscal_years=[2022, 2023])
    plan = plan_run(settings, transport=httpx.MockTransport(offline))
    with pytest.raises(Unreachable) as caught:
        run_flow(plan)
    assert "cannot reach api." in str(caught.value) and "network" in str(caught.value)
    # One task attempt per source: the first host to fail ends the run, the other stops where it is.
    assert offline.hosts["api.sam.gov"] <= CONNECT_ATTEMPTS
    assert offline.hosts["api.usaspending.gov"] <= 2 * CONNECT_ATTEMPTS
    told = [r.getMessage() for r in caplog.records if "retrying briefly" in r.getMessage()]
    assert len(told) == len({m.split(":")[0] for m in told}) <= 2  # once per source at most
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        [(status, error)] = con.execute("SELECT status, error FROM meta.runs").fetchall()
    finally:
        con.close()
    assert status == "failed" and "cannot reach api." in error
