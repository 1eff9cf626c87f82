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


def test_sam_gov_restating_its_figure_and_usaspending_restating_into_tolerance():
    con = new_warehouse()
    run(con, "r1", [listing("12.002", {(2022, "F001"): (None, 90000)}),
                    listing("12.003", {(2022, "F001"): (None, 500000)})],
        {("12.003", 2022): 400000})
    run(con, "r2", [listing("12.002", {(2022, "F001"): (None, 0)}),
                    listing("12.003", {(2022, "F001"): (None, 500000)})],
        {("12.003", 2022): 490000})
    assert resolved_reason(con, "r2", "12.002", 2022, "actual_not_in_usaspending") == "sam_restated"
    # The gap closed because USAspending restated its total: the specific cause, not within_tolerance.
    assert resolved_reason(con, "r2", "12.003", 2022, "amount_mismatch") == "usaspending_restated"


def test_usaspending_restating_and_settings_changing():
    con = new_warehouse()
    run(con, "r1", [], {("12.004", 2022): 70000, ("12.005", 2022): 3000})
    run(con, "r2", [], {("12.004", 2022): 500, ("12.005", 2022): 3000},
        rules=[r if r.id != "obligations_not_in_sam" else rule("obligations_not_in_sam", min_amount=5000)
               for r in load_rules()])
    assert resolved_reason(con, "r2", "12.004", 2022, "obligations_not_in_sam") == "usaspending_restated"
    assert resolved_reason(con, "r2", "12.005", 2022, "obligations_not_in_sam") == "settings_changed"
    # The reason names the setting; a figure's own cause needs no words.
    assert dict(con.execute("SELECT program_number, reason_detail FROM recon.finding_events WHERE run_id = 'r2'"
                            ).fetchall()) == {"12.004": None,
                                              "12.005": "rules.obligations_not_in_sam: min_amount 1000 -> 5000"}


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
    # SAM.gov gave its first actual while the rule was off (r2), after the finding was last seen (r1).
    assert resolved_reason(con, "r3", "12.006", 2022, "estimate_only") == "sam_reported"
    assert con.execute("SELECT status, rule_disabled FROM recon.findings WHERE rule_id = 'estimate_only'"
                       ).fetchone() == ("resolved", False)


def test_a_first_sam_actual_closing_estimate_only_is_sam_reported_not_sam_restated():
    con = new_warehouse()
    run(con, "r1", [listing("12.007", {(2022, "F001"): (7000, None)})], {})
    run(con, "r2", [listing("12.007", {(2022, "F001"): (7000, 6500)})], {})
    assert resolved_reason(con, "r2", "12.007", 2022, "estimate_only") == "sam_reported"


def test_a_first_actual_of_one_line_is_sam_reported_though_the_total_had_a_figure():
    # F001 already had an actual; F002 reports its first and brings the total within tolerance.
    con = new_warehouse()
    run(con, "r1", [listing("12.008", {(2022, "F001"): (None, 400000), (2022, "F002"): (90000, None)})],
        {("12.008", 2022): 500000})
    run(con, "r2", [listing("12.008", {(2022, "F001"): (None, 400000), (2022, "F002"): (90000, 100000)})],
        {("12.008", 2022): 500000})
    assert resolved_reason(con, "r2", "12.008", 2022, "amount_mismatch") == "sam_reported"


def test_a_sam_restatement_into_tolerance_is_sam_restated_not_within_tolerance():
    con = new_warehouse()
    run(con, "r1", [listing("12.009", {(2022, "F001"): (None, 500000)})], {("12.009", 2022): 400000})
    run(con, "r2", [listing("12.009", {(2022, "F001"): (None, 405000)})], {("12.009", 2022): 400000})
    assert resolved_reason(con, "r2", "12.009", 2022, "amount_mismatch") == "sam_restated"


