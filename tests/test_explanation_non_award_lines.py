"""non_award_lines: SAM.gov lines of types that produce no awards (salaries and expenses, non-financial)."""
from recon_fixtures import add_sam, add_usaspending, explanations_of, new_warehouse, primary, reconcile


def test_salaries_and_expenses_lines_that_account_for_the_gap():
    con = new_warehouse()
    add_sam(con, "93.420", 2019, actual="157500000", type_code="F001")
    add_sam(con, "93.420", 2019, actual="15750000", type_code="0090")  # legacy "Z", Salaries and Expenses
    add_usaspending(con, "93.420", 2019, "157500000")
    reconcile(con, "run1")
    code, reason = primary(con, "93.420", 2019, "amount_mismatch")
    assert code == "non_award_lines"
    assert reason == ("$15,750,000.00 of the SAM.gov figure $173,250,000.00 is on salaries and expenses lines, "
                      "which produce no awards and so never reach USAspending; the rest is $157,500,000.00")
    assert explanations_of(con, "93.420", 2019)[("amount_mismatch", "non_award_lines")]["closes_gap"] is True


def test_a_program_of_non_financial_lines_only():
    con = new_warehouse()
    add_sam(con, "11.999", 2021, actual="2500000", type_code="N003")
    reconcile(con, "run1")
    assert primary(con, "11.999", 2021, "actual_not_in_usaspending")[0] == "non_award_lines"


def test_a_small_non_award_line_that_does_not_close_the_gap_is_no_explanation():
    con = new_warehouse()
    add_sam(con, "11.998", 2021, actual="10000000", type_code="F001")
    add_sam(con, "11.998", 2021, actual="100000", type_code="N001")
    add_usaspending(con, "11.998", 2021, "5000000")
    reconcile(con, "run1")
    assert primary(con, "11.998", 2021, "amount_mismatch") == (None, None)


def test_only_the_lines_behind_the_sam_figure_count():
    # The salaries-and-expenses line has an estimate only; the compared actual is all grant money.
    con = new_warehouse()
    add_sam(con, "11.111", 2022, actual="1000000", type_code="F001")
    add_sam(con, "11.111", 2022, estimate="900000", type_code="0090")
    add_usaspending(con, "11.111", 2022, "100000")
    reconcile(con, "run1")
    assert primary(con, "11.111", 2022, "amount_mismatch") == (None, None)
