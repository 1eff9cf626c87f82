"""Absent is not changed: what a source stops showing is carried forward; what it states anew
(a new value, an explicit null or 0) is taken as said. recon.figure_history keeps it as changes."""
from __future__ import annotations

from decimal import Decimal

from pathlib import Path

import duckdb

from history_fixtures import NOW, figures, listing, run, versions
from recon_fixtures import add_usaspending, new_warehouse
from warehouse.db import RENAMED_COLUMNS, connect, ensure_schema, has_column, sql_text
from connectors.records import UsaspendingExtract, UsaspendingProgramYear
from warehouse.load import load_usaspending
from warehouse.history import carry_forward, execute_history_update, remember_before_load
from warehouse.publish import building
from warehouse.scope import Scope

D = Decimal


def test_a_year_the_listing_no_longer_carries_keeps_its_last_figure_marked_with_its_run():
    con = new_warehouse()
    run(con, "r1", [listing("11.001", {(2021, "F001"): (1000, 900), (2022, "F001"): (2000, 1800)})],
        {("11.001", 2021): 900, ("11.001", 2022): 1800})
    counts, _ = run(con, "r2", [listing("11.001", {(2022, "F001"): (2000, 1800)})],
                    {("11.001", 2021): 900, ("11.001", 2022): 1800})
    assert figures(con, "11.001", 2021) == (D("1000.00"), D("900.00"), D("900.00"), True, "r1", False)
    assert figures(con, "11.001", 2022)[3:5] == (False, None)
    assert counts.resolved == 0
    assert versions(con, "11.001", 2021) == [(D("900.00"), "r1", None)]  # absent: no new version


def test_an_explicit_null_or_zero_is_a_restatement_taken_as_said():
    con = new_warehouse()
    lines = {(2021, "F001"): (1000, 50000), (2022, "F001"): (2000, 70000)}
    run(con, "r1", [listing("11.002", lines)], {})
    assert run(con, "r1b", [listing("11.002", lines)], {})[0].new == 0
    counts, _ = run(con, "r2", [listing("11.002", {(2021, "F001"): (1000, None), (2022, "F001"): (2000, 0)})], {})
    assert figures(con, "11.002", 2021)[:2] == (D("1000.00"), None)
    assert figures(con, "11.002", 2022)[:2] == (D("2000.00"), D("0.00"))
    assert figures(con, "11.002", 2021)[3] is False
    assert versions(con, "11.002", 2021) == [(D("50000.00"), "r1", "r2"), (None, "r2", None)]
    assert versions(con, "11.002", 2022) == [(D("70000.00"), "r1", "r2"), (D("0.00"), "r2", None)]
    assert counts.resolved == 2  # actual_not_in_usaspending: SAM.gov restated what it had said


def test_a_listing_gone_altogether_keeps_its_figures_marked_no_longer_listed():
    con = new_warehouse()
    run(con, "r1", [listing("11.003", {(2022, "F001"): (5, 7000)}), listing("11.004", {(2022, "F001"): (5, 9)})], {})
    counts, warnings = run(con, "r2", [listing("11.004", {(2022, "F001"): (5, 9)})], {})
    assert figures(con, "11.003", 2022)[:5] == (D("5.00"), D("7000.00"), None, True, "r1")
    gone = con.execute("SELECT sam_no_longer_listed, sam_listed FROM recon.program_year "
                       "WHERE program_number = '11.003'").fetchone()
    assert gone == (True, False)  # its figures are kept, but SAM.gov no longer lists the number: it says so
    assert con.execute("SELECT sam_status FROM recon.program_year WHERE program_number = '11.003'").fetchone() == (
        "no longer listed",)
    assert warnings and "no longer lists 1 program(s) it listed before (11.003)" in warnings[0]
    assert counts.resolved == 0


def test_a_usaspending_row_a_year_not_asked_no_longer_returns_keeps_its_total_marked():
    con = new_warehouse()
    run(con, "r1", [], {("11.005", 2022): 25000, ("11.006", 2022): 10})
    remember_before_load(con, Scope((2022,)))
    load_usaspending(con, "r2", [UsaspendingExtract(2022, [UsaspendingProgramYear("11.006", 2022, "P", D(10))], [], 0)],
                     Scope((2022,)))
    carry_forward(con, "r2", asked_years=())  # a replay of a run that kept no USAspending pages for FY2022
    row = con.execute("SELECT usaspending_obligations, carried_forward, run_id FROM staging.usaspending_program_year "
                      "WHERE program_number = '11.005'").fetchone()
    assert row == (D("25000.00"), True, "r1")


def test_history_keeps_changes_only_per_line_and_in_total():
    con = new_warehouse()
    first = {(2022, "F001"): (100, 60), (2022, "F003"): (200, 40)}
    run(con, "r1", [listing("11.007", first)], {})
    before = con.execute("SELECT count(*) FROM recon.figure_history").fetchone()
    run(con, "r2", [listing("11.007", first)], {})
    assert con.execute("SELECT count(*) FROM recon.figure_history").fetchone() == before
    run(con, "r3", [listing("11.007", {(2022, "F001"): (100, 60), (2022, "F003"): (200, 55)})], {})
    assert versions(con, "11.007", 2022) == [(D("100.00"), "r1", "r3"), (D("115.00"), "r3", None)]
    assert versions(con, "11.007", 2022, line="F001") == [(D("60.00"), "r1", None)]
    assert versions(con, "11.007", 2022, line="F003") == [(D("40.00"), "r1", "r3"), (D("55.00"), "r3", None)]
    # A line the listing drops while keeping the year is closed, not carried.
    run(con, "r4", [listing("11.007", {(2022, "F001"): (100, 60)})], {})
    assert versions(con, "11.007", 2022, line="F003")[-1] == (D("55.00"), "r3", "r4")


