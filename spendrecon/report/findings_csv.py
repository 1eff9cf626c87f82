"""Findings as CSV, one row each, fixed columns: report's findings.csv (every open finding, those the run
resolved, and those of switched-off rules, marked) and `spendrecon findings --format csv` (COLUMNS plus the
triage) write them here."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from spendrecon.csv_cells import csv_text
from spendrecon.report.data import ReportData

COLUMNS = (
    "run_id", "program_number", "fiscal_year", "rule_id", "severity", "status", "program_title", "agency",
    "sam_amount", "usaspending_amount", "difference", "message", "first_seen_run_id", "last_seen_run_id",
    # Added later, so at the end: scripts reading the earlier columns by position keep working.
    "explanation", "explanation_reason", "review_status", "review_note",
    # The rule is switched off (the finding is kept as it was, not open); the review went stale, and what it was.
    "rule_disabled", "review_stale", "stale_review",
    "sam_figure",  # which SAM.gov figure sam_amount is: actual, or estimate (estimate_only)
)


def render_csv(data: ReportData) -> str:
    return findings_csv_text(vars(f) for f in data.findings)


def findings_csv_text(rows: Iterable[Mapping[str, object]], columns: Sequence[str] = COLUMNS) -> str:
    """The CSV text of rows holding (at least) ``columns``, in that order; cells as csv_cells writes them."""
    return csv_text(columns, ([row[name] for name in columns] for row in rows))
