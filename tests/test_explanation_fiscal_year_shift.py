"""fiscal_year_shift: the money one source reports for year N is what the other reports for N-1 or N+1."""
from recon_fixtures import add_sam, add_usaspending, explanations_of, new_warehouse, primary, reconcile


def _seed_case(con):
    add_sam(con, "97.102", 2022, actual="15000000", estimate="5000000")
    add_usaspending(con, "97.102", 2022, "0")
    add_sam(con, "97.102", 2023, estimate="20000000")
    add_usaspending(con, "97.102", 2023, "15000000")


def test_97_102_fy2022_points_at_fy2023_and_fy2023_back_at_fy2022():
    con = new_warehouse()
    _seed_case(con)
    reconcile(con, "run1")
    code, reason = primary(con, "97.102", 2022, "actual_not_in_usaspending")
    assert code == "fiscal_year_shift"
    assert reason == ("The SAM.gov figure for FY2022 ($15,000,000.00) matches the USAspending figure for FY2023 "
                      "($15,000,000.00): the same money booked in a different fiscal year")
    assert explanations_of(con, "97.102", 2022)[("actual_not_in_usaspending", "fiscal_year_shift")]["related_fiscal_year"] == 2023
    back = explanations_of(con, "97.102", 2023)[("obligations_not_in_sam", "fiscal_year_shift")]
    assert back["related_fiscal_year"] == 2022


def test_a_neighbour_that_already_agrees_with_itself_is_not_a_shift():
    con = new_warehouse()
    for fy in (2021, 2022, 2023):
        add_sam(con, "10.500", fy, actual="1000000")
    add_usaspending(con, "10.500", 2021, "1000000")
    add_usaspending(con, "10.500", 2023, "1000000")  # FY2022 missing on USAspending, neighbours agree in-year
    reconcile(con, "run1")
    assert primary(con, "10.500", 2022, "actual_not_in_usaspending") == (None, None)


def test_a_neighbour_without_its_actual_yet_is_judged_by_its_estimate():
    con = new_warehouse()
    add_sam(con, "10.502", 2023, estimate="1000000")  # FY2023's actual is not in; USAspending's FY2024 ...
    add_usaspending(con, "10.502", 2023, "0")
    add_sam(con, "10.502", 2024, estimate="1020000")  # ... is FY2024's own money, as its estimate says
    add_usaspending(con, "10.502", 2024, "1010000")
    reconcile(con, "run1", years=(2023, 2024))
    assert ("estimate_only", "fiscal_year_shift") not in explanations_of(con, "10.502", 2023)
    # With a neighbouring estimate far from its USAspending money, the shift stands (as 97.102's does).
    add_sam(con, "10.503", 2023, estimate="1000000")
    add_usaspending(con, "10.503", 2023, "0")
    add_sam(con, "10.503", 2024, estimate="3000000")
    add_usaspending(con, "10.503", 2024, "1010000")
    reconcile(con, "run2", years=(2023, 2024))
    assert ("estimate_only", "fiscal_year_shift") in explanations_of(con, "10.503", 2023)


def test_a_neighbour_sam_gov_says_nothing_about_keeps_its_own_money():
    con = new_warehouse()
    add_sam(con, "10.504", 2023, estimate="1000000")  # the listing shows no FY2024: USAspending's FY2024 ...
    add_usaspending(con, "10.504", 2023, "0")
    add_usaspending(con, "10.504", 2024, "1010000")  # ... money is FY2024's own
    reconcile(con, "run1", years=(2023, 2024))
    assert ("estimate_only", "fiscal_year_shift") not in explanations_of(con, "10.504", 2023)
    # USAspending answers whole years: its money missing from a year is a statement, and a shift from it stands.
    add_sam(con, "10.505", 2022, actual="2000000")
    add_usaspending(con, "10.505", 2023, "2000000")
    add_sam(con, "10.505", 2023, actual="0")
    reconcile(con, "run2", years=(2022, 2023, 2024))
    assert ("obligations_not_in_sam", "fiscal_year_shift") in explanations_of(con, "10.505", 2023)


def test_amounts_outside_tolerance_do_not_match_and_the_finding_stays():
    con = new_warehouse()
    add_sam(con, "10.501", 2022, actual="1000000")
    add_usaspending(con, "10.501", 2022, "0")
    add_usaspending(con, "10.501", 2023, "700000")
    reconcile(con, "run1")
    assert primary(con, "10.501", 2022, "actual_not_in_usaspending") == (None, None)
