"""sam_agency_silent: a whole (sub-)agency whose SAM.gov listings report no actual for a year whose actuals
are due, while USAspending records money for its programs and other listings report theirs - the mirror
of agency_silent on SAM.gov's side. A characterization (kind non_reporting), never a legitimate difference."""
from datetime import date

from recon_fixtures import (add_sam, add_usaspending, explanations_of, new_warehouse, primary, reconcile,
                            triage)

DEPT = "Department of Quiet Affairs"
YEARS = (2021, 2022, 2023)


def _listing(con, aln, sub, silent_years=(2022,), amount="3000000", years=YEARS):
    """Actuals every year but ``silent_years`` (an estimate there); USAspending money every year."""
    for fy in years:
        if fy in silent_years:
            add_sam(con, aln, fy, estimate=amount, department=DEPT, agency=sub)
        else:
            add_sam(con, aln, fy, actual=amount, department=DEPT, agency=sub)
        add_usaspending(con, aln, fy, amount)


def _others_report(con, years=YEARS):
    """A listing of another department with its actual every year: the years are reported elsewhere."""
    for fy in years:
        add_sam(con, "10.900", fy, actual="1000000")
        add_usaspending(con, "10.900", fy, "1000000")


def _characterized(con, aln, fy, rule="obligations_not_in_sam"):
    return (rule, "sam_agency_silent") in explanations_of(con, aln, fy)


def test_a_sub_agency_with_no_actual_in_a_due_year_characterizes_each_of_its_listings():
    con = new_warehouse()
    _others_report(con)
    _listing(con, "88.101", "Office of Silence")
    _listing(con, "88.102", "Office of Silence", amount="5000000")
    _listing(con, "88.201", "Office of Speech", silent_years=())  # another sub-agency of the department reports
    reconcile(con, "run1", years=YEARS)
    for aln in ("88.101", "88.102"):
        for rule in ("obligations_not_in_sam", "estimate_only"):
            assert _characterized(con, aln, 2022, rule)
            assert triage(con, aln, 2022, rule) == "non_reporting"
        code, reason = primary(con, aln, 2022, "obligations_not_in_sam")
        assert code == "sam_agency_silent"
    assert reason == ("Office of Silence's SAM.gov listings report no FY2022 actual under any of its 2 programs "
                      "showing the year, while USAspending records $8,000,000.00 for 2 of them and 2 other listings "
                      "report theirs: the whole (sub-)agency is missing from SAM.gov's actuals that year")
    assert explanations_of(con, "88.101", 2022)[("obligations_not_in_sam", "sam_agency_silent")]["kind"] == \
        "non_reporting"


def test_a_sister_listing_reporting_means_the_agency_is_not_silent():
    con = new_warehouse()
    _others_report(con)
    _listing(con, "88.101", "Office of Silence")
    _listing(con, "88.102", "Office of Silence")
    _listing(con, "88.103", "Office of Silence", silent_years=())
    reconcile(con, "run1", years=YEARS)
    assert not _characterized(con, "88.101", 2022)
    assert primary(con, "88.101", 2022, "obligations_not_in_sam")[0] == "sam_year_not_reported"


def test_a_single_listing_is_its_own_gap_not_its_agency():
    con = new_warehouse()
    _others_report(con)
    _listing(con, "88.101", "Office of One Listing")
    reconcile(con, "run1", years=YEARS)
    assert not _characterized(con, "88.101", 2022)
    reconcile(con, "run2", years=YEARS, explanation_overrides={"sam_agency_silent": {"min_programs": 1}})
    assert primary(con, "88.101", 2022, "obligations_not_in_sam")[0] == "sam_agency_silent"


def test_a_listing_that_does_not_show_the_year_is_not_counted():
    con = new_warehouse()
    _others_report(con)
    _listing(con, "88.101", "Office of Silence")
    _listing(con, "88.102", "Office of Silence", years=(2021, 2023))  # shows no FY2022 at all ...
    add_usaspending(con, "88.102", 2022, "3000000")  # ... though USAspending records its money
    reconcile(con, "run1", years=YEARS)
    assert not _characterized(con, "88.101", 2022)


def test_a_year_no_listing_reports_says_nothing_about_one_agency():
    con = new_warehouse()
    _others_report(con, years=(2021, 2023))
    add_sam(con, "10.900", 2022, estimate="1000000")  # nobody reports FY2022
    _listing(con, "88.101", "Office of Silence")
    _listing(con, "88.102", "Office of Silence")
    reconcile(con, "run1", years=YEARS)
    assert not _characterized(con, "88.101", 2022)


def test_a_year_not_due_yet_is_a_wait():
    con = new_warehouse()
    _others_report(con)
    _listing(con, "88.101", "Office of Silence", silent_years=(2023,))
    _listing(con, "88.102", "Office of Silence", silent_years=(2023,))
    _listing(con, "88.103", "Office of Other Things", silent_years=(2023,))
    _listing(con, "88.104", "Office of Other Things", silent_years=(2023,))
    reconcile(con, "run1", years=YEARS, run_date=date(2024, 2, 15))  # 1 of 5 listings report FY2023: not due
    assert not _characterized(con, "88.101", 2023)
    assert triage(con, "88.101", 2023, "obligations_not_in_sam") == "pending"


def test_without_a_sub_agency_the_agency_is_the_unit():
    con = new_warehouse()
    _others_report(con)
    _listing(con, "88.101", None)
    _listing(con, "88.102", None)
    reconcile(con, "run1", years=YEARS)
    reason = primary(con, "88.101", 2022, "obligations_not_in_sam")[1]
    assert reason is not None and reason.startswith(f"{DEPT}'s SAM.gov listings report no FY2022 actual")


def test_a_number_sam_gov_no_longer_lists_is_unlisted_not_part_of_a_silent_agency():
    con = new_warehouse()
    _others_report(con)
    _listing(con, "88.101", "Office of Silence")
    _listing(con, "88.102", "Office of Silence")
    _listing(con, "88.103", "Office of Silence")
    con.execute("UPDATE staging.sam_listings SET no_longer_listed = true WHERE program_number = '88.103'")
    reconcile(con, "run1", years=YEARS)
    assert _characterized(con, "88.101", 2022)
    assert not _characterized(con, "88.103", 2022)
    assert primary(con, "88.103", 2022, "obligations_not_in_sam")[0] == "unlisted_program"
