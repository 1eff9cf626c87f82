"""reported_under_other_aln: the money SAM.gov reports under one ALN appears on USAspending under
another ALN of the same agency in the same year. Only an unambiguous, close match counts."""
from recon_fixtures import (add_sam, add_usaspending, explanations_of, new_warehouse, primary, reconcile,
                            triage)


def test_a_usaspending_only_number_with_the_missing_amount_explains_both_findings():
    con = new_warehouse()
    add_sam(con, "97.600", 2022, actual="10000000")
    add_usaspending(con, "97.600", 2022, "0")
    add_usaspending(con, "97.U60", 2022, "10040000")  # 0.4% more, under a number SAM.gov does not list
    reconcile(con, "run1")
    code, reason = primary(con, "97.600", 2022, "actual_not_in_usaspending")
    assert code == "reported_under_other_aln"
    assert reason == ("The $10,000,000.00 that USAspending lacks under 97.600 in FY2022 appears under 97.U60, of the "
                      "same agency, whose USAspending obligations exceed its own SAM.gov actual by $10,040,000.00 "
                      "that year: the awards were reported under the other number")
    assert triage(con, "97.600", 2022, "actual_not_in_usaspending") == "legitimate"
    row = explanations_of(con, "97.600", 2022)[("actual_not_in_usaspending", "reported_under_other_aln")]
    assert row["related_program_number"] == "97.U60" and row["kind"] == "legitimate" and row["closes_gap"]
    back = explanations_of(con, "97.U60", 2022)[("obligations_not_in_sam", "reported_under_other_aln")]
    assert back["related_program_number"] == "97.600"


def test_a_listed_number_whose_usaspending_exceeds_its_actual_by_the_amount_explains_it():
    con = new_warehouse()
    add_sam(con, "97.610", 2022, actual="5000000")
    add_sam(con, "97.611", 2022, actual="20000000")
    add_usaspending(con, "97.611", 2022, "25010000")
    reconcile(con, "run1")
    assert primary(con, "97.610", 2022, "actual_not_in_usaspending")[0] == "reported_under_other_aln"
    row = explanations_of(con, "97.611", 2022)[("amount_mismatch", "reported_under_other_aln")]
    assert row["related_program_number"] == "97.610"
    assert row["reason"].startswith("The $5,010,000.00 by which USAspending exceeds SAM.gov under 97.611 in FY2022 "
                                    "is what SAM.gov reports under 97.610")


def test_an_amount_0_6_percent_off_is_not_a_match_unless_the_tolerance_allows_it():
    con = new_warehouse()
    add_sam(con, "97.620", 2022, actual="10000000")
    add_usaspending(con, "97.U62", 2022, "10060000")
    reconcile(con, "run1")
    assert primary(con, "97.620", 2022, "actual_not_in_usaspending") == (None, None)
    reconcile(con, "run2", explanation_overrides={"reported_under_other_aln": {"rel_tolerance": 0.01}})
    assert primary(con, "97.620", 2022, "actual_not_in_usaspending")[0] == "reported_under_other_aln"


def test_two_candidate_numbers_give_no_explanation():
    con = new_warehouse()
    add_sam(con, "97.630", 2022, actual="10000000")
    add_usaspending(con, "97.U63", 2022, "10000000")
    add_usaspending(con, "97.U64", 2022, "10020000")
    reconcile(con, "run1")
    assert primary(con, "97.630", 2022, "actual_not_in_usaspending") == (None, None)
    for aln in ("97.U63", "97.U64"):
        assert ("obligations_not_in_sam", "reported_under_other_aln") not in explanations_of(con, aln, 2022)


def test_two_findings_competing_for_one_candidate_give_no_explanation():
    con = new_warehouse()
    add_sam(con, "97.635", 2022, actual="10000000")
    add_sam(con, "97.636", 2022, actual="10010000")
    add_usaspending(con, "97.U65", 2022, "10000000")
    reconcile(con, "run1")
    for aln in ("97.635", "97.636"):
        assert ("actual_not_in_usaspending", "reported_under_other_aln") not in explanations_of(con, aln, 2022)


def test_a_candidate_in_another_agency_is_no_candidate():
    con = new_warehouse()
    add_sam(con, "97.640", 2022, actual="10000000", department="Department of Homeland Security")
    add_sam(con, "93.640", 2022, actual="1000000", department="Department of Health and Human Services")
    add_usaspending(con, "93.640", 2022, "11000000")  # exceeds its own actual by exactly the amount
    reconcile(con, "run1")
    assert primary(con, "97.640", 2022, "actual_not_in_usaspending") == (None, None)


def test_a_candidate_whose_excess_is_its_own_year_shift_is_no_candidate():
    con = new_warehouse()
    add_sam(con, "97.650", 2022, actual="5000000")
    add_usaspending(con, "97.650", 2022, "0")
    # 97.651 obligated its FY2021 actual in FY2022: its FY2022 excess is its own shift.
    add_sam(con, "97.651", 2021, actual="5000000")
    add_usaspending(con, "97.651", 2021, "0")
    add_sam(con, "97.651", 2022, actual="0")
    add_usaspending(con, "97.651", 2022, "5000000")
    reconcile(con, "run1")
    assert primary(con, "97.651", 2022, "obligations_not_in_sam")[0] == "fiscal_year_shift"
    assert ("actual_not_in_usaspending", "reported_under_other_aln") not in explanations_of(con, "97.650", 2022)


def test_another_year_is_no_candidate():
    con = new_warehouse()
    add_sam(con, "97.660", 2022, actual="10000000")
    add_usaspending(con, "97.U66", 2021, "10000000")
    reconcile(con, "run1")
    assert ("actual_not_in_usaspending", "reported_under_other_aln") not in explanations_of(con, "97.660", 2022)


def test_the_tolerances_are_set_in_spendrecon_yaml(tmp_path):
    import pytest

    from spendrecon.config import ConfigError, load_settings
    from warehouse.explanations.registry import load_explanations

    path = tmp_path / "spendrecon.yaml"
    path.write_text("explanations:\n  reported_under_other_aln: {rel_tolerance: 0.01}\n"
                    "  never_reported: {min_years_held: 3}\n  agency_silent: {min_programs: 4}\n")
    settings = load_settings(path, environ={})
    params = {e.id: dict(e.params) for e in load_explanations(settings.explanations)}
    assert str(params["reported_under_other_aln"]["rel_tolerance"]) == "0.01"
    assert params["never_reported"]["min_years_held"] == 3 and params["agency_silent"]["min_programs"] == 4
    path.write_text("explanations:\n  reported_under_other_aln: {rel_tolerance: 2}\n")
    with pytest.raises(ConfigError, match="explanations.reported_under_other_aln.rel_tolerance: must be between 0 and 1"):
        load_settings(path, environ={})
