"""unlisted_program: USAspending obligations under a number SAM.gov does not list, or listed only until an earlier year."""
from recon_fixtures import add_sam, add_usaspending, new_warehouse, primary, reconcile


def test_a_number_with_no_listing():
    con = new_warehouse()
    add_usaspending(con, "93.U01", 2022, "4500000")
    reconcile(con, "run1")
    code, reason = primary(con, "93.U01", 2022, "obligations_not_in_sam")
    assert code == "unlisted_program"
    assert reason.startswith("USAspending records $4,500,000.00 under 93.U01, a number with no SAM.gov listing")


def test_a_listing_archived_before_that_year():
    con = new_warehouse()
    add_sam(con, "10.172", 2020, actual="800000", status="Inactive")
    add_usaspending(con, "10.172", 2020, "800000")
    add_usaspending(con, "10.172", 2022, "90000")
    reconcile(con, "run1")
    code, reason = primary(con, "10.172", 2022, "obligations_not_in_sam")
    assert code == "unlisted_program"
    assert "archived (its last figures are for FY2020)" in reason


def test_an_active_listing_without_an_actual_is_not_unlisted():
    con = new_warehouse()
    add_sam(con, "10.173", 2021, actual="800000")
    add_usaspending(con, "10.173", 2022, "90000")
    reconcile(con, "run1")
    assert primary(con, "10.173", 2022, "obligations_not_in_sam")[0] != "unlisted_program"


def test_a_number_sam_gov_no_longer_lists_is_unlisted_and_says_so():
    from history_fixtures import listing, run

    con = new_warehouse()
    run(con, "r1", [listing("10.174", {(2022, "F001"): (5, 800000)}), listing("10.175", {(2022, "F001"): (1, 1)})],
        {("10.174", 2022): 800000})
    run(con, "r2", [listing("10.175", {(2022, "F001"): (1, 1)})], {("10.174", 2022): 800000, ("10.174", 2023): 90000})
    code, reason = primary(con, "10.174", 2023, "obligations_not_in_sam")
    assert code == "unlisted_program"
    assert "a number SAM.gov no longer lists" in reason and "last figures are for FY2022" in reason


def test_a_renumbered_number_names_where_its_listing_went():
    from history_fixtures import listing, run

    con = new_warehouse()
    lines = {(2022, "F001"): (5, 800000)}
    run(con, "r1", [listing("10.176", lines, program_id="moved")], {("10.176", 2022): 800000})
    run(con, "r2", [listing("12.176", lines, program_id="moved")], {("10.176", 2022): 800000})
    code, reason = primary(con, "10.176", 2022, "obligations_not_in_sam")
    assert code == "unlisted_program"
    assert "whose SAM.gov listing is now 12.176" in reason
