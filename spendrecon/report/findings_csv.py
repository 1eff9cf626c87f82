"""findings.csv: every open finding plus those this run resolved, one row each, fixed columns."""
from __future__ import annotations

from collections.abc import Sequence

from spendrecon.csv_cells import csv_text
from spendrecon.report.data import Finding, ReportData

COLUMNS = (
    "run_id", "program_number", "fiscal_year", "rule_id", "severity", "status", "program_title", "agency",
    "sam_amount", "usaspending_amount", "difference", "message", "first_seen_run_id", "last_seen_run_id",
    # Added later, so at the end: scripts reading the earlier columns by position keep working.
    "explanation", "explanation_reason", "review_status", "review_note",
)


def render_csv(data: ReportData) -> str:
    return findings_csv_text(data.findings)


def findings_csv_text(findings: Sequence[Finding]) -> str:
    return csv_text(COLUMNS, ([getattr(f, name) for name in COLUMNS] for f in findings))
