"""The report's triage split: the three buckets of differences between the sources. A restatement
(figure_restated, triage `restatement`) is a source changing its own record: in none of them."""
from __future__ import annotations

from decimal import Decimal

from spendrecon.report.queries import Finding
from spendrecon.report.triage import split


def _finding(rule_id: str, triage: str | None, at_stake: str, explanation: str | None = None,
             bucket: str | None = None) -> Finding:
    """``bucket``: what load_findings derives (macro triage_bucket) when the file has no triage."""
    return Finding(program_number="11.101", fiscal_year=2022, rule_id=rule_id, severity="info", status="open", run_id="r2",
                   program_title=None, agency=None, sam_amount=None, usaspending_amount=None, difference=None,
                   message="", first_seen_run_id="r1", last_seen_run_id="r2", at_stake=Decimal(at_stake),
                   explanation=explanation, triage=triage, bucket=bucket or triage or "lead")


def test_restatements_are_in_no_bucket_and_never_leads():
    buckets = split([_finding("figure_restated", "restatement", "50000.00"),
                     _finding("amount_mismatch", "lead", "70.00"),
                     _finding("actual_not_in_usaspending", None, "5.00", explanation="loan_basis",
                              bucket="legitimate")])
    assert (buckets["lead"].findings, buckets["lead"].at_stake) == (1, Decimal("70.00"))
    assert buckets["legitimate"].findings == 1 and buckets["non_reporting"].findings == 0
    assert split([_finding("figure_restated", "restatement", "50000.00")], "figure_restated")["lead"].findings == 0
