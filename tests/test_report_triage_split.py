"""The report's triage split: the four buckets of differences between the sources. A restatement
(figure_restated, triage `restatement`) is a source changing its own record: in none of them. All rules
together count each program-year once, in its most decisive finding's bucket, at its one amount."""
from __future__ import annotations

from decimal import Decimal

from spendrecon.report.data import ProgramYearStake
from spendrecon.report.queries import Finding
from spendrecon.report.triage import split, split_program_years


def _finding(rule_id: str, triage: str | None, at_stake: str, explanation: str | None = None,
             bucket: str | None = None) -> Finding:
    """``bucket``: what load_findings derives (macro triage_bucket) when the file has no triage."""
    return Finding(program_number="11.101", fiscal_year=2022, rule_id=rule_id, severity="info", status="open", run_id="r2",
                   program_title=None, agency=None, sam_amount=None, usaspending_amount=None, difference=None,
                   message="", first_seen_run_id="r1", last_seen_run_id="r2", at_stake=Decimal(at_stake),
                   explanation=explanation, triage=triage, bucket=bucket or triage or "lead")


def test_restatements_are_in_no_bucket_and_never_leads():
    findings = [_finding("figure_restated", "restatement", "50000.00"),
                _finding("amount_mismatch", "lead", "70.00"),
                _finding("actual_not_in_usaspending", None, "5.00", explanation="loan_basis", bucket="legitimate")]
    lead = split(findings, "amount_mismatch")["lead"]
    assert (lead.findings, lead.at_stake) == (1, Decimal("70.00"))
    assert split(findings, "actual_not_in_usaspending")["legitimate"].findings == 1
    assert split(findings, "figure_restated")["lead"].findings == 0
    assert all(b.findings == 0 for b in split(findings, "figure_restated").values())


def test_all_rules_count_each_program_year_once_in_one_bucket():
    stakes = [ProgramYearStake("97.102", 2023, "pending", Decimal("15000000.00"), "warning", 2),
              ProgramYearStake("97.102", 2022, "legitimate", Decimal("15000000.00"), "error", 1),
              ProgramYearStake("10.001", 2022, "lead", Decimal("70.00"), "warning", 1)]
    buckets = split_program_years(stakes)
    assert (buckets["pending"].findings, len(buckets["pending"].program_years), buckets["pending"].at_stake) == (
        2, 1, Decimal("15000000.00"))
    assert sum((b.at_stake for b in buckets.values()), Decimal(0)) == Decimal("30000070.00")
    assert buckets["non_reporting"].findings == 0
