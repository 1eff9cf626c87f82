"""recon.findings keeps history: new, then open; resolved (never deleted) when it goes away; reopened if it returns."""
from recon_fixtures import add_sam, add_usaspending, new_warehouse, reconcile


def _finding(con, program, fy, rule):
    cur = con.execute("SELECT * FROM recon.findings WHERE program_number=$p AND fiscal_year=$fy AND rule_id=$r",
                      {"p": program, "fy": fy, "r": rule})
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    return dict(zip(names, row)) if row else None


def _set_usaspending(con, program, fy, amount):
    con.execute("DELETE FROM staging.usaspending_program_year WHERE program_number=$p AND fiscal_year=$fy",
                {"p": program, "fy": fy})
    add_usaspending(con, program, fy, amount)


def test_a_finding_is_new_then_open_then_resolved_then_reopened():
    con = new_warehouse()
    add_sam(con, "97.102", 2022, actual="15000000")
    add_usaspending(con, "97.102", 2022, "0")

    counts = reconcile(con, "run1")
    f = _finding(con, "97.102", 2022, "actual_not_in_usaspending")
    assert (f["status"], f["first_seen_run_id"], f["last_seen_run_id"], f["run_id"]) == ("new", "run1", "run1", "run1")
    assert counts.new == 1 and counts.by_rule["actual_not_in_usaspending"] == 1
    assert f["message"] == ("SAM.gov reports an FY2022 actual of $15,000,000.00 for 97.102; USAspending "
                            "obligations are $0.00")

    reconcile(con, "run2")
    f = _finding(con, "97.102", 2022, "actual_not_in_usaspending")
    assert (f["status"], f["first_seen_run_id"], f["last_seen_run_id"]) == ("open", "run1", "run2")

    _set_usaspending(con, "97.102", 2022, "15000000")
    counts = reconcile(con, "run3")
    f = _finding(con, "97.102", 2022, "actual_not_in_usaspending")
    assert (f["status"], f["run_id"], f["last_seen_run_id"]) == ("resolved", "run3", "run2")
    assert counts.resolved == 1 and counts.open == 0

    _set_usaspending(con, "97.102", 2022, "0")
    reconcile(con, "run4")
    f = _finding(con, "97.102", 2022, "actual_not_in_usaspending")
    assert (f["status"], f["first_seen_run_id"], f["last_seen_run_id"]) == ("reopened", "run1", "run4")

    reconcile(con, "run5")
    assert _finding(con, "97.102", 2022, "actual_not_in_usaspending")["status"] == "open"

    events = con.execute("SELECT run_id, event FROM recon.finding_events ORDER BY run_id").fetchall()
    assert events == [("run1", "new"), ("run3", "resolved"), ("run4", "reopened")]


def test_a_run_limited_to_some_programs_or_years_resolves_nothing_outside_its_scope():
    con = new_warehouse()
    add_sam(con, "10.001", 2022, actual="5000")
    add_sam(con, "10.002", 2022, actual="5000")
    add_sam(con, "10.002", 2021, actual="5000")
    reconcile(con, "run1")
    con.execute("DELETE FROM staging.sam_obligations")  # nothing is found any more
    reconcile(con, "run2", years=(2022,), programs=("10.001",))
    assert _finding(con, "10.001", 2022, "actual_not_in_usaspending")["status"] == "resolved"
    assert _finding(con, "10.002", 2022, "actual_not_in_usaspending")["status"] == "new"
    assert _finding(con, "10.002", 2021, "actual_not_in_usaspending")["status"] == "new"
