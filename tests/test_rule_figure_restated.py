"""figure_restated: a source restated a completed fiscal year's figure and it stands: the current
figure differs from its baseline (the first figure stated after the year ended, per line for SAM.gov)
by more than the thresholds. Small USAspending drift is recorded, never flagged; drift in steps adds up."""
from __future__ import annotations

from decimal import Decimal
from datetime import datetime

from history_fixtures import listing, resolved_reason, run
from recon_fixtures import hits, new_warehouse


def test_a_restated_sam_actual_is_flagged_with_the_change():
    con = new_warehouse()
    run(con, "r1", [listing("11.101", {(2022, "F001"): (None, 100000)})], {("11.101", 2022): 100000})
    run(con, "r2", [listing("11.101", {(2022, "F001"): (None, 150000)})], {("11.101", 2022): 100000})
    row = hits(con, "figure_restated")[("11.101", 2022)]
    assert (row["sam_amount"], row["usaspending_amount"], row["difference"]) == (
        Decimal("150000.00"), Decimal("100000.00"), Decimal("50000.00"))
    restated = con.execute("SELECT source, measure, old_value, new_value, old_run_id, run_id "
                           "FROM recon.restatements").fetchall()
    assert restated == [("sam", "actual", Decimal("100000.00"), Decimal("150000.00"), "r1", "r2")]


def test_an_actual_withdrawn_with_an_explicit_null_counts_as_restated():
    con = new_warehouse()
    run(con, "r1", [listing("11.102", {(2022, "F001"): (5, 80000)})], {})
    run(con, "r2", [listing("11.102", {(2022, "F001"): (5, None)})], {})
    assert hits(con, "figure_restated")[("11.102", 2022)]["difference"] == Decimal("-80000.00")


def test_small_usaspending_drift_is_recorded_not_flagged_and_a_large_change_is():
    con = new_warehouse()
    run(con, "r1", [], {("11.103", 2022): 10000000, ("11.104", 2022): 10000000})
    run(con, "r2", [], {("11.103", 2022): 10010000, ("11.104", 2022): 8000000})
    assert set(hits(con, "figure_restated")) == {("11.104", 2022)}
    assert con.execute("SELECT count(*) FROM recon.restatements WHERE source = 'usaspending'").fetchone() == (2,)
    assert set(hits(con, "figure_restated", rel_usaspending_threshold="0.0001", usaspending_min_amount=1000)) == {
        ("11.103", 2022), ("11.104", 2022)}


def test_first_reports_absent_years_the_year_in_progress_and_estimates_are_not_restatements():
    con = new_warehouse()
    run(con, "r1", [listing("11.105", {(2021, "F001"): (1, 50000), (2023, "F001"): (900000, None)})], {})
    run(con, "r2", [listing("11.105", {(2023, "F001"): (100, 70000)}),  # 2021 absent; 2023 gains its actual
                    listing("11.106", {(2022, "F001"): (None, 90000)})], {})  # first report
    run(con, "r3", [listing("11.107", {(2027, "F001"): (None, 90000)})], {}, years=(2027,))
    run(con, "r4", [listing("11.107", {(2027, "F001"): (None, 10)})], {}, years=(2027,),
        now=datetime(2026, 11, 3))
    assert hits(con, "figure_restated") == {}


def test_a_figure_changed_back_to_its_baseline_stands_no_more():
    # figure_restated compares the current figure with its baseline (r1's, stated after the year
    # ended): r3 changes it back, so nothing stands and the finding resolves, caused by SAM.gov's
    # restatement; recon.restatements keeps both changes.
    con = new_warehouse()
    for run_id, actual in (("r1", 100000), ("r2", 300000), ("r3", 100000)):
        run(con, run_id, [listing("11.108", {(2022, "F001"): (None, actual)})], {("11.108", 2022): 100000})
        if run_id == "r2":
            assert hits(con, "figure_restated")[("11.108", 2022)]["difference"] == Decimal("200000.00")
    assert hits(con, "figure_restated") == {}
    assert resolved_reason(con, "r3", "11.108", 2022, "figure_restated") == "sam_restated"
    assert con.execute("SELECT run_id, change FROM recon.restatements ORDER BY run_id").fetchall() == [
        ("r2", Decimal("200000.00")), ("r3", Decimal("-200000.00"))]


def test_a_restatement_is_triaged_as_such_and_is_never_a_lead():
    # A restatement says a source changed its own record; it is no sign of missing money, so it sits
    # outside the legitimate / non-reporting / lead buckets and stays out of recon.leads.
    con = new_warehouse()
    run(con, "r1", [listing("11.109", {(2022, "F001"): (None, 100000)})], {("11.109", 2022): 100000})
    run(con, "r2", [listing("11.109", {(2022, "F001"): (None, 150000)})], {("11.109", 2022): 100000})
    triage = dict(con.execute("SELECT rule_id, triage FROM recon.findings WHERE program_number = '11.109'").fetchall())
    assert triage["figure_restated"] == "restatement"
    assert triage["amount_mismatch"] == "lead"
    assert con.execute("SELECT rule_id FROM recon.leads WHERE program_number = '11.109'").fetchall() == [
        ("amount_mismatch",)]


def test_drift_in_small_steps_adds_up_against_the_baseline():
    # Ten USAspending steps of +4% of the first full-year figure, each under the 5% threshold: +40% in all.
    con = new_warehouse()
    for step in range(11):
        run(con, f"r{step:02d}", [], {("11.110", 2022): 10000000 + 400000 * step})
        if step == 1:
            assert hits(con, "figure_restated") == {}
    row = hits(con, "figure_restated")[("11.110", 2022)]
    assert (row["usaspending_amount"], row["difference"]) == (Decimal("14000000.00"), Decimal("4000000.00"))


def test_a_small_later_drift_does_not_resolve_a_large_standing_restatement():
    con = new_warehouse()
    for run_id, total in (("r1", 4000000), ("r2", 6000000), ("r3", 6001000)):
        run(con, run_id, [], {("11.111", 2022): total})
    assert hits(con, "figure_restated")[("11.111", 2022)]["difference"] == Decimal("2001000.00")
    assert con.execute("SELECT status FROM recon.findings WHERE rule_id = 'figure_restated' "
                       "AND program_number = '11.111'").fetchone() == ("open",)


def test_a_lines_first_report_is_no_restatement_of_the_total():
    # 11.112's F002 reports its first actual in r2 (the total goes 100,000 -> 150,000): nothing restated.
    con = new_warehouse()
    run(con, "r1", [listing("11.112", {(2022, "F001"): (None, 100000), (2022, "F002"): (60000, None)})], {})
    run(con, "r2", [listing("11.112", {(2022, "F001"): (None, 100000), (2022, "F002"): (60000, 50000)})], {})
    assert hits(con, "figure_restated") == {}
