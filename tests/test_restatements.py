"""recon.restatements and recon.first_reports: a restatement changes a completed fiscal year's figure
from a value that existed (per line for SAM.gov, judged by the run date); a first report is a line
giving a figure where it had none."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from history_fixtures import listing, run
from recon_fixtures import hits, new_warehouse


def _restatements(con, number: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    return con.execute("SELECT source, measure, old_value, new_value, change, first_reported, lines, run_id "
                       "FROM recon.restatements WHERE program_number = $p ORDER BY run_id, source, measure",
                       {"p": number}).fetchall()


def _first_reports(con, number: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    return con.execute("SELECT source, measure, old_value, new_value, value, lines, run_id "
                       "FROM recon.first_reports WHERE program_number = $p ORDER BY run_id, source, measure",
                       {"p": number}).fetchall()


def test_a_lines_first_actual_is_a_first_report_though_the_total_moves_from_value_to_value():
    con = new_warehouse()
    run(con, "r1", [listing("13.001", {(2022, "F001"): (None, 100000), (2022, "F002"): (60000, None)})], {})
    run(con, "r2", [listing("13.001", {(2022, "F001"): (None, 100000), (2022, "F002"): (60000, 50000)})], {})
    assert [r for r in _restatements(con, "13.001") if r[1] == "actual"] == []
    assert ("sam", "actual", Decimal("100000.00"), Decimal("150000.00"), Decimal("50000.00"), ["F002"], "r2") in (
        _first_reports(con, "13.001"))
    assert hits(con, "figure_restated") == {}


def test_a_restated_line_beside_a_first_report_counts_only_its_own_change():
    con = new_warehouse()
    run(con, "r1", [listing("13.002", {(2022, "F001"): (None, 100000), (2022, "F002"): (1, None)})], {})
    run(con, "r2", [listing("13.002", {(2022, "F001"): (None, 130000), (2022, "F002"): (1, 50000)})], {})
    assert _restatements(con, "13.002") == [
        ("sam", "actual", Decimal("100000.00"), Decimal("180000.00"), Decimal("30000.00"), Decimal("50000.00"),
         ["F001"], "r2")]
    assert hits(con, "figure_restated")[("13.002", 2022)]["difference"] == Decimal("30000.00")


def test_a_line_withdrawn_is_a_restatement_of_minus_its_figure():
    # F001's 80,000 is withdrawn (explicit NULL) as F002 reports its first 20,000: the total moves by
    # -60,000, the restatement is -80,000; 13.004's F002 line is gone while F001 stays.
    con = new_warehouse()
    run(con, "r1", [listing("13.003", {(2022, "F001"): (None, 80000), (2022, "F002"): (5, None)}),
                    listing("13.004", {(2022, "F001"): (None, 10000), (2022, "F002"): (None, 70000)})], {})
    run(con, "r2", [listing("13.003", {(2022, "F001"): (None, None), (2022, "F002"): (5, 20000)}),
                    listing("13.004", {(2022, "F001"): (None, 10000)})], {})
    assert _restatements(con, "13.003") == [
        ("sam", "actual", Decimal("80000.00"), Decimal("20000.00"), Decimal("-80000.00"), Decimal("20000.00"),
         ["F001"], "r2")]
    assert [r[:5] for r in _restatements(con, "13.004") if r[1] == "actual"] == [
        ("sam", "actual", Decimal("80000.00"), Decimal("10000.00"), Decimal("-70000.00"))]
    flagged = hits(con, "figure_restated")
    assert flagged[("13.003", 2022)]["difference"] == Decimal("-80000.00")
    assert flagged[("13.004", 2022)]["difference"] == Decimal("-70000.00")


def test_an_in_year_figure_becoming_the_full_year_figure_is_no_restatement():
    # Judged by the run date (meta.runs.as_of), not by when the figures were fetched (all in 2026):
    # r1 saw FY2022 running, r2 the first full-year figures (the baseline), r3 restates them.
    con = new_warehouse()
    run(con, "r1", [listing("13.005", {(2022, "F001"): (None, 100000)})], {("13.005", 2022): 3000000},
        as_of=date(2022, 8, 1))
    run(con, "r2", [listing("13.005", {(2022, "F001"): (None, 150000)})], {("13.005", 2022): 5000000},
        as_of=date(2022, 10, 1))
    assert _restatements(con, "13.005") == []
    assert hits(con, "figure_restated") == {}
    changes = con.execute("SELECT source, in_year_change, change FROM recon.figure_changes "
                          "WHERE program_number = '13.005' AND run_id = 'r2' AND measure IN ('actual', 'obligations') "
                          "ORDER BY source").fetchall()
    assert changes == [("sam", Decimal("50000.00"), Decimal("0.00")),
                       ("usaspending", Decimal("2000000.00"), Decimal("0.00"))]
    run(con, "r3", [listing("13.005", {(2022, "F001"): (None, 160000)})], {("13.005", 2022): 5000000},
        as_of=date(2023, 1, 15))
    assert [r[4] for r in _restatements(con, "13.005")] == [Decimal("10000.00")]
    assert hits(con, "figure_restated")[("13.005", 2022)]["difference"] == Decimal("10000.00")


def test_usaspending_none_to_a_figure_is_a_first_report_and_a_figure_to_none_a_restatement():
    con = new_warehouse()
    run(con, "r1", [], {("13.006", 2022): None, ("13.007", 2022): 900000})
    run(con, "r2", [], {("13.006", 2022): 400000, ("13.007", 2022): None})
    assert _restatements(con, "13.006") == []
    assert _first_reports(con, "13.006")[-1] == (
        "usaspending", "obligations", None, Decimal("400000.00"), Decimal("400000.00"), ["total"], "r2")
    assert _restatements(con, "13.007") == [
        ("usaspending", "obligations", Decimal("900000.00"), None, Decimal("-900000.00"), None, ["total"], "r2")]
    assert set(hits(con, "figure_restated")) == {("13.007", 2022)}
