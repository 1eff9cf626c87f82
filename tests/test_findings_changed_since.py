"""`findings --changed-since RUN_ID`: what is new, reopened or resolved after a run."""
import pytest

from recon_fixtures import add_sam, add_usaspending, new_warehouse, reconcile
from spendrecon.findings_query import FindingFilter, query_findings


def _warehouse_with_three_runs(path):
    con = new_warehouse(path)
    add_sam(con, "10.001", 2022, actual="5000")
    add_sam(con, "10.002", 2022, actual="5000")
    for run_id, minute in (("run1", 1),):
        con.execute("INSERT INTO meta.runs (run_id, started_at, status, mode) VALUES ($r, make_timestamp(2026, 11, 1, 0, $m, 0), 'succeeded', 'demo')",
                    {"r": run_id, "m": minute})
    reconcile(con, "run1")
    add_usaspending(con, "10.001", 2022, "5000")  # 10.001 resolves in run2
    con.execute("INSERT INTO meta.runs (run_id, started_at, status, mode) VALUES ('run2', make_timestamp(2026, 11, 1, 0, 2, 0), 'succeeded', 'demo')")
    reconcile(con, "run2")
    add_sam(con, "10.003", 2022, actual="7000")  # 10.003 is new in run3
    con.execute("INSERT INTO meta.runs (run_id, started_at, status, mode) VALUES ('run3', make_timestamp(2026, 11, 1, 0, 3, 0), 'succeeded', 'demo')")
    reconcile(con, "run3")
    con.close()


def test_changes_after_a_run_include_resolved_and_new(tmp_path):
    path = tmp_path / "w.duckdb"
    _warehouse_with_three_runs(path)
    since1 = {(r["program_number"], r["status"]) for r in query_findings(path, FindingFilter(changed_since="run1"))}
    assert since1 == {("10.001", "resolved"), ("10.003", "new")}
    since2 = {(r["program_number"], r["status"]) for r in query_findings(path, FindingFilter(changed_since="run2"))}
    assert since2 == {("10.003", "new")}
    assert query_findings(path, FindingFilter(changed_since="run3")) == []


def test_an_unknown_run_id_is_a_clear_error(tmp_path):
    path = tmp_path / "w.duckdb"
    _warehouse_with_three_runs(path)
    with pytest.raises(ValueError, match="--changed-since 'nope' is not a run in meta.runs"):
        query_findings(path, FindingFilter(changed_since="nope"))
