"""obligations_not_in_sam: USAspending obligations (>= $1,000) and no SAM.gov actual, in a completed year."""
from decimal import Decimal

from recon_fixtures import add_sam, add_usaspending, build_program_year, hits, new_warehouse


def test_a_program_sam_gov_does_not_list_is_flagged():
    con = new_warehouse()
    add_usaspending(con, "93.999", 2022, "2500000.10")
    build_program_year(con)
    row = hits(con, "obligations_not_in_sam")[("93.999", 2022)]
    assert row["usaspending_amount"] == Decimal("2500000.10")
    assert row["sam_amount"] is None


def test_a_listed_program_with_zero_or_only_an_estimate_is_flagged():
    con = new_warehouse()
    add_sam(con, "10.010", 2022, actual="0")
    add_usaspending(con, "10.010", 2022, "5000")
    add_sam(con, "10.011", 2022, estimate="5000")
    add_usaspending(con, "10.011", 2022, "5000")
    build_program_year(con)
    assert set(hits(con, "obligations_not_in_sam")) == {("10.010", 2022), ("10.011", 2022)}


def test_the_year_in_progress_is_not_judged():
    con = new_warehouse()
    add_usaspending(con, "10.012", 2027, "5000")
    build_program_year(con, current_fiscal_year=2027)
    assert hits(con, "obligations_not_in_sam") == {}


def test_negative_or_small_totals_and_matched_programs_are_not_flagged():
    con = new_warehouse()
    add_usaspending(con, "10.013", 2022, "-50000")
    add_usaspending(con, "10.014", 2022, "999")
    add_sam(con, "10.015", 2022, actual="5000")
    add_usaspending(con, "10.015", 2022, "5000")
    build_program_year(con)
    assert hits(con, "obligations_not_in_sam") == {}


def test_10_10_and_10_100_are_different_programs():
    con = new_warehouse()
    add_sam(con, "10.10", 2022, actual="5000")
    add_usaspending(con, "10.100", 2022, "5000")
    build_program_year(con)
    assert set(hits(con, "obligations_not_in_sam")) == {("10.100", 2022)}
    assert set(hits(con, "actual_not_in_usaspending")) == {("10.10", 2022)}