def test_usaspending_none_to_a_figure_is_late_reporting():
    # A NULL USAspending figure (asked and absent) getting money is late reporting, not a restatement.
    con = new_warehouse()
    seed = [listing("12.010", {(2022, "F001"): (None, 40000)})]
    run(con, "r1", seed, {("12.010", 2022): None})
    run(con, "r2", seed, {("12.010", 2022): 40000})
    assert resolved_reason(con, "r2", "12.010", 2022, "actual_not_in_usaspending") == "late_reporting"


def test_a_figure_the_rule_does_not_read_is_no_cause():
    # SAM.gov changes only its estimate while actual_not_in_usaspending's minimum is raised: no figure
    # the rule reads (the actual, USAspending's obligations) changed, so SAM.gov restated nothing for it.
    con = new_warehouse()
    run(con, "r1", [listing("12.011", {(2022, "F001"): (100, 50000)})], {})
    higher = [r if r.id != "actual_not_in_usaspending" else rule("actual_not_in_usaspending", min_amount=100000)
              for r in load_rules()]
    run(con, "r2", [listing("12.011", {(2022, "F001"): (200, 50000)})], {}, rules=higher)
    assert resolved_reason(con, "r2", "12.011", 2022, "actual_not_in_usaspending") == "settings_changed"


def test_a_change_made_and_undone_while_the_rule_was_off_is_no_cause():
    # The cause is the net change since the finding was last evaluated (for a rule on every run: this
    # run's change). 12.012's actual goes 50,000 -> 60,000 -> 50,000 while the rule is off; back on
    # with a higher minimum, nothing the rule reads differs from when it last saw the finding.
    con = new_warehouse()
    run(con, "r1", [listing("12.012", {(2022, "F001"): (None, 50000)})], {})
    off = [r if r.id != "actual_not_in_usaspending" else rule("actual_not_in_usaspending", enabled=False)
           for r in load_rules()]
    run(con, "r2", [listing("12.012", {(2022, "F001"): (None, 60000)})], {}, rules=off)
    run(con, "r3", [listing("12.012", {(2022, "F001"): (None, 50000)})], {}, rules=off)
    higher = [r if r.id != "actual_not_in_usaspending" else rule("actual_not_in_usaspending", min_amount=100000)
              for r in load_rules()]
    run(con, "r4", [listing("12.012", {(2022, "F001"): (None, 50000)})], {}, rules=higher)
    assert resolved_reason(con, "r4", "12.012", 2022, "actual_not_in_usaspending") == "settings_changed"


def test_a_change_in_an_earlier_run_that_still_hit_the_finding_is_no_cause():
    # r2 restates SAM.gov's actual but the gap stays; r3 resolves the finding by a wider tolerance
    # alone: r2's change is not r3's cause.
    con = new_warehouse()
    run(con, "r1", [listing("12.013", {(2022, "F001"): (None, 500000)})], {("12.013", 2022): 400000})
    run(con, "r2", [listing("12.013", {(2022, "F001"): (None, 520000)})], {("12.013", 2022): 400000})
    wider = [r if r.id != "amount_mismatch" else rule("amount_mismatch", rel_tolerance="0.5") for r in load_rules()]
    run(con, "r3", [listing("12.013", {(2022, "F001"): (None, 520000)})], {("12.013", 2022): 400000}, rules=wider)
    assert resolved_reason(con, "r3", "12.013", 2022, "amount_mismatch") == "settings_changed"


def test_a_severity_change_is_an_event():
    con = new_warehouse()
    seed = [listing("12.030", {(2022, "F001"): (None, 90000)})]
    run(con, "r1", seed, {})
    run(con, "r2", seed, {}, rules=[rule("actual_not_in_usaspending", severity="warning")])
    assert con.execute("SELECT event, reason FROM recon.finding_events WHERE run_id = 'r2'").fetchall() == [
        ("severity_changed", "error -> warning")]
    assert con.execute("SELECT severity, status FROM recon.findings").fetchone() == ("warning", "open")
