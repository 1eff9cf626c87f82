"""agency_silent: the whole (sub-)agency reports nothing to USAspending in a year SAM.gov shows
actuals for its programs. A characterization (kind non_reporting), never a legitimate difference."""
from recon_fixtures import (add_sam, add_usaspending, explanations_of, new_warehouse, primary, reconcile,
                            triage)

DEPT = "Department of Quiet Affairs"


def _program(con, aln, sub, silent_years=(2022,), sam="3000000"):
    for fy in (2021, 2022, 2023):
        add_sam(con, aln, fy, actual=sam, department=DEPT, agency=sub)
        if fy not in silent_years:
            add_usaspending(con, aln, fy, sam)


def _someone_else_reports(con):
    """Another department reports in every year: USAspending data for those years is loaded."""
    for fy in (2021, 2022, 2023):
        add_sam(con, "10.900", fy, actual="1000000")
        add_usaspending(con, "10.900", fy, "1000000")


def test_a_sub_agency_silent_in_a_year_characterizes_each_of_its_programs():
    con = new_warehouse()
    _someone_else_reports(con)
    _program(con, "88.101", "Office of Silence")
    _program(con, "88.102", "Office of Silence", sam="5000000")
    _program(con, "88.201", "Office of Speech")  # another sub-agency of the same department...
    add_usaspending(con, "88.201", 2022, "3000000")  # ...reports in FY2022: it is the sub-agency that counts
    reconcile(con, "run1")
    for aln in ("88.101", "88.102"):
        code, reason = primary(con, aln, 2022, "actual_not_in_usaspending")
        assert code == "agency_silent"
        assert triage(con, aln, 2022, "actual_not_in_usaspending") == "non_reporting"
    assert reason == ("Office of Silence reports no USAspending obligations in FY2022 under any of its 2 programs, "
                      "while SAM.gov shows actuals of $8,000,000.00 for 2 of them: the whole (sub-)agency is "
                      "missing from USAspending that year")
    assert explanations_of(con, "88.101", 2022)[("actual_not_in_usaspending", "agency_silent")]["kind"] == "non_reporting"


def test_a_sister_program_reporting_means_the_agency_is_not_silent():
    con = new_warehouse()
    _someone_else_reports(con)
    _program(con, "88.101", "Office of Silence")
    _program(con, "88.102", "Office of Silence")
    _program(con, "88.103", "Office of Silence", silent_years=())  # reports in FY2022
    reconcile(con, "run1")
    assert primary(con, "88.101", 2022, "actual_not_in_usaspending") == (None, None)
    assert triage(con, "88.101", 2022, "actual_not_in_usaspending") == "lead"


def test_a_single_silent_program_is_its_own_gap_not_its_agency():
    con = new_warehouse()
    _someone_else_reports(con)
    _program(con, "88.101", "Office of One Program")
    reconcile(con, "run1")
    assert triage(con, "88.101", 2022, "actual_not_in_usaspending") == "lead"
    reconcile(con, "run2", explanation_overrides={"agency_silent": {"min_programs": 1}})
    assert primary(con, "88.101", 2022, "actual_not_in_usaspending")[0] == "agency_silent"


def test_without_a_sub_agency_the_agency_is_the_unit():
    con = new_warehouse()
    _someone_else_reports(con)
    _program(con, "88.101", None)
    _program(con, "88.102", None)
    reconcile(con, "run1")
    reason = primary(con, "88.101", 2022, "actual_not_in_usaspending")[1]
    assert reason is not None and reason.startswith(f"{DEPT} reports no USAspending obligations in FY2022")


def test_a_year_usaspending_holds_nothing_for_says_nothing():
    con = new_warehouse()
    for aln in ("88.101", "88.102"):
        add_sam(con, aln, 2021, actual="3000000", department=DEPT)
        add_usaspending(con, aln, 2021, "3000000")
        add_sam(con, aln, 2022, actual="3000000", department=DEPT)  # no USAspending row at all for FY2022
    reconcile(con, "run1")
    assert ("actual_not_in_usaspending", "agency_silent") not in explanations_of(con, "88.101", 2022)
