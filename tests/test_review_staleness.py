"""A review is of something: it records the figures and status of each finding it covers, and a finding
whose difference moved past the review tolerance, that reopened, or that did not exist when the review
was given needs review again, with the old review beside it. Older review lines, written before reviews
recorded their figures, are checked against the figures as of when they were given."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from decimal import Decimal

from review_world import World, page_findings
from spendrecon.report import write_report
from warehouse.db import connect

ALN, FY, RULE = "12.500", 2022, "amount_mismatch"


def _today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def _mismatch(w: World, *args: str) -> dict:
    (found,) = w.findings("--program", ALN, "--rule", RULE, *args)
    return found


def test_an_accepted_gap_that_came_back_sevenfold_needs_review_again(tmp_path, monkeypatch):
    # The case: accepted at $1M (SAM.gov $3M, USAspending $2M); USAspending moves to $2.9M and the
    # finding resolves; SAM.gov restates to $10M and it reopens with a $7.1M gap.
    w = World(tmp_path, monkeypatch)
    w.run("r1", {(ALN, FY): 3000000}, {(ALN, FY): 2000000})
    w.cli("annotate", ALN, str(FY), "--status", "accepted", "--rule", RULE, "--note", "timing: lands in FY2023")
    assert _mismatch(w)["review_status"] == "accepted" and _mismatch(w)["stale_review"] is None

    w.run("r2", {(ALN, FY): 3000000}, {(ALN, FY): 2900000})
    assert _mismatch(w, "--all")["status"] == "resolved"
    w.run("r3", {(ALN, FY): 10000000}, {(ALN, FY): 2900000})
    found = _mismatch(w)
    assert found["status"] == "reopened"
    assert (found["review_status"], found["review_note"], found["review_stale"]) == (
        "needs-review", "timing: lands in FY2023", True)
    assert found["stale_review"] == f"accepted at $1,000,000.00 on {_today()}; reopened since, now $7,100,000.00"
    # Filtering out accepted findings no longer loses it, and the analyst's queue lists it.
    assert found in [f for f in w.findings("--program", ALN) if f["review_status"] != "accepted"]
    assert w.findings("--stale-reviews") == [found]


def test_the_review_line_records_the_figures_and_status_it_saw(tmp_path, monkeypatch):
    w = World(tmp_path, monkeypatch)
    w.run("r1", {(ALN, FY): 3000000, (ALN, 2023): 500000}, {(ALN, FY): 2000000})
    w.cli("annotate", ALN, str(FY), "--status", "disputed", "--note", "ask the agency")
    (line,) = w.log_lines()
    assert line["run_id"] == "r1"
    # Money as exact text, so the line reads the same in any tool; every finding of the program-year.
    assert line["findings"] == [{"rule_id": RULE, "status": "new", "sam_amount": "3000000.00",
                                 "usaspending_amount": "2000000.00", "difference": "1000000.00"}]
    stored = w.query("SELECT run_id, findings FROM recon.annotations")
    assert stored == [("r1", [{"rule_id": RULE, "status": "new", "sam_amount": Decimal("3000000.00"),
                                "usaspending_amount": Decimal("2000000.00"), "difference": Decimal("1000000.00")}])]


def test_a_gap_that_grew_while_open_needs_review_again_and_a_small_move_does_not(tmp_path, monkeypatch):
    w = World(tmp_path, monkeypatch)
    w.run("r1", {(ALN, FY): 3000000, ("12.501", FY): 3000000}, {(ALN, FY): 2000000, ("12.501", FY): 2000000})
    for number in (ALN, "12.501"):
        w.cli("annotate", number, str(FY), "--status", "accepted", "--rule", RULE)
    # 12.500's gap grows by $500,000 (past $1,000 and 5% of the gap); 12.501's by $900 (within $1,000).
    w.run("r2", {(ALN, FY): 3500000, ("12.501", FY): 3000900}, {(ALN, FY): 2000000, ("12.501", FY): 2000000})
    grew, small = _mismatch(w), w.findings("--program", "12.501", "--rule", RULE)[0]
    assert grew["status"] == "open" and grew["review_status"] == "needs-review"
    assert grew["stale_review"] == f"accepted at $1,000,000.00 on {_today()}; now $1,500,000.00"
    assert (small["review_status"], small["review_stale"], small["stale_review"]) == ("accepted", False, None)
    assert [f["program_number"] for f in w.findings("--stale-reviews")] == [ALN]


def test_the_review_tolerance_is_a_setting(tmp_path, monkeypatch):
    w = World(tmp_path, monkeypatch, config="reviews:\n  abs_tolerance: 1000000\n  rel_tolerance: 0.05\n")
    w.run("r1", {(ALN, FY): 3000000}, {(ALN, FY): 2000000})
    w.cli("annotate", ALN, str(FY), "--status", "accepted")
    w.run("r2", {(ALN, FY): 3500000}, {(ALN, FY): 2000000})  # +$500,000: within a $1,000,000 tolerance
    assert _mismatch(w)["review_status"] == "accepted"
    w.run("r3", {(ALN, FY): 4500000}, {(ALN, FY): 2000000})  # +$1,500,000 since the review: past it
    assert _mismatch(w)["review_status"] == "needs-review"


def test_a_program_year_review_given_before_a_finding_existed_does_not_cover_it(tmp_path, monkeypatch):
    w = World(tmp_path, monkeypatch)
    w.run("r1", {(ALN, FY): 3000000}, {(ALN, FY): 2000000})
    w.cli("annotate", ALN, str(FY), "--status", "accepted", "--note", "known")  # every rule of the program-year
    # Both sources restate by $500,000: the gap stays $1M, and figure_restated appears.
    w.run("r2", {(ALN, FY): 3500000}, {(ALN, FY): 2500000})
    by_rule = {f["rule_id"]: f for f in w.findings("--program", ALN)}
    assert by_rule[RULE]["review_status"] == "accepted"
    restated = by_rule["figure_restated"]
    assert (restated["review_status"], restated["review_note"]) == ("needs-review", "known")
    assert restated["stale_review"] == f"accepted on {_today()}, before this finding existed"


def test_older_review_lines_are_checked_against_the_figures_as_of_when_they_were_given(tmp_path, monkeypatch):
    # Lines from before reviews recorded their figures: no run_id, no findings. They are judged by the
    # record as it stood at annotated_at (the last run finished by then).
    w = World(tmp_path, monkeypatch)
    w.run("r1", {(ALN, FY): 3000000, ("12.501", FY): 3000000}, {(ALN, FY): 2000000, ("12.501", FY): 2000000})
    given = "2026-11-02T12:00:00+00:00"  # after r1 finished, before r2
    for number in (ALN, "12.501"):
        w.append_line({"program_number": number, "fiscal_year": FY, "status": "accepted", "note": "old line",
                       "annotated_at": given, "rule_id": None, "author": "ann"})
    w.run("r2", {(ALN, FY): 3500000, ("12.501", FY): 3000000, ("12.502", FY): 900000},
          {(ALN, FY): 2000000, ("12.501", FY): 2000000})
    w.append_line({"program_number": "12.502", "fiscal_year": FY, "status": "accepted",
                   "annotated_at": given, "rule_id": "actual_not_in_usaspending"})  # before r2 first saw it
    w.run("r3", {(ALN, FY): 3500000, ("12.501", FY): 3000000, ("12.502", FY): 900000},
          {(ALN, FY): 2000000, ("12.501", FY): 2000000})
    assert _mismatch(w)["stale_review"] == "accepted at $1,000,000.00 on 2026-11-02; now $1,500,000.00"
    assert w.findings("--program", "12.501", "--rule", RULE)[0]["review_status"] == "accepted"
    (late,) = w.findings("--program", "12.502")
    assert late["stale_review"] == "accepted on 2026-11-02, before this finding existed"


def test_the_report_puts_stale_reviews_in_the_analysts_queue(tmp_path, monkeypatch):
    w = World(tmp_path, monkeypatch)
    w.run("r1", {(ALN, FY): 3000000}, {(ALN, FY): 2000000})
    w.cli("annotate", ALN, str(FY), "--status", "accepted", "--rule", RULE, "--note", "timing")
    w.run("r2", {(ALN, FY): 3500000}, {(ALN, FY): 2000000})
    folder = write_report(w.path, w.settings.reports_path)
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert "## Reviews to look at again: 1" in summary
    assert f"accepted at $1,000,000.00 on {_today()}; now $1,500,000.00" in summary
    rows = list(csv.DictReader(io.StringIO((folder / "findings.csv").read_text(encoding="utf-8"))))
    (row,) = [r for r in rows if r["rule_id"] == RULE]
    assert (row["review_status"], row["review_stale"]) == ("needs-review", "True")
    assert row["stale_review"] == f"accepted at $1,000,000.00 on {_today()}; now $1,500,000.00"
    (shown,) = [f for f in page_findings(folder) if f["rule"] == RULE]
    assert (shown["review"], shown["staleReview"]) == ("needs-review", row["stale_review"])
    assert "Review gone stale" in (folder / "report.html").read_text(encoding="utf-8")  # the Findings view's filter


def test_findings_reads_a_warehouse_from_before_reviews_were_judged(tmp_path, monkeypatch):
    w = World(tmp_path, monkeypatch)
    w.run("r1", {(ALN, FY): 3000000}, {(ALN, FY): 2000000})
    con = connect(w.path)
    try:
        con.execute("ALTER TABLE recon.findings DROP COLUMN review_stale")
        con.execute("ALTER TABLE recon.findings DROP COLUMN stale_review")
    finally:
        con.close()
    assert (_mismatch(w)["review_stale"], _mismatch(w)["stale_review"]) == (None, None)
