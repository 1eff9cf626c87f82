"""recon.program_year: one row per program and year seen in either source; missing is not zero."""
from decimal import Decimal

from recon_fixtures import add_sam, add_usaspending, build_program_year, new_warehouse


def _row(con, program, fy):
    cur = con.execute("SELECT * FROM recon.program_year WHERE program_number = $p AND fiscal_year = $fy",
                      {"p": program, "fy": fy})
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1
    return dict(zip(names, rows[0]))


def test_null_where_a_source_gave_nothing_and_zero_where_it_said_zero():
    con = new_warehouse()
    add_sam(con, "97.102", 2021, actual="0", estimate="0")
    add_usaspending(con, "97.102", 2021, "0")
    add_sam(con, "97.102", 2023, estimate="20000000")
    add_usaspending(con, "93.999", 2023, "125.50")
    build_program_year(con)
    zero = _row(con, "97.102", 2021)
    assert (zero["sam_actual"], zero["sam_estimate"], zero["usaspending_obligations"]) == (0, 0, 0)
    assert zero["difference"] == Decimal("0.00")
    est = _row(con, "97.102", 2023)
    assert est["sam_actual"] is None and est["usaspending_obligations"] is None and est["difference"] is None
    unlisted = _row(con, "93.999", 2023)
    assert unlisted["sam_listed"] is False and unlisted["sam_actual"] is None
    assert unlisted["agency"] == "Department of Health and Human Services"  # from the ALN prefix


def test_money_is_decimal_18_2_and_exact():
    con = new_warehouse()
    add_sam(con, "10.001", 2022, actual="0.10", type_code="F001")
    add_sam(con, "10.001", 2022, actual="0.20", type_code="F002")
    add_usaspending(con, "10.001", 2022, "98765432109876.54")
    build_program_year(con)
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_schema = 'recon' AND table_name = 'program_year'").fetchall())
    for col in ("sam_estimate", "sam_actual", "usaspending_obligations", "difference"):
        assert types[col] == "DECIMAL(18,2)"
    row = _row(con, "10.001", 2022)
    assert row["sam_actual"] == Decimal("0.30")
    assert row["usaspending_obligations"] == Decimal("98765432109876.54")


def test_a_reissued_number_uses_the_active_listing_only():
    con = new_warehouse()
    con.execute("INSERT INTO staging.sam_listings (run_id, program_number, program_id, title, status) VALUES "
                "('r', '15.001', 'old', 'Old title', 'Inactive'), ('r', '15.001', 'new', 'New title', 'Active')")
    con.execute("INSERT INTO staging.sam_obligations (run_id, program_number, program_id, fiscal_year, sam_actual) "
                "VALUES ('r', '15.001', 'old', 2022, 100), ('r', '15.001', 'new', 2022, 40)")
    build_program_year(con)
    row = _row(con, "15.001", 2022)
    assert row["program_title"] == "New title" and row["sam_actual"] == Decimal("40.00")


def test_completed_years_follow_the_run_date():
    con = new_warehouse()
    add_sam(con, "10.001", 2026, estimate="1")
    add_sam(con, "10.001", 2027, estimate="1")
    build_program_year(con, current_fiscal_year=2027)
    assert _row(con, "10.001", 2026)["fiscal_year_completed"] is True
    assert _row(con, "10.001", 2027)["fiscal_year_completed"] is False
