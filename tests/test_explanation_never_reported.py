"""never_reported: a program with no USAspending obligations in any year the warehouse holds.

A characterization (kind non_reporting): it names a systemic gap, never a legitimate difference,
and it never hides the finding.
"""
from decimal import Decimal

from recon_fixtures import (add_sam, add_usaspending, explanations_of, new_warehouse, primary, reconcile,
                            triage)

YEARS = (2021, 2022, 2023)


def _a_reporting_neighbour(con, program="97.900"):
    """Another program with USAspending rows in every year, so the warehouse holds those years."""
    for fy in YEARS:
        add_sam(con, program, fy, actual="2000000")
        add_usaspending(con, program, fy, "2000000")


def test_a_program_with_no_obligations_in_any_year_is_never_reported():
    con = new_warehouse()
    _a_reporting_neighbour(con)
    for fy in YEARS:
        add_sam(con, "97.501", fy, actual="4000000")
    add_usaspending(con, "97.501", 2021, "0")  # an explicit zero is no report either
    reconcile(con, "run1")
    for fy in YEARS:
        code, reason = primary(con, "97.501", fy, "actual_not_in_usaspending")
        assert code == "never_reported"
        assert triage(con, "97.501", fy, "actual_not_in_usaspending") == "non_reporting"
    assert reason == ("USAspending records no obligations under 97.501 in any of the 3 fiscal years the warehouse "
                      "holds (FY2021-FY2023): the program does not report to USAspending at all, one compliance "
                      "question for the program rather than a gap in this year")
    row = explanations_of(con, "97.501", 2022)[("actual_not_in_usaspending", "never_reported")]
    assert row["kind"] == "non_reporting"
    # It characterizes; the finding stays open with its figures.
    status = con.execute("SELECT status, sam_amount FROM recon.findings WHERE program_number = '97.501' "
                         "AND fiscal_year = 2022").fetchone()
    assert status == ("new", 4000000)


def test_obligations_in_one_other_year_only_is_not_never_reported_but_a_lead():
    con = new_warehouse()
    _a_reporting_neighbour(con)
    for fy in YEARS:
        add_sam(con, "97.502", fy, actual="4000000")
    add_usaspending(con, "97.502", 2021, "3000000")
    reconcile(con, "run1")
    assert ("actual_not_in_usaspending", "never_reported") not in explanations_of(con, "97.502", 2022)
    assert primary(con, "97.502", 2022, "actual_not_in_usaspending") == (None, None)
    assert triage(con, "97.502", 2022, "actual_not_in_usaspending") == "lead"
    lead = con.execute("SELECT reported_years FROM recon.leads WHERE program_number = '97.502' "
                       "AND fiscal_year = 2022").fetchone()
    assert lead == ([2021],)


def test_a_negative_total_is_a_report_too():
    con = new_warehouse()
    _a_reporting_neighbour(con)
    for fy in YEARS:
        add_sam(con, "97.503", fy, actual="4000000")
    add_usaspending(con, "97.503", 2023, "-25000")
    reconcile(con, "run1")
    assert ("actual_not_in_usaspending", "never_reported") not in explanations_of(con, "97.503", 2022)


def test_one_year_of_data_is_no_history_unless_configured():
    con = new_warehouse()
    add_sam(con, "97.900", 2022, actual="2000000")
    add_usaspending(con, "97.900", 2022, "2000000")
    add_sam(con, "97.504", 2022, actual="4000000")
    reconcile(con, "run1")
    assert primary(con, "97.504", 2022, "actual_not_in_usaspending") == (None, None)
    reconcile(con, "run2", explanation_overrides={"never_reported": {"min_years_held": 1}})
    assert primary(con, "97.504", 2022, "actual_not_in_usaspending")[0] == "never_reported"


def test_a_legitimate_explanation_wins_the_primary_and_the_triage():
    con = new_warehouse()
    _a_reporting_neighbour(con)
    for fy in YEARS:
        add_sam(con, "59.505", fy, actual="90000000", type_code="F004")  # a guarantee program
    reconcile(con, "run1")
    assert primary(con, "59.505", 2022, "actual_not_in_usaspending")[0] == "loan_basis"
    assert triage(con, "59.505", 2022, "actual_not_in_usaspending") == "legitimate"
    kinds = {k[1]: v["kind"] for k, v in explanations_of(con, "59.505", 2022).items()}
    assert kinds == {"loan_basis": "legitimate", "never_reported": "non_reporting"}


