"""sam_actual_not_yet_due: a completed year whose SAM.gov actual is not due yet - within lag_months of the
year's end, and before most listings showing the year report one. Kind pending, decisive: the finding is
a wait, never a lead, whatever else applies; it resolves as a first report when the actual arrives."""
from datetime import date

from history_fixtures import listing, resolved_reason, run
from recon_fixtures import (add_sam, add_usaspending, explanations_of, new_warehouse, primary, reconcile,
                            triage)
from warehouse.verify import verify

FEB_2024 = date(2024, 2, 15)  # FY2023 ended 30 September 2023; its actuals are due from 1 January 2025


def _reporting_listings(con, count, fiscal_year=2023, prefix="10.9"):
    """Listings that already report their actual for ``fiscal_year`` (and match USAspending)."""
    for i in range(count):
        aln = f"{prefix}{i:02d}"
        add_sam(con, aln, fiscal_year, actual="1000000")
        add_usaspending(con, aln, fiscal_year, "1000000")


def _waiting(con, aln="97.102", estimate="20000000", usaspending="15000000", fiscal_year=2023):
    add_sam(con, aln, fiscal_year, estimate=estimate)
    add_usaspending(con, aln, fiscal_year, usaspending)


def test_a_completed_year_whose_actuals_are_not_due_yet_is_pending_not_a_lead():
    con = new_warehouse()
    _reporting_listings(con, 1)
    _waiting(con)
    reconcile(con, "run1", years=(2023,), run_date=FEB_2024)
    for rule in ("estimate_only", "obligations_not_in_sam"):
        code, reason = primary(con, "97.102", 2023, rule)
        assert code == "sam_actual_not_yet_due" and triage(con, "97.102", 2023, rule) == "pending"
    assert reason == ("SAM.gov has no FY2023 actual for 97.102 yet, and none is due: listings report a year's "
                      "actuals in their annual update during the following year, due from 2025-01-01, and 1 of "
                      "the 2 listings showing FY2023 (50%) report one so far")
    assert explanations_of(con, "97.102", 2023)[("estimate_only", "sam_actual_not_yet_due")]["kind"] == "pending"
    assert con.execute("SELECT count(*) FROM recon.leads").fetchone() == (0,)
    # A wait, never hidden: the findings stay open with their figures.
    assert con.execute("SELECT count(*) FROM recon.findings WHERE status = 'new' AND program_number = '97.102'"
                       ).fetchone() == (2,)


def test_once_the_lag_has_passed_the_findings_are_what_they_are():
    con = new_warehouse()
    _reporting_listings(con, 1)
    _waiting(con)
    reconcile(con, "run1", years=(2023,), run_date=date(2024, 12, 31))
    assert triage(con, "97.102", 2023, "obligations_not_in_sam") == "pending"
    reconcile(con, "run2", years=(2023,), run_date=date(2025, 1, 1))  # 15 months after the year ended
    assert triage(con, "97.102", 2023, "obligations_not_in_sam") == "lead"
    assert ("obligations_not_in_sam", "sam_actual_not_yet_due") not in explanations_of(con, "97.102", 2023)


def test_the_lag_is_a_setting():
    con = new_warehouse()
    _reporting_listings(con, 1)
    _waiting(con)
    reconcile(con, "run1", years=(2023,), run_date=FEB_2024,
              explanation_overrides={"sam_actual_not_yet_due": {"lag_months": 4}})
    assert triage(con, "97.102", 2023, "obligations_not_in_sam") == "lead"


def test_once_most_listings_report_the_year_its_missing_actuals_are_due():
    con = new_warehouse()
    _reporting_listings(con, 2)
    _waiting(con)
    reconcile(con, "run1", years=(2023,), run_date=FEB_2024)  # 2 of 3 listings report: most
    assert primary(con, "97.102", 2023, "obligations_not_in_sam") == (None, None)
    assert triage(con, "97.102", 2023, "obligations_not_in_sam") == "lead"


def test_half_the_listings_is_not_most_and_the_share_is_a_setting():
    con = new_warehouse()
    _reporting_listings(con, 2)
    _waiting(con)
    _waiting(con, "97.103")
    reconcile(con, "run1", years=(2023,), run_date=FEB_2024)  # 2 of 4
    assert triage(con, "97.102", 2023, "obligations_not_in_sam") == "pending"
    reconcile(con, "run2", years=(2023,), run_date=FEB_2024,
              explanation_overrides={"sam_actual_not_yet_due": {"due_share": "0.4"}})
    assert triage(con, "97.102", 2023, "obligations_not_in_sam") == "lead"


