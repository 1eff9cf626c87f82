"""sam_year_not_reported: a SAM.gov listing that reports actuals for other fiscal years but none for this
one, whose actuals are due - SAM.gov missing a year's report, not money missing. A characterization
(kind non_reporting): it never hides the finding."""
from datetime import date

from recon_fixtures import (add_sam, add_usaspending, explanations_of, new_warehouse, primary, reconcile,
                            triage)

YEARS = (2021, 2022, 2023)
AMOUNTS = {2021: "4000000", 2022: "6000000", 2023: "9000000"}  # far apart: no year looks like its neighbour


def _listing(con, aln, actual_years=(2021, 2023), years=YEARS, actual=None):
    """Actuals in ``actual_years`` (``actual`` if given), an estimate in the other years; USAspending money
    every year."""
    for fy in years:
        if fy in actual_years:
            add_sam(con, aln, fy, actual=AMOUNTS[fy] if actual is None else actual)
        else:
            add_sam(con, aln, fy, estimate=AMOUNTS[fy])
        add_usaspending(con, aln, fy, AMOUNTS[fy])


def _characterized(con, aln, fy, rule="obligations_not_in_sam"):
    return (rule, "sam_year_not_reported") in explanations_of(con, aln, fy)


def test_a_listing_skipping_one_years_actual_is_characterized():
    con = new_warehouse()
    _listing(con, "97.701")
    reconcile(con, "run1", years=YEARS)
    for rule in ("obligations_not_in_sam", "estimate_only"):
        code, reason = primary(con, "97.701", 2022, rule)
        assert code == "sam_year_not_reported" and triage(con, "97.701", 2022, rule) == "non_reporting"
    assert reason == ("97.701's SAM.gov listing reports actuals for FY2021, FY2023 but none for FY2022, whose "
                      "actuals are due: the listing skipped this year's report")
    assert explanations_of(con, "97.701", 2022)[("estimate_only", "sam_year_not_reported")]["kind"] == "non_reporting"
    assert con.execute("SELECT count(*) FROM recon.findings WHERE program_number = '97.701' AND status = 'new'"
                       ).fetchone() == (2,)


def test_an_estimate_is_no_report():
    con = new_warehouse()
    _listing(con, "97.702", actual_years=())
    reconcile(con, "run1", years=YEARS)
    assert not _characterized(con, "97.702", 2022)
    assert primary(con, "97.702", 2022, "obligations_not_in_sam")[0] == "sam_never_reported"


def test_an_explicit_zero_in_another_year_is_a_report():
    con = new_warehouse()
    _listing(con, "97.703", actual_years=(2021,), actual="0")
    reconcile(con, "run1", years=YEARS)
    assert _characterized(con, "97.703", 2022)


def test_a_partial_actual_is_a_report_of_the_year():
    con = new_warehouse()
    _listing(con, "97.704")
    add_sam(con, "97.704", 2022, actual="1000000", type_code="F002")  # one line of FY2022 has its actual
    reconcile(con, "run1", years=YEARS)
    assert not _characterized(con, "97.704", 2022, "estimate_only")


def test_a_year_not_due_yet_is_a_wait():
    con = new_warehouse()
    _listing(con, "97.705", actual_years=(2021, 2022))
    _listing(con, "97.706", actual_years=(2021, 2022))
    reconcile(con, "run1", years=YEARS, run_date=date(2024, 2, 15))  # FY2023's actuals are due in 2025
    assert not _characterized(con, "97.705", 2023)
    assert triage(con, "97.705", 2023, "obligations_not_in_sam") == "pending"


def test_the_years_reported_needed_are_a_setting():
    con = new_warehouse()
    _listing(con, "97.707")
    reconcile(con, "run1", years=YEARS, explanation_overrides={"sam_year_not_reported": {"min_years_reported": 3}})
    assert not _characterized(con, "97.707", 2022)
    assert triage(con, "97.707", 2022, "obligations_not_in_sam") == "lead"


def test_a_year_the_listing_does_not_show_is_not_characterized():
    con = new_warehouse()
    _listing(con, "97.708", actual_years=(2021, 2022), years=(2021, 2022))
    add_sam(con, "10.900", 2023, actual="1000000")  # SAM.gov shows FY2023 elsewhere
    add_usaspending(con, "97.708", 2023, "9000000")
    reconcile(con, "run1", years=YEARS)
    assert not _characterized(con, "97.708", 2023)
    assert triage(con, "97.708", 2023, "obligations_not_in_sam") == "lead"


def test_a_number_sam_gov_no_longer_lists_is_unlisted_not_a_skipped_year():
    con = new_warehouse()
    _listing(con, "97.709")
    con.execute("UPDATE staging.sam_listings SET no_longer_listed = true WHERE program_number = '97.709'")
    reconcile(con, "run1", years=YEARS)
    assert not _characterized(con, "97.709", 2022)
    assert primary(con, "97.709", 2022, "obligations_not_in_sam")[0] == "unlisted_program"
