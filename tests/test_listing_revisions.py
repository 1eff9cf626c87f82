"""A program-year is its ALN and fiscal year, not a listing id: SAM.gov republishes revised listings
under new ids, renumbers listings, and stops listing numbers; the figures stay what SAM.gov last
stated for each program-year, counted once."""
from __future__ import annotations

from decimal import Decimal

from history_fixtures import figures, listing, run, versions
from recon_fixtures import new_warehouse

D = Decimal


def _sam(con, number: str, fiscal_year: int) -> tuple:  # type: ignore[no-untyped-def]
    return con.execute("SELECT sam_estimate, sam_actual, sam_listing_id, sam_stated_run, sam_carried_forward "
                       "FROM recon.program_year WHERE program_number = $p AND fiscal_year = $fy",
                       {"p": number, "fy": fiscal_year}).fetchone()


def test_a_revision_under_a_new_id_replaces_the_years_it_states_and_leaves_the_rest_as_last_stated():
    con = new_warehouse()
    old = {(2021, "F001"): (1000, 900), (2022, "F001"): (2000, 1800)}
    run(con, "r1", [listing("11.001", old, program_id="id-a")], {("11.001", 2021): 900, ("11.001", 2022): 1800})
    # SAM.gov republishes the listing under a new id; the revision states FY2022 (restated) and FY2023 only.
    counts, warnings = run(con, "r2", [listing("11.001", {(2022, "F001"): (2000, 1900), (2023, "F001"): (3000, None)},
                                               program_id="id-b", published_date="2024-01-01")],
                           {("11.001", 2021): 900, ("11.001", 2022): 1800})
    assert _sam(con, "11.001", 2021) == (D("1000.00"), D("900.00"), "id-a", "r1", True)  # carried, with its id and run
    assert _sam(con, "11.001", 2022) == (D("2000.00"), D("1900.00"), "id-b", "r2", False)  # the revision's
    assert _sam(con, "11.001", 2023)[:3] == (D("3000.00"), None, "id-b")
    assert versions(con, "11.001", 2021) == [(D("900.00"), "r1", None)]  # nothing changed: no new version
    assert versions(con, "11.001", 2022) == [(D("1800.00"), "r1", "r2"), (D("1900.00"), "r2", None)]
    assert counts.resolved == 0
    # The old id is gone under this number, but the number is listed: no warning about a vanished program.
    assert not any("no longer lists" in w for w in warnings)
    assert con.execute("SELECT sam_listed, sam_status FROM recon.program_year WHERE program_number = '11.001' "
                       "AND fiscal_year = 2021").fetchone() == (True, "Active")


def test_revisions_in_consecutive_runs_keep_every_year_last_stated():
    con = new_warehouse()
    run(con, "r1", [listing("11.002", {(2021, "F001"): (1, 100), (2022, "F001"): (2, 200)}, program_id="v1")], {})
    run(con, "r2", [listing("11.002", {(2022, "F001"): (2, 210), (2023, "F001"): (3, None)}, program_id="v2")], {})
    run(con, "r3", [listing("11.002", {(2023, "F001"): (3, 300)}, program_id="v3")], {})
    assert [_sam(con, "11.002", fy)[1:4] for fy in (2021, 2022, 2023)] == [
        (D("100.00"), "v1", "r1"), (D("210.00"), "v2", "r2"), (D("300.00"), "v3", "r3")]


def test_two_listings_of_one_number_stating_a_year_in_one_run_the_active_one_wins():
    con = new_warehouse()
    run(con, "r1", [listing("11.003", {(2022, "F001"): (5, 50)}, program_id="archived", status="Archived"),
                    listing("11.003", {(2022, "F001"): (5, 70)}, program_id="active")], {})
    assert _sam(con, "11.003", 2022)[1:3] == (D("70.00"), "active")
    # Next run only the archived listing states FY2022 (the active one no longer carries it): the latest
    # statement wins, whichever listing made it.
    run(con, "r2", [listing("11.003", {(2022, "F001"): (5, 55)}, program_id="archived", status="Archived"),
                    listing("11.003", {(2023, "F001"): (6, None)}, program_id="active")], {})
    assert _sam(con, "11.003", 2022)[1:3] == (D("55.00"), "archived")


