"""Disabled means out of the way: a switched-off rule's findings are kept as they were, but are no leads,
count as open nowhere, and say so wherever they show; switched back on, the rule resolves or reopens
them in that run, naming the run whose figures caused it (cause_run_id), never back-dating the event."""
from __future__ import annotations

import csv
import io

from review_world import World, page_findings, switched_off
from spendrecon.findings_query import triage_lines
from spendrecon.report import write_report
from warehouse.db import connect
from warehouse.verify import verify

ALN, FY, RULE = "12.600", 2022, "actual_not_in_usaspending"
# 12.600 reports FY2021 to both sources; SAM.gov's FY2022 actual of $15M has nothing on USAspending: an
# error lead (the program reports in other years, and no legitimate cause fits).
SAM = {(ALN, 2021): 5000000, (ALN, FY): 15000000}
BEFORE = {(ALN, 2021): 5000000}
REPORTED = {(ALN, 2021): 5000000, (ALN, FY): 15000000}  # USAspending now records FY2022 in full


def _leads(w: World) -> list[tuple]:
    return w.query("SELECT program_number, fiscal_year, rule_id FROM recon.leads")


def test_a_disabled_rules_finding_is_no_lead_counts_nowhere_and_is_marked(tmp_path, monkeypatch):
    w = World(tmp_path, monkeypatch)
    w.run("r1", SAM, BEFORE)
    assert _leads(w) == [(ALN, FY, RULE)]
    counts = w.run("r2", SAM, REPORTED, rules=switched_off(RULE))

    # Kept exactly as it was (no event, the old figures), but out of every list of leads and open total.
    assert w.query("SELECT status, run_id, usaspending_amount, rule_disabled FROM recon.findings "
                   "WHERE rule_id = $r", {"r": RULE}) == [("new", "r1", None, True)]
    assert _leads(w) == [] and w.findings("--leads") == [] and w.findings() == []
    assert counts.open == 0
    assert w.query("SELECT sum(findings), sum(findings_leads) FROM recon.agency_year") == [(0, 0)]
    said = "\n".join(triage_lines(w.path))
    assert "triage: leads: 0 program-years (0 findings)" in said
    assert f"switched off: {RULE}: 1 finding kept as it was, not counted" in said
    # Listed on request, marked.
    (kept,) = w.findings("--all")
    assert (kept["rule_id"], kept["status"], kept["rule_disabled"]) == (RULE, "new", True)
    assert "rule off" in w.cli("findings", "--all", "--format", "table")

    folder = write_report(w.path, w.settings.reports_path)
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert "## Leads: 0 findings" in summary
    assert "1 kept aside: rule switched off ({})".format(RULE.replace("_", "\\_")) in summary  # Markdown-escaped
    rows = list(csv.DictReader(io.StringIO((folder / "findings.csv").read_text(encoding="utf-8"))))
    assert [(r["rule_id"], r["status"], r["rule_disabled"]) for r in rows] == [(RULE, "new", "True")]
    assert [(f["rule"], f["status"], f["ruleOff"]) for f in page_findings(folder)] == [(RULE, "new", True)]
    assert "rule switched off" in (folder / "report.html").read_text(encoding="utf-8")  # its badge


def test_switched_back_on_it_resolves_in_that_run_naming_the_run_whose_figures_caused_it(tmp_path, monkeypatch):
    w = World(tmp_path, monkeypatch)
    w.run("r1", SAM, BEFORE)
    w.run("r2", SAM, REPORTED, rules=switched_off(RULE))  # USAspending reports while the rule is off
    w.run("r3", SAM, REPORTED, rules=switched_off(RULE))
    w.run("r4", SAM, REPORTED)  # on again

    events = w.query("SELECT run_id, event, reason, cause_run_id FROM recon.finding_events WHERE rule_id = $r "
                     "ORDER BY run_id", {"r": RULE})
    # Recorded in the run that resolved it (a past report stays as written), caused by r2's figures.
    assert events == [("r1", "new", None, None), ("r4", "resolved", "late_reporting", "r2")]
    assert w.query("SELECT status, run_id, rule_disabled FROM recon.findings WHERE rule_id = $r",
                   {"r": RULE}) == [("resolved", "r4", False)]
    con = connect(w.path, read_only=True)
    try:
        assert verify(con, "r4").ok
    finally:
        con.close()
    summary = (write_report(w.path, w.settings.reports_path) / "summary.md").read_text(encoding="utf-8")
    assert "in run r2, while the rule was switched off" in summary


def test_a_rule_that_runs_every_run_names_its_own_run_as_the_cause(tmp_path, monkeypatch):
    w = World(tmp_path, monkeypatch)
    w.run("r1", SAM, BEFORE)
    w.run("r2", SAM, REPORTED)
    assert w.query("SELECT event, reason, cause_run_id FROM recon.finding_events WHERE run_id = 'r2'") == [
        ("resolved", "late_reporting", "r2")]


def test_switched_back_on_it_reopens_in_that_run_naming_the_run_whose_figures_caused_it(tmp_path, monkeypatch):
    w = World(tmp_path, monkeypatch)
    w.run("r1", SAM, BEFORE)
    w.run("r2", SAM, REPORTED)  # USAspending reports: resolved by r2 itself
    w.run("r3", SAM, BEFORE, rules=switched_off(RULE))  # USAspending's answer no longer holds FY2022
    w.run("r4", SAM, BEFORE)
    assert w.query("SELECT run_id, event, reason, cause_run_id FROM recon.finding_events WHERE rule_id = $r "
                   "AND event <> 'new' ORDER BY run_id", {"r": RULE}) == [
        ("r2", "resolved", "late_reporting", "r2"), ("r4", "reopened", "usaspending_restated", "r3")]
    (found,) = w.findings("--rule", RULE)
    assert (found["status"], found["run_id"], found["rule_disabled"]) == ("reopened", "r4", False)
    assert w.query("SELECT program_number FROM recon.leads") == [(ALN,)]
    con = connect(w.path, read_only=True)
    try:
        assert verify(con, all_runs=True).ok
    finally:
        con.close()


def test_a_finding_that_stayed_resolved_is_compared_with_the_run_that_last_evaluated_it(tmp_path, monkeypatch):
    """Found by bench-years: a finding resolved in r2 and evaluated (still resolved) in r3, where SAM.gov
    moved within tolerance, reopens in r4 because USAspending moved. The cause is r4's USAspending change;
    compared with r2 (the run that resolved it) the reopening was put down to r3's SAM.gov restatement,
    which the rule had already looked at, and verify refused the run."""
    w = World(tmp_path, monkeypatch)
    key = ("12.700", 2022)
    w.run("r1", {key: 3000000}, {key: 2000000})  # amount_mismatch: $1M apart
    w.run("r2", {key: 3000000}, {key: 2950000})  # within tolerance: resolved (usaspending_restated)
    w.run("r3", {key: 3050000}, {key: 2950000})  # SAM.gov restates, still within tolerance: stays resolved
    w.run("r4", {key: 3050000}, {key: 2000000})  # USAspending drops back: reopened
    events = w.query("SELECT run_id, event, reason, cause_run_id FROM recon.finding_events "
                     "WHERE rule_id = 'amount_mismatch' ORDER BY run_id")
    assert events == [("r1", "new", None, None), ("r2", "resolved", "usaspending_restated", "r2"),
                      ("r4", "reopened", "usaspending_restated", "r4")]
    con = connect(w.path, read_only=True)
    try:
        assert verify(con, None, all_runs=True).ok
    finally:
        con.close()