def test_pending_wins_over_a_legitimate_explanation():
    con = new_warehouse()
    _reporting_listings(con, 1)
    add_sam(con, "97.102", 2022, actual="15000000", estimate="5000000")
    add_usaspending(con, "97.102", 2022, "0")
    _waiting(con)
    reconcile(con, "run1", years=(2022, 2023), run_date=FEB_2024)
    found = explanations_of(con, "97.102", 2023)
    assert ("obligations_not_in_sam", "fiscal_year_shift") in found  # USAspending's FY2023 is SAM.gov's FY2022
    assert primary(con, "97.102", 2023, "obligations_not_in_sam")[0] == "sam_actual_not_yet_due"
    assert triage(con, "97.102", 2023, "obligations_not_in_sam") == "pending"
    assert triage(con, "97.102", 2022, "actual_not_in_usaspending") == "legitimate"


def test_an_explicit_zero_is_a_figure_not_a_wait():
    con = new_warehouse()
    _reporting_listings(con, 1)
    add_sam(con, "97.104", 2023, actual="0")
    add_usaspending(con, "97.104", 2023, "15000000")
    _waiting(con, "97.105")
    _waiting(con, "97.106")
    reconcile(con, "run1", years=(2023,), run_date=FEB_2024)  # 2 of 4 report (the 0 is a report): not most
    assert triage(con, "97.105", 2023, "obligations_not_in_sam") == "pending"
    assert triage(con, "97.104", 2023, "obligations_not_in_sam") == "lead"


def test_a_partial_actual_waits_for_its_missing_lines():
    con = new_warehouse()
    _reporting_listings(con, 1)
    add_sam(con, "97.105", 2023, actual="3000000", type_code="F001")
    add_sam(con, "97.105", 2023, estimate="2000000", type_code="F002")
    add_usaspending(con, "97.105", 2023, "5000000")
    _waiting(con, "97.106")
    _waiting(con, "97.107")
    reconcile(con, "run1", years=(2023,), run_date=FEB_2024)  # a partial actual is a report: 2 of 4
    assert triage(con, "97.105", 2023, "estimate_only") == "pending"


def test_an_active_listing_not_showing_the_year_yet_waits_for_its_update():
    con = new_warehouse()
    _reporting_listings(con, 1)
    add_sam(con, "97.106", 2022, actual="4000000")  # active; its listing does not show FY2023 yet
    add_usaspending(con, "97.106", 2022, "4000000")
    add_usaspending(con, "97.106", 2023, "4000000")
    _waiting(con, "97.108")  # 1 of the 2 listings showing FY2023 reports: not most
    reconcile(con, "run1", years=(2022, 2023), run_date=FEB_2024)
    assert triage(con, "97.106", 2023, "obligations_not_in_sam") == "pending"


def test_an_archived_listing_or_a_number_no_longer_listed_gets_no_actual_by_waiting():
    con = new_warehouse()
    _reporting_listings(con, 1)
    add_sam(con, "97.106", 2022, actual="4000000", status="Inactive")  # archived before FY2023
    add_usaspending(con, "97.106", 2022, "4000000")
    add_usaspending(con, "97.106", 2023, "4000000")
    _waiting(con, "97.107")
    con.execute("UPDATE staging.sam_listings SET no_longer_listed = true WHERE program_number = '97.107'")
    reconcile(con, "run1", years=(2022, 2023), run_date=FEB_2024)
    for aln in ("97.106", "97.107"):
        assert ("obligations_not_in_sam", "sam_actual_not_yet_due") not in explanations_of(con, aln, 2023)
        assert primary(con, aln, 2023, "obligations_not_in_sam")[0] == "unlisted_program"
        assert triage(con, aln, 2023, "obligations_not_in_sam") == "legitimate"


def test_a_year_still_running_is_partial_year_not_pending():
    con = new_warehouse()
    _reporting_listings(con, 1, fiscal_year=2024)
    add_sam(con, "97.102", 2024, actual="1000000", type_code="F001")
    add_sam(con, "97.102", 2024, estimate="2000000", type_code="F002")
    reconcile(con, "run1", years=(2024,), run_date=FEB_2024)
    assert primary(con, "97.102", 2024, "actual_not_in_usaspending")[0] == "partial_year"
    assert not [k for k in explanations_of(con, "97.102", 2024) if k[1] == "sam_actual_not_yet_due"]


def test_the_arriving_actual_resolves_the_wait_as_reported_not_restated():
    con = new_warehouse()
    lines = {(2023, "F001"): ("20000000", None)}
    other = listing("10.900", {(2023, "F001"): (None, "1000000")})
    run(con, "r1", [listing("97.102", lines), other], {("97.102", 2023): "15000000", ("10.900", 2023): "1000000"},
        years=(2023,), as_of=FEB_2024)
    assert triage(con, "97.102", 2023, "estimate_only") == "pending"
    arrived = {(2023, "F001"): ("20000000", "15000000")}
    run(con, "r2", [listing("97.102", arrived), other], {("97.102", 2023): "15000000", ("10.900", 2023): "1000000"},
        years=(2023,), as_of=date(2024, 8, 15))
    for rule in ("estimate_only", "obligations_not_in_sam"):
        assert resolved_reason(con, "r2", "97.102", 2023, rule) == "sam_reported"
    # The record's own check finds the cause too: the actual's first version, opened by the run.
    assert verify(con, "r2").ok
