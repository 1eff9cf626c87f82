"""What protects the warehouse around a run: the writer lock, demo and live kept apart, disabled
rules, copies left by killed runs."""
import time
from datetime import datetime, timezone

import pytest

import spendrecon.pipeline as pipeline
from spendrecon.config import load_settings
from spendrecon.findings_query import FindingFilter, query_findings
from spendrecon.annotate import annotate
from spendrecon.pipeline import plan_run
from spendrecon.run_errors import RunError
from warehouse.annotations import Annotation
from warehouse.db import connect
from warehouse.publish import WarehouseBusy, writer_lock

YEARS = [2019, 2020, 2021, 2022, 2023]


def _settings(tmp_path, **more):
    return load_settings(None, overrides={"fiscal_years": YEARS, "warehouse": str(tmp_path / "w.duckdb"),
                                          "data_dir": str(tmp_path / "data"),
                                          "reports_dir": str(tmp_path / "reports"), **more}, environ={})


def _runs(path):
    con = connect(path, read_only=True)
    try:
        return con.execute("SELECT status, error FROM meta.runs ORDER BY started_at").fetchall()
    finally:
        con.close()


def test_a_run_waits_for_the_writer_lock_then_says_why_it_cannot_go_on(demo_warehouse_copy, run_flow, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setattr(pipeline, "LOCK_WAIT_SECONDS", 0.3)
    settings = _settings(tmp_path)
    demo_warehouse_copy(settings.warehouse_path)  # the starting warehouse: one demo run
    with writer_lock(settings.warehouse_path):
        started = time.monotonic()
        with pytest.raises(WarehouseBusy, match="another spendrecon run is writing"):
            run_flow(plan_run(settings, demo=True))
        waited = time.monotonic() - started
    assert waited >= 0.3  # it waited the configured time before giving up, not refused at once
    assert [r[0] for r in _runs(settings.warehouse_path)] == ["succeeded"]


def test_an_annotate_refused_by_the_lock_leaves_no_note_behind(demo_warehouse_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "LOCK_WAIT_SECONDS", 0.3)
    settings = _settings(tmp_path)
    demo_warehouse_copy(settings.warehouse_path)  # the starting warehouse: one demo run
    with writer_lock(settings.warehouse_path):
        started = time.monotonic()
        with pytest.raises(WarehouseBusy, match="another spendrecon run is writing"):
            annotate(settings, Annotation("97.102", 2022, "accepted", "x", datetime.now(timezone.utc)))
        assert time.monotonic() - started >= 0.3  # it waited for the lock first
    assert not (tmp_path / "data" / "annotations.jsonl").exists()


def test_demo_and_live_runs_never_share_a_warehouse(demo_warehouse_copy, tmp_path):
    settings = _settings(tmp_path)
    demo_warehouse_copy(settings.warehouse_path)  # the starting warehouse: one demo run
    with pytest.raises(RunError, match=r"holds demo runs; a live run would mix its findings"):
        plan_run(settings, demo=False, transport=object())  # type: ignore[arg-type]


def test_findings_of_a_rule_that_is_switched_off_stay_as_they_were_marked_disabled(run_flow, tmp_path):
    # Switching a rule off changes nothing in the data: its 1,879 demo findings are neither resolved nor
    # touched, only marked as belonging to a disabled rule; like findings outside a run's window they
    # count as open nowhere (tests/test_disabled_rules.py), and --all lists them.
    settings = _settings(tmp_path)
    first = run_flow(plan_run(settings, demo=True))
    before = query_findings(settings.warehouse_path, FindingFilter(rule="estimate_only"))
    assert len(before) == 1879
    off = _settings(tmp_path, rules={"estimate_only": {"enabled": False}})
    second = run_flow(plan_run(off, demo=True))
    assert second.findings_resolved == 0 and second.findings_open == 3129
    assert query_findings(settings.warehouse_path, FindingFilter(rule="estimate_only")) == []
    after = query_findings(settings.warehouse_path, FindingFilter(rule="estimate_only", include_resolved=True))
    # same status ('new'), same run, same amounts; marked
    assert after == [{**f, "rule_disabled": True} for f in before]
    con = connect(settings.warehouse_path, read_only=True)
    try:
        flags = con.execute("SELECT rule_id = 'estimate_only', rule_disabled, count(*) FROM recon.findings "
                            "GROUP BY ALL ORDER BY 1").fetchall()
        events = con.execute("SELECT count(*) FROM recon.finding_events WHERE run_id = $r",
                             {"r": second.run_id}).fetchone()
    finally:
        con.close()
    assert flags == [(False, False, 3129), (True, True, 1879)] and events == (0,)
    assert {f["run_id"] for f in after} == {first.run_id}
    run_flow(plan_run(settings, demo=True))  # switched on again: still there, open, never reopened
    again = query_findings(settings.warehouse_path, FindingFilter(rule="estimate_only"))
    assert len(again) == 1879 and {f["status"] for f in again} == {"open"}


def test_copies_left_by_a_killed_run_are_cleaned_up_by_the_next(demo_warehouse_copy, run_flow, tmp_path):
    settings = _settings(tmp_path)
    demo_warehouse_copy(settings.warehouse_path)  # the starting warehouse: one demo run
    stale = tmp_path / ".w.duckdb.20260101T000000Z-dead.building"
    stale.write_bytes(b"half a warehouse")
    run_flow(plan_run(settings, demo=True))
    assert not stale.exists()
    assert not list(tmp_path.glob(".w.duckdb.*.building"))


def test_a_warehouse_whose_only_run_failed_gives_a_clear_message(tmp_path):
    from spendrecon.findings_query import NoWarehouse

    settings = _settings(tmp_path)
    plan = plan_run(settings, demo=True)
    pipeline.record_failure(plan, RuntimeError("boom"))
    with pytest.raises(NoWarehouse, match="has no successful run yet"):
        query_findings(settings.warehouse_path, FindingFilter())
    with pytest.raises(RunError, match="has no successful run yet"):
        annotate(settings, Annotation("97.102", 2022, "accepted", None, datetime.now(timezone.utc)))
