"""loan_basis: loan, guarantee and insurance programs are measured differently on the two sites."""
from recon_fixtures import add_sam, add_usaspending, explanations_of, new_warehouse, primary, reconcile


def test_with_archive_data_a_sam_figure_matching_the_face_value_is_explained_as_such():
    con = new_warehouse()
    add_sam(con, "59.012", 2023, actual="35000000000", type_code="F004")
    add_usaspending(con, "59.012", 2023, "0", face_value="35000000000", subsidy_cost="0")
    reconcile(con, "run1")
    code, reason = primary(con, "59.012", 2023, "actual_not_in_usaspending")
    assert code == "loan_basis"
    assert reason == ("The SAM.gov figure $35,000,000,000.00 matches the loan face value on USAspending "
                      "($35,000,000,000.00); USAspending's obligation counts the subsidy cost ($0.00) instead")
    assert explanations_of(con, "59.012", 2023)[("actual_not_in_usaspending", "loan_basis")]["closes_gap"] is True


def test_without_archive_data_a_mostly_loan_program_with_a_smaller_usaspending_figure_is_explained():
    con = new_warehouse()
    add_sam(con, "84.268", 2023, actual="90000000000", type_code="F003")
    add_sam(con, "84.268", 2023, actual="10000000000", type_code="F001")
    add_usaspending(con, "84.268", 2023, "9000000000")
    reconcile(con, "run1")
    code, reason = primary(con, "84.268", 2023, "amount_mismatch")
    assert code == "loan_basis"
    assert reason.startswith("Loans, guarantees or insurance make up 90% of the SAM.gov figure")


def test_a_grant_program_or_a_loan_program_with_more_on_usaspending_is_not_explained():
    con = new_warehouse()
    add_sam(con, "10.001", 2023, actual="5000000", type_code="F001")
    add_usaspending(con, "10.001", 2023, "0")
    add_sam(con, "10.002", 2023, actual="5000000", type_code="F003")
    add_usaspending(con, "10.002", 2023, "9000000")
    reconcile(con, "run1")
    assert primary(con, "10.001", 2023, "actual_not_in_usaspending") == (None, None)
    assert primary(con, "10.002", 2023, "amount_mismatch") == (None, None)


def test_lines_of_an_archived_listing_under_the_same_number_do_not_count():
    con = new_warehouse()
    con.execute("INSERT INTO staging.sam_listings (run_id, program_number, program_id, title, status) VALUES "
                "('r', '13.333', 'old', 'Old loans', 'Inactive'), ('r', '13.333', 'new', 'New grants', 'Active')")
    con.execute("INSERT INTO staging.sam_obligations (run_id, program_number, program_id, fiscal_year, "
                "assistance_type_code, assistance_family, sam_actual) VALUES "
                "('r', '13.333', 'old', 2022, 'F003', 'direct_loan', 9000000), "
                "('r', '13.333', 'new', 2022, 'F001', 'grant', 1000000)")
    reconcile(con, "run1")
    assert primary(con, "13.333", 2022, "actual_not_in_usaspending") == (None, None)