def test_an_estimate_only_finding_of_a_never_reporting_program_is_characterized():
    con = new_warehouse()
    _a_reporting_neighbour(con)
    add_sam(con, "97.506", 2021, actual="4000000")
    add_sam(con, "97.506", 2022, estimate="4000000")
    reconcile(con, "run1")
    assert primary(con, "97.506", 2022, "estimate_only")[0] == "never_reported"


def test_in_archive_mode_every_year_the_store_holds_counts():
    con = new_warehouse()
    _a_reporting_neighbour(con)
    for fy in YEARS:
        add_sam(con, "97.507", fy, actual="4000000")
    # An earlier fiscal year only the archive store holds (staging.usaspending_all_years).
    con.execute("INSERT INTO staging.usaspending_all_years VALUES ('r0', '97.507', 2012, 1500000)")
    reconcile(con, "run1")
    assert ("actual_not_in_usaspending", "never_reported") not in explanations_of(con, "97.507", 2022)
    assert triage(con, "97.507", 2022, "actual_not_in_usaspending") == "lead"
    assert con.execute("SELECT reported_years FROM recon.leads WHERE program_number = '97.507' "
                       "AND fiscal_year = 2022").fetchone() == ([2012],)


def test_an_archive_mode_load_brings_every_year_the_store_holds(tmp_path):
    from archive_testkit import full_name, make_zip, txn
    from recon_fixtures import build_program_year
    from warehouse.archive.ingest import ingest_file
    from warehouse.archive.store import open_store
    from warehouse.archive_load import load_usaspending_from_archive
    from warehouse.explanations.registry import load_explanations
    from warehouse.findings import merge_findings
    from warehouse.rules.registry import load_rules
    from warehouse.scope import Scope

    store = tmp_path / "archive.duckdb"
    archive = open_store(store)
    ingest_file(archive, make_zip(tmp_path / "src", full_name(2015, "20160415"),
                                  [txn("A1", "97.777", "1250000.00", fy=2015)]))
    ingest_file(archive, make_zip(tmp_path / "src", full_name(2023, "20240415"),
                                  [txn("B1", "97.900", "2000000.00", fy=2023)]))
    archive.close()
    con = new_warehouse(tmp_path / "w.duckdb")
    add_sam(con, "97.900", 2023, actual="2000000")
    add_sam(con, "97.777", 2023, actual="3000000")  # reported in FY2015, which only the store holds
    add_sam(con, "97.778", 2023, actual="3000000")  # reported in no year the store holds
    load_usaspending_from_archive(con, store, "run1", Scope((2023,)))
    assert con.execute("SELECT program_number, fiscal_year, usaspending_obligations FROM staging.usaspending_all_years "
                       "ORDER BY ALL").fetchall() == [("97.777", 2015, 1250000), ("97.900", 2023, 2000000)]
    build_program_year(con)
    merge_findings(con, "run1", load_rules(), Scope((2023,)), load_explanations())
    assert triage(con, "97.777", 2023, "actual_not_in_usaspending") == "lead"
    assert primary(con, "97.778", 2023, "actual_not_in_usaspending")[0] == "never_reported"


def test_a_file_with_the_tables_first_name_keeps_its_archive_years():
    # staging.usaspending_all_years was first called staging.usaspending_history, a name easy to
    # take for recon.figure_history; a file made then keeps its rows under the new name.
    from warehouse.db import ensure_schema
    con = new_warehouse()
    con.execute("DROP TABLE staging.usaspending_all_years")
    con.execute("CREATE TABLE staging.usaspending_history (run_id VARCHAR NOT NULL, program_number VARCHAR NOT NULL, "
                "fiscal_year INTEGER NOT NULL, obligations DECIMAL(18,2))")
    con.execute("INSERT INTO staging.usaspending_history VALUES ('r0', '97.507', 2012, 1500000)")
    ensure_schema(con)
    assert con.execute("SELECT program_number, fiscal_year, usaspending_obligations FROM staging.usaspending_all_years").fetchall() == [
        ("97.507", 2012, Decimal("1500000.00"))]
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'usaspending_history'"
                       ).fetchone() == (0,)
