"""estimate_only: a completed fiscal year for which SAM.gov still shows only an estimate."""
from decimal import Decimal

from recon_fixtures import add_sam, add_usaspending, build_program_year, hits, new_warehouse


def test_a_completed_year_with_only_an_estimate_is_flagged():
    con = new_warehouse()
    add_sam(con, "97.102", 2023, estimate="20000000")
    add_usaspending(con, "97.102", 2023, "15000000")
    build_program_year(con)
    row = hits(con, "estimate_only")[("97.102", 2023)]
    assert row["sam_amount"] == Decimal("20000000.00")
    assert row["usaspending_amount"] == Decimal("15000000.00")


def test_an_explicit_zero_estimate_still_counts_as_only_an_estimate():
    con = new_warehouse()
    add_sam(con, "11.001", 2022, estimate="0")
    build_program_year(con)
    assert ("11.001", 2022) in hits(con, "estimate_only")


def test_the_year_in_progress_an_actual_or_no_figure_at_all_are_not_flagged():
    con = new_warehouse()
    add_sam(con, "11.002", 2027, estimate="5000")
    add_sam(con, "11.003", 2022, estimate="5000", actual="4000")
    add_sam(con, "11.004", 2022)
    build_program_year(con, current_fiscal_year=2027)
    assert hits(con, "estimate_only") == {}


def test_a_partial_actual_flags_the_lines_that_are_still_estimates():
    con = new_warehouse()
    add_sam(con, "11.005", 2022, actual="200000", type_code="F001")
    add_sam(con, "11.005", 2022, estimate="5000000", type_code="F003")
    add_usaspending(con, "11.005", 2022, "200000")
    build_program_year(con)
    row = hits(con, "estimate_only")[("11.005", 2022)]
    assert row["sam_amount"] == Decimal("5000000.00")
    assert row["difference"] is None  # part of the figure is an actual: no like-for-like difference
    flag = con.execute("SELECT sam_actual, sam_actual_partial FROM recon.program_year "
                       "WHERE program_number = '11.005'").fetchone()
    assert flag == (Decimal("200000.00"), True)
