"""renumbered_program: SAM.gov renumbered a listing; USAspending still books the money under the old
number. The new number's findings name it, legitimately."""
from __future__ import annotations

from history_fixtures import listing, run
from recon_fixtures import explanations_of, new_warehouse, primary, triage

LINES = {(2022, "F001"): (5, 800000)}


def test_the_new_numbers_finding_names_the_old_number_holding_the_money():
    con = new_warehouse()
    run(con, "r1", [listing("10.180", LINES, program_id="moved")], {("10.180", 2022): 800000})
    run(con, "r2", [listing("15.180", LINES, program_id="moved", department="Department of Elsewhere")],
        {("10.180", 2022): 800000})
    code, reason = primary(con, "15.180", 2022, "actual_not_in_usaspending")
    assert code == "renumbered_program"
    assert reason == ("SAM.gov renumbered this program from 10.180 to 15.180; USAspending still records its "
                      "FY2022 obligations ($800,000.00) under 10.180")
    assert triage(con, "15.180", 2022, "actual_not_in_usaspending") == "legitimate"
    assert explanations_of(con, "15.180", 2022)[("actual_not_in_usaspending", "renumbered_program")][
        "related_program_number"] == "10.180"


def test_no_money_under_the_old_number_no_explanation():
    con = new_warehouse()
    run(con, "r1", [listing("10.181", LINES, program_id="moved")], {})
    run(con, "r2", [listing("15.181", LINES, program_id="moved")], {})
    assert primary(con, "15.181", 2022, "actual_not_in_usaspending")[0] != "renumbered_program"


def test_a_new_listing_under_a_new_number_is_no_renumbering():
    # A different listing id: a new program, not the old one renumbered, even with the same figures.
    con = new_warehouse()
    run(con, "r1", [listing("10.182", LINES, program_id="one")], {("10.182", 2022): 800000})
    run(con, "r2", [listing("10.182", LINES, program_id="one"), listing("15.182", LINES, program_id="two")],
        {("10.182", 2022): 800000})
    assert primary(con, "15.182", 2022, "actual_not_in_usaspending")[0] != "renumbered_program"
