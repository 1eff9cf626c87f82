"""recon.finding_events says why a finding went away; a disabled rule resolves nothing."""
from __future__ import annotations

from history_fixtures import listing, resolved_reason, run
from recon_fixtures import new_warehouse, rule
from warehouse.rules.registry import load_rules


def test_usaspending_recording_the_money_later_is_late_reporting():
    con = new_warehouse()
    seed = [listing("97.102", {(2022, "F001"): (5000000, 15000000)})]
    run(con, "r1", seed, {("97.102", 2022): 0})
    run(con, "r2", seed, {("97.102", 2022): 15000000})
    assert resolved_reason(con, "r2", "97.102", 2022, "actual_not_in_usaspending") == "late_reporting"


def test_a_row_usaspending_did_not_have_arriving_is_late_reporting_too():
    con = new_warehouse()
    seed = [listing("12.001", {(2022, "F001"): (None, 40000)})]
    run(con, "r1", seed, {})
    run(con, "r2", seed, {("12.001", 2022): 40000})
    assert resolved_reason(con, "r2", "12.001", 2022, "actual_not_in_usaspending") == "late_reporting"


def test_sam_gov_restating_its_figure_and_a_gap_closing_within_tolerance():
    con = new_warehouse()
    run(con, "r1", [listing("12.002", {(2022, "F001"): (None, 90000)}),
                    listing("12.003", {(2022, "F001"): (None, 500000)})],
        {("12.003", 2022): 400000})
    run(con, "r2", [listing("12.002", {(2022, "F001"): (None, 0)}),
                    listing("12.003", {(2022, "F001"): (None, 500000)})],
        {("12.003", 2022): 490000})
    assert resolved_reason(con, "r2", "12.002", 2022, "actual_not_in_usaspending") == "sam_restated"
    assert resolved_reason(con, "r2", "12.003", 2022, "amount_mismatch") == "within_tolerance"


def test_usaspending_restating_and_settings_changing():
    con = new_warehouse()
    run(con, "r1", [], {("12.004", 2022): 70000, ("12.005", 2022): 3000})
    run(con, "r2", [], {("12.004", 2022): 500, ("12.005", 2022): 3000},
        rules=[r if r.id != "obligations_not_in_sam" else rule("obligations_not_in_sam", min_amount=5000)
               for r in load_rules()])
    assert resolved_reason(con, "r2", "12.004", 2022, "obligations_not_in_sam") == "usaspending_restated"
    assert resolved_reason(con, "r2", "12.005", 2022, "obligations_not_in_sam") == "no_longer_applies"


def test_a_disabled_rule_leaves_its_findings_as_they_were():
    con = new_warehouse()
    seed = [listing("12.006", {(2022, "F001"): (7000, None)})]
    run(con, "r1", seed, {})
    off = [r if r.id != "estimate_only" else rule("estimate_only", enabled=False) for r in load_rules()]
    counts, _ = run(con, "r2", [listing("12.006", {(2022, "F001"): (7000, 6000)})], {}, rules=off)
    row = con.execute("SELECT status, run_id, rule_disabled FROM recon.findings WHERE rule_id = 'estimate_only'"
                      ).fetchone()
    assert row == ("new", "r1", True)
    assert con.execute("SELECT count(*) FROM recon.finding_events WHERE rule_id = 'estimate_only' "
                       "AND event = 'resolved'").fetchone() == (0,)
    run(con, "r3", [listing("12.006", {(2022, "F001"): (7000, 6000)})], {})  # on again: now it resolves
    # SAM.gov restated the figure while the rule was off (r2), after the finding was last seen (r1).
    assert resolved_reason(con, "r3", "12.006", 2022, "estimate_only") == "sam_restated"
    assert con.execute("SELECT status, rule_disabled FROM recon.findings WHERE rule_id = 'estimate_only'"
                       ).fetchone() == ("resolved", False)


def test_a_severity_change_is_an_event():
    con = new_warehouse()
    seed = [listing("12.030", {(2022, "F001"): (None, 90000)})]
    run(con, "r1", seed, {})
    run(con, "r2", seed, {}, rules=[rule("actual_not_in_usaspending", severity="warning")])
    assert con.execute("SELECT event, reason FROM recon.finding_events WHERE run_id = 'r2'").fetchall() == [
        ("severity_changed", "error -> warning")]
    assert con.execute("SELECT severity, status FROM recon.findings").fetchone() == ("warning", "open")
