"""`findings --changed-since RUN_ID|YYYY-MM-DD`: what is new, reopened or resolved after a run, or in
the runs started on or after a day."""
import csv
import io
from datetime import date

import duckdb
import pytest
from typer.testing import CliRunner

from recon_fixtures import add_sam, add_usaspending, new_warehouse, reconcile
from spendrecon.cli import app
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


# --- a date instead of a run id: what changed in runs started on or after that UTC day ---------------

def _warehouse_over_two_days(path):
    """run1 and run2 on 1 November 2026, run3 on the 2nd, just after midnight UTC."""
    _warehouse_with_three_runs(path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta.runs SET started_at = make_timestamp(2026, 11, 2, 0, 0, 1) WHERE run_id = 'run3'")
    con.close()


def test_a_date_lists_what_changed_in_runs_started_on_or_after_that_day(tmp_path):
    path = tmp_path / "w.duckdb"
    _warehouse_over_two_days(path)
    def since(day):
        return {(r["program_number"], r["status"]) for r in query_findings(path, FindingFilter(changed_since=day))}
    assert since(date(2026, 11, 2)) == {("10.003", "new")}
    # The 1st takes in run1 too: 10.002 was new then and is open now.
    assert since(date(2026, 11, 1)) == {("10.001", "resolved"), ("10.002", "open"), ("10.003", "new")}
    assert since(date(2026, 11, 3)) == set()


def test_the_command_line_reads_a_date_and_refuses_one_that_is_not_real(tmp_path):
    path = tmp_path / "data" / "w.duckdb"
    path.parent.mkdir()
    _warehouse_over_two_days(path)
    config = tmp_path / "spendrecon.yaml"
    config.write_text(f"warehouse: {path}\n", encoding="utf-8")
    runner = CliRunner()
    listed = runner.invoke(app, ["findings", "--changed-since", "2026-11-02", "-f", "csv", "-c", str(config)])
    assert listed.exit_code == 0, listed.output
    assert [row["program_number"] for row in csv.DictReader(io.StringIO(listed.stdout))] == ["10.003"]
    empty = runner.invoke(app, ["findings", "--changed-since", "2026-11-03", "-f", "table", "-c", str(config)])
    assert empty.exit_code == 0 and "changed since 2026-11-03" in empty.stdout
    wrong = runner.invoke(app, ["findings", "--changed-since", "2026-11-31", "-c", str(config)])
    assert wrong.exit_code == 2 and "--changed-since: '2026-11-31' is not a real date" in wrong.stderr
