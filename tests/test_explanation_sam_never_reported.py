"""sam_never_reported: a SAM.gov listing that reports no actual in any fiscal year it shows - the mirror of
never_reported on SAM.gov's side. A characterization (kind non_reporting): a systemic gap of the listing,
never a legitimate difference, and it never hides the finding."""
from datetime import date

from recon_fixtures import (add_sam, add_usaspending, explanations_of, new_warehouse, primary, reconcile,
                            triage)

YEARS = (2021, 2022, 2023)
FEB_2024 = date(2024, 2, 15)  # FY2022's actuals are due; FY2023's are not yet


AMOUNTS = {2021: "4000000", 2022: "6000000", 2023: "9000000"}  # far apart: no year looks like its neighbour


def _estimates_only(con, aln, years=YEARS):
    """A listing with estimates and no actual, and USAspending money, in each of ``years``."""
    for fy in years:
        add_sam(con, aln, fy, estimate=AMOUNTS[fy])
        add_usaspending(con, aln, fy, AMOUNTS[fy])


def _characterized(con, aln, fy, rule="obligations_not_in_sam"):
    return (rule, "sam_never_reported") in explanations_of(con, aln, fy)


def test_a_listing_with_no_actual_in_any_year_is_never_reported():
    con = new_warehouse()
    _estimates_only(con, "97.601")
    reconcile(con, "run1", years=YEARS)
    for fy in YEARS:
        for rule in ("obligations_not_in_sam", "estimate_only"):
            assert primary(con, "97.601", fy, rule)[0] == "sam_never_reported"
            assert triage(con, "97.601", fy, rule) == "non_reporting"
    assert primary(con, "97.601", 2022, "obligations_not_in_sam")[1] == (
        "97.601's SAM.gov listing reports no actual in any fiscal year it shows, and 3 of them are years whose "
        "actuals are due (FY2021-FY2023): the listing does not report actuals at all, one compliance question "
        "for the listing rather than a gap in this year")
    assert explanations_of(con, "97.601", 2022)[("estimate_only", "sam_never_reported")]["kind"] == "non_reporting"
    # It characterizes; the finding stays open with its figures.
    assert con.execute("SELECT status, usaspending_amount FROM recon.findings WHERE program_number = '97.601' "
                       "AND fiscal_year = 2022 AND rule_id = 'obligations_not_in_sam'").fetchone() == ("new", 6000000)


def test_an_actual_in_one_other_year_is_not_never():
    con = new_warehouse()
    _estimates_only(con, "97.602", years=(2022, 2023))
    add_sam(con, "97.602", 2021, actual="4000000")
    add_usaspending(con, "97.602", 2021, "4000000")
    reconcile(con, "run1", years=YEARS)
    assert not _characterized(con, "97.602", 2022)
    assert primary(con, "97.602", 2022, "obligations_not_in_sam")[0] == "sam_year_not_reported"


def test_an_explicit_zero_is_a_report():
    con = new_warehouse()
    _estimates_only(con, "97.603", years=(2022, 2023))
    add_sam(con, "97.603", 2021, actual="0")
    reconcile(con, "run1", years=YEARS)
    assert not _characterized(con, "97.603", 2022)


def test_years_not_due_yet_are_no_history():
    con = new_warehouse()
    _estimates_only(con, "97.604", years=(2022, 2023))
    reconcile(con, "run1", years=(2022, 2023), run_date=FEB_2024)  # FY2022 is due, FY2023 not yet: one year held
    assert not _characterized(con, "97.604", 2022)
    assert triage(con, "97.604", 2022, "obligations_not_in_sam") == "lead"
    assert triage(con, "97.604", 2023, "obligations_not_in_sam") == "pending"
    reconcile(con, "run2", years=(2022, 2023), run_date=FEB_2024,
              explanation_overrides={"sam_never_reported": {"min_years_held": 1}})
    assert primary(con, "97.604", 2022, "obligations_not_in_sam")[0] == "sam_never_reported"
    # The pending year is a wait, not a characterized gap.
    assert not _characterized(con, "97.604", 2023)


def test_an_actual_given_early_for_a_year_not_due_yet_is_a_report():
    con = new_warehouse()
    _estimates_only(con, "97.605", years=(2021, 2022))
    add_sam(con, "97.605", 2023, actual="4000000")
    add_usaspending(con, "97.605", 2023, "4000000")
    reconcile(con, "run1", years=YEARS, run_date=FEB_2024)
    assert not _characterized(con, "97.605", 2022)


def _someone_shows(con, years=YEARS):
    """Another listing showing ``years`` with actuals, so that SAM.gov shows those years."""
    for fy in years:
        add_sam(con, "10.900", fy, actual="1000000")
        add_usaspending(con, "10.900", fy, "1000000")


def test_a_year_the_listing_does_not_show_is_not_characterized():
    con = new_warehouse()
    _someone_shows(con)
    _estimates_only(con, "97.606", years=(2021, 2022))
    add_usaspending(con, "97.606", 2023, "4000000")  # the listing shows no FY2023 at all
    reconcile(con, "run1", years=YEARS)
    assert _characterized(con, "97.606", 2022)
    assert not _characterized(con, "97.606", 2023)
    assert triage(con, "97.606", 2023, "obligations_not_in_sam") == "lead"


def test_a_number_sam_gov_no_longer_lists_is_unlisted_not_a_silent_listing():
    con = new_warehouse()
    _estimates_only(con, "97.607")
    con.execute("UPDATE staging.sam_listings SET no_longer_listed = true WHERE program_number = '97.607'")
    reconcile(con, "run1", years=YEARS)
    assert not _characterized(con, "97.607", 2022)
    assert primary(con, "97.607", 2022, "obligations_not_in_sam")[0] == "unlisted_program"


def test_years_the_listing_does_not_show_are_not_held():
    con = new_warehouse()
    _someone_shows(con)
    _estimates_only(con, "97.608", years=(2022,))
    add_usaspending(con, "97.608", 2021, "4000000")  # USAspending money in years the listing does not show
    add_usaspending(con, "97.608", 2023, "9000000")
    reconcile(con, "run1", years=YEARS)
    assert not _characterized(con, "97.608", 2022)
