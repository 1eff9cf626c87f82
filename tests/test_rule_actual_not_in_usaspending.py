"""actual_not_in_usaspending: SAM.gov reports an actual (>= $1,000), USAspending has none or zero."""
from decimal import Decimal

from recon_fixtures import add_sam, add_usaspending, build_program_year, hits, new_warehouse


def test_the_seed_case_97_102_fy2022_is_flagged():
    con = new_warehouse()
    add_sam(con, "97.102", 2022, actual="15000000", estimate="5000000")
    add_usaspending(con, "97.102", 2022, "0")
    build_program_year(con)
    found = hits(con, "actual_not_in_usaspending")
    assert found[("97.102", 2022)]["sam_amount"] == Decimal("15000000.00")
    assert found[("97.102", 2022)]["usaspending_amount"] == Decimal("0.00")
    assert found[("97.102", 2022)]["difference"] == Decimal("15000000.00")


def test_missing_usaspending_counts_as_no_obligations_but_stays_null():
    con = new_warehouse()
    add_sam(con, "10.001", 2021, actual="2500")
    build_program_year(con)
    row = hits(con, "actual_not_in_usaspending")[("10.001", 2021)]
    assert row["usaspending_amount"] is None
    assert row["difference"] is None


def test_below_the_minimum_or_with_obligations_is_not_flagged():
    con = new_warehouse()
    add_sam(con, "10.002", 2021, actual="999.99")
    add_usaspending(con, "10.002", 2021, "0")
    add_sam(con, "10.003", 2021, actual="50000")
    add_usaspending(con, "10.003", 2021, "1")
    add_sam(con, "10.004", 2021, actual="0")
    add_sam(con, "10.005", 2021, estimate="50000")
    build_program_year(con)
    assert hits(con, "actual_not_in_usaspending") == {}


def test_exactly_the_minimum_is_flagged_and_the_minimum_is_configurable():
    con = new_warehouse()
    add_sam(con, "10.006", 2021, actual="1000")
    build_program_year(con)
    assert ("10.006", 2021) in hits(con, "actual_not_in_usaspending")
    assert hits(con, "actual_not_in_usaspending", min_amount=5000) == {}


def test_lines_of_several_assistance_types_are_summed():
    con = new_warehouse()
    add_sam(con, "14.001", 2020, actual="600", type_code="F001")
    add_sam(con, "14.001", 2020, actual="700", type_code="F003")
    build_program_year(con)
    assert hits(con, "actual_not_in_usaspending")[("14.001", 2020)]["sam_amount"] == Decimal("1300.00")
