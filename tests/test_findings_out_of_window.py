"""A year leaving the run's window leaves its findings as they were, marked out of window: not open
leads, and counted the same way (not at all) in every total, until a run covers the year again."""
from __future__ import annotations

from history_fixtures import listing, run
from recon_fixtures import new_warehouse
from warehouse.db import connect

SEED = [listing("97.102", {(2021, "F001"): (1, 9000000), (2022, "F001"): (5000000, 15000000)})]


def _flags(con) -> dict:  # type: ignore[no-untyped-def]
    return {fy: (status, oow) for fy, status, oow in con.execute(
        "SELECT fiscal_year, status, out_of_window FROM recon.findings WHERE rule_id = 'actual_not_in_usaspending'"
    ).fetchall()}


def test_a_year_leaving_the_window_keeps_its_findings_uncounted_and_coming_back_counts_them_again():
    con = new_warehouse()
    counts, _ = run(con, "r1", SEED, {}, years=(2021, 2022))
    assert counts.open == 2
    counts, _ = run(con, "r2", SEED, {}, years=(2022, 2023))  # the window moved: FY2021 left it
    assert _flags(con) == {2021: ("new", True), 2022: ("open", False)}  # kept as it was, marked
    assert counts.open == 1 and counts.resolved == 0
    assert con.execute("SELECT fiscal_year FROM recon.leads WHERE rule_id = 'actual_not_in_usaspending'"
                       ).fetchall() == [(2022,)]
    assert con.execute("SELECT count(*) FROM recon.findings WHERE counts_as_open(status, out_of_window, rule_disabled)"
                       ).fetchone() == (counts.open,)
    counts, _ = run(con, "r3", SEED, {}, years=(2021, 2022))  # asked again: counted again, not new
    assert _flags(con) == {2021: ("open", False), 2022: ("open", False)}
    assert counts.open == 2 and counts.new == 0


def test_counts_as_open_is_one_definition_for_every_total(tmp_path):
    con = connect(":memory:")
    try:
        assert con.execute("SELECT counts_as_open('open', NULL, NULL), counts_as_open('open', true, false), "
                           "counts_as_open('resolved', false, false), counts_as_open('reopened', false, false), "
                           "counts_as_open('open', false, true)").fetchone() == (True, False, False, True, False)
    finally:
        con.close()
