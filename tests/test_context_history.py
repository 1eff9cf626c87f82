"""Context has a history: agency, sub-agency, title, listing status and assistance types are kept per
run; past fiscal years keep the agency they had when they ended, and a change is an event."""
from __future__ import annotations

from datetime import date

from history_fixtures import listing, run
from recon_fixtures import new_warehouse

YEARS = (2022, 2023, 2024)
LINES = {(2022, "F001"): (1, 100), (2023, "F001"): (1, 100), (2024, "F001"): (1, None)}


def _agencies(con, number: str) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return dict(con.execute("SELECT fiscal_year, agency FROM recon.program_year WHERE program_number = $p",
                            {"p": number}).fetchall())


def test_an_agency_move_keeps_past_years_agency_and_is_an_event():
    con = new_warehouse()
    run(con, "r1", [listing("11.010", LINES, department="Department of Old")], {}, years=YEARS,
        as_of=date(2024, 2, 15))
    run(con, "r2", [listing("11.010", LINES, department="Department of Old")], {}, years=YEARS,
        as_of=date(2024, 8, 15))
    # Moved between the FY2024 year end and the next run: FY2022-FY2024 ended under the old department.
    run(con, "r3", [listing("11.010", {**LINES, (2025, "F001"): (1, None)}, department="Department of New")], {},
        years=(*YEARS, 2025), as_of=date(2025, 1, 15))
    assert _agencies(con, "11.010") == {2022: "Department of Old", 2023: "Department of Old",
                                        2024: "Department of Old", 2025: "Department of New"}
    assert con.execute("SELECT run_id, change, old_value, new_value FROM recon.context_changes "
                       "WHERE program_number = '11.010'").fetchall() == [
        ("r3", "agency_moved", "Department of Old", "Department of New")]
    # An unchanged run adds no version.
    run(con, "r4", [listing("11.010", {**LINES, (2025, "F001"): (1, None)}, department="Department of New")], {},
        years=(*YEARS, 2025), as_of=date(2025, 2, 15))
    assert con.execute("SELECT count(*) FROM recon.context_history WHERE program_number = '11.010'").fetchone() == (2,)


def test_a_first_run_after_the_years_ended_gives_them_the_agency_it_saw():
    con = new_warehouse()
    run(con, "r1", [listing("11.011", LINES, department="Department A")], {}, years=YEARS, as_of=date(2025, 1, 1))
    run(con, "r2", [listing("11.011", LINES, department="Department B")], {}, years=YEARS, as_of=date(2025, 3, 1))
    assert set(_agencies(con, "11.011").values()) == {"Department A"}  # every year ended before either run


def test_republishing_and_status_changes_are_events():
    con = new_warehouse()
    run(con, "r1", [listing("11.012", LINES, program_id="v1")], {}, years=YEARS, as_of=date(2025, 1, 1))
    run(con, "r2", [listing("11.012", LINES, program_id="v2", status="Archived")], {}, years=YEARS,
        as_of=date(2025, 2, 1))
    run(con, "r3", [], {}, years=YEARS, as_of=date(2025, 3, 1))
    changes = con.execute("SELECT run_id, change, old_value, new_value FROM recon.context_changes "
                          "WHERE program_number = '11.012' ORDER BY run_id, change").fetchall()
    assert changes == [("r2", "republished", "v1", "v2"), ("r2", "status_changed", "Active", "Archived"),
                       ("r3", "no_longer_listed", None, None)]