def test_archive_loan_measures_are_kept_in_history():
    con = new_warehouse()
    add_usaspending(con, "59.012", 2022, "1000", face_value="50000", subsidy_cost="1000")
    con.execute("UPDATE staging.usaspending_program_year SET run_id = 'a1'")
    execute_history_update(con, "a1", Scope((2022,)), NOW)
    rows = con.execute("SELECT measure, value FROM recon.figure_history WHERE source = 'usaspending' "
                       "ORDER BY measure").fetchall()
    assert rows == [("loan_face_value", D("50000.00")), ("loan_subsidy_cost", D("1000.00")),
                    ("obligations", D("1000.00"))]


def test_a_run_asking_only_for_active_listings_cannot_call_an_archived_one_gone():
    con = new_warehouse()
    run(con, "r1", [listing("11.009", {(2022, "F001"): (5, 7000)}), listing("11.010", {(2022, "F001"): (5, 9)})], {})
    counts, warnings = run(con, "r2", [listing("11.010", {(2022, "F001"): (5, 9)})], {}, every_status=False)
    assert warnings == [] and counts.resolved == 0
    assert con.execute("SELECT sam_no_longer_listed, sam_actual FROM recon.program_year "
                       "WHERE program_number = '11.009'").fetchone() == (False, D("7000.00"))



def _old_shaped_warehouse(path: Path) -> None:
    """A warehouse holding one run, in the shape a file made before the staging renames has: the old
    column names, and recon.leads as it was written over them."""
    con = new_warehouse(path)
    run(con, "r1", [listing("11.020", {(2021, "F001"): (1000, 900000), (2022, "F001"): (2000, 1800)})],
        {("11.020", 2021): 700000, ("11.020", 2022): 1800})
    con.execute("INSERT INTO staging.usaspending_all_years VALUES ('r1', '11.020', 2015, 500)")
    for schema, table, old, new in RENAMED_COLUMNS:
        con.execute(f"ALTER TABLE {schema}.{table} RENAME COLUMN {new} TO {old}")
    new_leads = "staging.usaspending_all_years WHERE usaspending_obligations <> 0"
    leads = sql_text("recon_leads")
    assert leads.count(new_leads) == 1
    con.execute(leads.replace(new_leads, "staging.usaspending_all_years WHERE obligations <> 0"))
    assert has_column(con, "staging", "sam_obligations", "actual")
    con.close()


def test_a_warehouse_with_the_old_staging_column_names_is_migrated_by_the_next_run_keeping_its_rows(tmp_path: Path):
    path = tmp_path / "spendrecon.duckdb"
    _old_shaped_warehouse(path)

    with building(path, "r2") as con:  # how a run opens the published file: a copy, its schema ensured
        # The archive's years survived the rename (an API-mode run then drops them: not what it read).
        assert con.execute("SELECT fiscal_year, usaspending_obligations FROM staging.usaspending_all_years"
                           ).fetchall() == [(2015, D("500.00"))]
        run(con, "r2", [listing("11.020", {(2022, "F001"): (2000, 1800)})],
            {("11.020", 2021): 700000, ("11.020", 2022): 1800})

    con = duckdb.connect(str(path), read_only=True)
    try:
        for schema, table, old, new in RENAMED_COLUMNS:
            assert (has_column(con, schema, table, old), has_column(con, schema, table, new)) == (False, True)
        # r1's rows survived the rename: the year r2's listing no longer carries is r1's, carried forward.
        assert figures(con, "11.020", 2021) == (D("1000.00"), D("900000.00"), D("700000.00"), True, "r1", False)
        assert con.execute("SELECT run_id, sam_estimate, sam_actual, carried_forward FROM staging.sam_obligations "
                           "ORDER BY fiscal_year").fetchall() == [
            ("r1", D("1000.00"), D("900000.00"), True), ("r2", D("2000.00"), D("1800.00"), None)]
        assert con.execute("SELECT count(*) FROM staging.usaspending_all_years").fetchone() == (0,)
        assert con.execute("SELECT program_number, fiscal_year, rule_id, reported_years FROM recon.leads").fetchall() == [
            ("11.020", 2021, "amount_mismatch", [2021, 2022])]
    finally:
        con.close()


def test_ensuring_the_schema_alone_remakes_recon_leads_over_the_new_names(tmp_path: Path):
    """Commands other than a run ensure the schema too (report --run-id's private copy): the view
    must not be left naming a column that is gone."""
    path = tmp_path / "spendrecon.duckdb"
    _old_shaped_warehouse(path)
    con = connect(path)
    try:
        ensure_schema(con)
        ensure_schema(con)  # idempotent: the second time there is nothing to rename
        assert con.execute("SELECT program_number, fiscal_year, rule_id, reported_years FROM recon.leads").fetchall() == [
            ("11.020", 2021, "amount_mismatch", [2015, 2021, 2022])]
    finally:
        con.close()
