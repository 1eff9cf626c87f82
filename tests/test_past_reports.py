"""A past report is that report: `spendrecon report --run-id N` rebuilds the findings.csv and summary.md
that run N wrote, byte for byte, for every run of the demo's five vintages replayed into one warehouse.

The replay is a scheduled user's record: each vintage run through the flow with its own date and window,
reviews given with `spendrecon annotate` between runs (one of them goes stale when SAM.gov restates its
figure, another is given after the last run), one rule switched off for a run and back on, and vintage 5
run twice (the second run changes nothing). Each run's two files are kept as the run wrote them; then the
real command rebuilds every run's report and the files must be the same bytes.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from spendrecon.config import load_settings
from spendrecon.demo.transport import VINTAGES
from spendrecon.demo.vintage import vintage_changes
from spendrecon.pipeline import plan_run
from tests.conftest import RunFlow

pytestmark = pytest.mark.flow

FILES = ("summary.md", "findings.csv")
SWITCHED_OFF = "actual_not_in_usaspending"  # off for vintage 2, the vintage whose late reporting resolves it
OFF_FOR = 2
AFTER_LAST = ("97.102", 2024)  # reviewed after the last run: the newest run's rebuild leaves it out
# Vintage 5 a second time: a run on unchanged data.
REPLAY = (*VINTAGES, VINTAGES[-1])


@dataclass
class Replay:
    folder: Path
    config: Path
    warehouse: Path
    runs: list[str] = field(default_factory=list)  # in order, one per REPLAY entry
    written: dict[str, dict[str, bytes]] = field(default_factory=dict)  # run -> file -> bytes as the run wrote it
    stale_key: tuple[str, int] = ("", 0)  # the accepted amount_mismatch SAM.gov restates in vintage 2


def spendrecon(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SPENDRECON_", "SAM_API"))}
    return subprocess.run([sys.executable, "-m", "spendrecon.cli", *args], cwd=cwd, env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=600)


def _config(folder: Path, name: str, extra: str = "") -> Path:
    path = folder / name
    path.write_text(f"warehouse: {folder / 'w.duckdb'}\ndata_dir: {folder / 'data'}\n"
                    f"reports_dir: {folder / 'reports'}\n{extra}", encoding="utf-8")
    return path


def _annotate(replay: Replay, aln: str, year: int, *args: str) -> None:
    done = spendrecon(replay.folder, "annotate", aln, str(year), *args, "--author", "analyst", "-c", str(replay.config))
    assert done.returncode == 0, done.stderr


def _restated_mismatch(warehouse: Path) -> tuple[str, int]:
    """An open amount_mismatch whose SAM.gov actual vintage 2 restates: its review will go stale."""
    restated = sorted(vintage_changes(2).actuals_restated)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        open_ = set(con.execute("SELECT program_number, fiscal_year FROM recon.findings "
                                "WHERE rule_id = 'amount_mismatch' AND status <> 'resolved'").fetchall())
    finally:
        con.close()
    return next(key for key in restated if key in open_)


@pytest.fixture(scope="module")
def replay(run_flow: RunFlow, prefect_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Replay:
    folder = tmp_path_factory.mktemp("past-reports")
    config = _config(folder, "spendrecon.yaml")
    rule_off = _config(folder, "rule-off.yaml", f"rules:\n  {SWITCHED_OFF}:\n    enabled: false\n")
    replay = Replay(folder, config, folder / "w.duckdb")
    for i, vintage in enumerate(REPLAY):
        settings = load_settings(rule_off if vintage == OFF_FOR else config, environ={})
        run = run_flow(plan_run(settings, demo=True, demo_vintage=vintage))
        assert run.status == "succeeded", run
        replay.runs.append(run.run_id)
        replay.written[run.run_id] = {name: (folder / "reports" / run.run_id / name).read_bytes() for name in FILES}
        if i == 0:  # reviews between runs 1 and 2: one stays as it was, one goes stale when SAM.gov restates
            replay.stale_key = _restated_mismatch(replay.warehouse)
            _annotate(replay, "97.102", 2022, "-s", "accepted", "-m", "Obligated in FY2023, per DHS")
            _annotate(replay, *replay.stale_key, "-s", "accepted", "-r", "amount_mismatch", "-m", "timing | *gap*")
        if i == 2:  # a program-year review between runs 3 and 4
            _annotate(replay, "97.102", 2023, "-s", "disputed", "-m", "estimate is stale")
    # A review given after the last run is the warehouse's now, not part of what that run wrote (FY2024
    # is in the last run's window, so its findings are in the files the rebuild must match).
    _annotate(replay, *AFTER_LAST, "-s", "disputed", "-m", "given after the last run")
    return replay


@pytest.mark.parametrize("index", range(len(REPLAY)),
                         ids=[f"vintage{v}" + ("-again" if i == len(VINTAGES) else "") for i, v in enumerate(REPLAY)])
def test_report_run_id_rebuilds_what_the_run_wrote_byte_for_byte(replay: Replay, index: int) -> None:
    run_id = replay.runs[index]
    done = spendrecon(replay.folder, "report", "--run-id", run_id, "-c", str(replay.config))
    assert done.returncode == 0, done.stderr
    for name in FILES:
        rebuilt = (replay.folder / "reports" / run_id / name).read_bytes()
        assert rebuilt == replay.written[run_id][name], _first_difference(replay.written[run_id][name], rebuilt, name)
    assert os.readlink(replay.folder / "reports" / "latest") == replay.runs[-1]  # latest stays the newest


def _first_difference(written: bytes, rebuilt: bytes, name: str) -> str:
    for i, (a, b) in enumerate(zip(written.decode().splitlines(), rebuilt.decode().splitlines())):
        if a != b:
            return f"{name} line {i + 1}:\n  written: {a}\n  rebuilt: {b}"
    return f"{name}: {len(written)} bytes written, {len(rebuilt)} rebuilt"


def _rows(replay: Replay, run: int) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(replay.written[replay.runs[run]]["findings.csv"].decode())))


def _summary(replay: Replay, run: int) -> str:
    return replay.written[replay.runs[run]]["summary.md"].decode()


def test_the_replay_covers_reviews_their_staleness_and_a_rule_switched_off(replay: Replay) -> None:
    """What the byte-for-byte test holds was really there to get wrong: without this, it could pass on
    files that never showed a review or a switched-off rule."""
    second = {(r["program_number"], int(r["fiscal_year"]), r["rule_id"]): r for r in _rows(replay, 1)}
    seed = second[("97.102", 2022, "actual_not_in_usaspending")]
    assert (seed["review_status"], seed["review_note"], seed["rule_disabled"]) == (
        "accepted", "Obligated in FY2023, per DHS", "True")
    stale = second[(*replay.stale_key, "amount_mismatch")]
    assert stale["review_status"] == "needs-review" and stale["review_stale"] == "True"
    assert stale["stale_review"].startswith("accepted at $") and stale["review_note"] == "timing | *gap*"
    assert "kept aside: rule switched off (actual\\_not\\_in\\_usaspending)" in _summary(replay, 1)
    assert "Reviews to look at again: 0" not in _summary(replay, 1)
    # Switched back on in run 3, the rule resolves what USAspending reported while it was off, dated then.
    con = duckdb.connect(str(replay.warehouse), read_only=True)
    try:
        dated = con.execute("SELECT count(*) FROM recon.finding_events WHERE run_id = $r AND rule_id = $rule "
                            "AND event = 'resolved' AND cause_run_id = $off",
                            {"r": replay.runs[2], "rule": SWITCHED_OFF, "off": replay.runs[1]}).fetchone()[0]
    finally:
        con.close()
    assert dated > 0
    assert {r["rule_disabled"] for r in _rows(replay, 2)} == {"False"}
    fourth = {(r["program_number"], int(r["fiscal_year"]), r["rule_id"]): r for r in _rows(replay, 3)}
    assert {r["review_status"] for k, r in fourth.items() if k[:2] == ("97.102", 2023)} == {"disputed"}
    # The review given after the last run is in the warehouse now, on findings the last run's files show
    # without it: rebuilding the newest run as the warehouse stands would not give the bytes it wrote.
    last = [r for r in _rows(replay, len(REPLAY) - 1) if (r["program_number"], int(r["fiscal_year"])) == AFTER_LAST]
    assert last and {r["review_status"] for r in last} == {""}
    con = duckdb.connect(str(replay.warehouse), read_only=True)
    try:
        now = con.execute("SELECT DISTINCT review_note FROM recon.findings WHERE program_number = $p "
                          "AND fiscal_year = $y", {"p": AFTER_LAST[0], "y": AFTER_LAST[1]}).fetchall()
    finally:
        con.close()
    assert now == [("given after the last run",)]
    # The rebuilt runs differ from one another: none of them is today's state.
    assert len({files["findings.csv"] for files in replay.written.values()}) == len(REPLAY)


def test_a_run_on_unchanged_data_adds_no_version(replay: Replay) -> None:
    con = duckdb.connect(str(replay.warehouse), read_only=True)
    try:
        opened = {table: con.execute(f"SELECT count(*) FROM recon.{table} WHERE valid_from_run = $r",
                                     {"r": replay.runs[-1]}).fetchone()[0]
                  for table in ("finding_versions", "program_year_versions", "program_year_triage_versions")}
        first = con.execute("SELECT count(*) FROM recon.finding_versions WHERE valid_from_run = $r",
                            {"r": replay.runs[0]}).fetchone()[0]
        findings = con.execute("SELECT count(*) FROM recon.findings").fetchone()[0]
    finally:
        con.close()
    assert opened == dict.fromkeys(opened, 0)
    assert 0 < first < findings  # one version per finding of the first run; later findings came later


def test_the_record_verifies_after_the_replay(replay: Replay) -> None:
    done = spendrecon(replay.folder, "verify", "--all-runs", "-c", str(replay.config))
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_run_from_before_the_versions_is_rebuilt_from_its_events_and_says_so(replay: Replay,
                                                                               tmp_path: Path) -> None:
    """A warehouse an earlier release wrote has no versions for its runs (meta.runs.versioned NULL): the
    report is rebuilt from the findings' events, as before, and its summary says what that leaves out."""
    shutil.copyfile(replay.warehouse, tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("UPDATE meta.runs SET versioned = NULL WHERE run_id = $r", {"r": replay.runs[1]})
    con.close()
    config = _config(tmp_path, "spendrecon.yaml")
    done = spendrecon(tmp_path, "report", "--run-id", replay.runs[1], "-c", str(config))
    assert done.returncode == 0, done.stderr
    summary = (tmp_path / "reports" / replay.runs[1] / "summary.md").read_text(encoding="utf-8")
    assert "older than the versions spendrecon keeps of what a report shows" in summary
    assert "today's messages, severity, reviews, titles and agencies" in summary
