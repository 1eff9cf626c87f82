"""partial_year: the fiscal year is not over, so actuals cannot exist yet."""
from recon_fixtures import add_sam, add_usaspending, new_warehouse, primary, reconcile, triage


def test_the_year_in_progress_is_explained_before_anything_else():
    con = new_warehouse()
    add_sam(con, "97.102", 2026, actual="15000000")
    add_sam(con, "97.102", 2027, actual="15000000")
    add_usaspending(con, "97.102", 2026, "15000000")
    add_usaspending(con, "97.102", 2027, "0")
    reconcile(con, "run1", years=(2026, 2027))
    code, reason = primary(con, "97.102", 2027, "actual_not_in_usaspending")
    assert code == "partial_year"
    assert reason.startswith("FY2027 is not over (it ends 30 September 2027)")


def test_a_completed_year_is_not_partial():
    con = new_warehouse()
    add_sam(con, "97.103", 2026, actual="15000000")
    reconcile(con, "run1", years=(2026,))
    assert primary(con, "97.103", 2026, "actual_not_in_usaspending")[0] != "partial_year"
    # Not partial_year, and nothing else either: one program with one year is a lead, unexplained.
    assert primary(con, "97.103", 2026, "actual_not_in_usaspending") == (None, None)
    assert triage(con, "97.103", 2026, "actual_not_in_usaspending") == "lead"
    assert con.execute("SELECT count(*) FROM recon.finding_explanations").fetchone() == (0,)