def test_a_renumbered_listing_takes_its_figures_to_the_new_number_counted_once():
    con = new_warehouse()
    lines = {(2021, "F001"): (1000, 900), (2022, "F001"): (2000, 1800)}
    run(con, "r1", [listing("11.004", lines, program_id="same-id"), listing("11.005", {(2022, "F001"): (1, 1)})],
        {("11.004", 2021): 900, ("11.004", 2022): 1800})
    # Same listing id, a new number under another agency. USAspending still books the money under the old one.
    counts, warnings = run(con, "r2", [listing("12.004", lines, program_id="same-id", department="Other Department"),
                                       listing("11.005", {(2022, "F001"): (1, 1)})],
                           {("11.004", 2021): 900, ("11.004", 2022): 1800})
    old = con.execute("SELECT sam_estimate, sam_actual, sam_renumbered_to, sam_listed, sam_status, usaspending_obligations "
                      "FROM recon.program_year WHERE program_number = '11.004' AND fiscal_year = 2021").fetchone()
    assert old == (None, None, "12.004", False, "renumbered", D("900.00"))
    assert _sam(con, "12.004", 2021)[:3] == (D("1000.00"), D("900.00"), "same-id")
    total = con.execute("SELECT sum(sam_actual) FROM recon.program_year WHERE fiscal_year = 2021").fetchone()[0]
    assert total == D("900.00")  # not counted under both numbers
    # The old number's history closes, saying why; the new number's opens.
    assert con.execute("SELECT value, valid_to_run, closed_reason FROM recon.figure_history WHERE program_number = "
                       "'11.004' AND fiscal_year = 2021 AND source = 'sam' AND measure = 'actual' AND line = 'total'"
                       ).fetchall() == [(D("900.00"), "r2", "renumbered")]
    assert versions(con, "12.004", 2021) == [(D("900.00"), "r2", None)]
    assert any("renumbered 1 listing(s) (11.004 -> 12.004)" in w for w in warnings), warnings
    assert not any("no longer lists" in w for w in warnings), warnings
    # A third run changes nothing more: the old number stays renumbered, nothing closes or opens again.
    run(con, "r3", [listing("12.004", lines, program_id="same-id", department="Other Department"),
                    listing("11.005", {(2022, "F001"): (1, 1)})], {("11.004", 2021): 900, ("11.004", 2022): 1800})
    assert con.execute("SELECT count(*) FROM recon.figure_history WHERE valid_from_run = 'r3' OR valid_to_run = 'r3'"
                       ).fetchone() == (0,)


def test_asked_and_absent_usaspending_has_no_figure_now_and_the_history_says_so():
    con = new_warehouse()
    run(con, "r1", [listing("11.006", {(2022, "F001"): (100000, 90000)})],
        {("11.006", 2022): 90000, ("11.007", 2022): 5000})
    # USAspending's complete FY2022 answer no longer holds either program (deobligated, or recoded).
    run(con, "r2", [listing("11.006", {(2022, "F001"): (100000, 90000)})], {})
    row = con.execute("SELECT usaspending_obligations, usaspending_carried_forward, usaspending_last_reported_run "
                      "FROM recon.program_year WHERE program_number = '11.006' AND fiscal_year = 2022").fetchone()
    assert row == (None, False, "r1")
    assert versions(con, "11.006", 2022, "usaspending", "obligations") == [(D("90000.00"), "r1", "r2"), (None, "r2", None)]
    assert con.execute("SELECT old_value, new_value FROM recon.restatements WHERE program_number = '11.006' "
                       "AND source = 'usaspending'").fetchall() == [(D("90000.00"), None)]
    assert con.execute("SELECT rule_id FROM recon.findings WHERE program_number = '11.006' AND status <> 'resolved' "
                       "ORDER BY 1").fetchall() == [("actual_not_in_usaspending",)]
    # A program-year that only USAspending ever had keeps its row, with no figure and the last reporting run.
    assert figures(con, "11.007", 2022)[2:] == (None, False, None, False)
    # Asked again and still absent: nothing new in the history.
    run(con, "r3", [listing("11.006", {(2022, "F001"): (100000, 90000)})], {})
    assert versions(con, "11.006", 2022, "usaspending", "obligations")[-1] == (None, "r2", None)


def test_a_listing_republished_then_renumbered_is_renumbered_not_gone():
    con = new_warehouse()
    lines = {(2022, "F001"): (1000, 900)}
    run(con, "r1", [listing("11.008", lines, program_id="first-id")], {})
    run(con, "r2", [listing("11.008", lines, program_id="second-id")], {})  # republished: first-id is gone
    _, warnings = run(con, "r3", [listing("12.008", lines, program_id="second-id")], {})
    assert any("renumbered 1 listing(s) (11.008 -> 12.008)" in w for w in warnings), warnings
    assert not any("no longer lists" in w for w in warnings), warnings
    assert con.execute("SELECT sam_status, sam_renumbered_to FROM recon.program_year WHERE program_number = '11.008'"
                       ).fetchone() == ("renumbered", "12.008")
