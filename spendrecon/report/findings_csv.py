"""findings.csv: every open finding plus those this run resolved, one row each, fixed columns."""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from spendrecon.report.queries import Finding, ReportData

COLUMNS = (
    "run_id", "program_number", "fiscal_year", "rule_id", "severity", "status", "program_title", "agency",
    "sam_amount", "usaspending_amount", "difference", "message", "first_seen_run_id", "last_seen_run_id",
    # Added later, so at the end: scripts reading the earlier columns by position keep working.
    "explanation", "explanation_reason", "review_status", "review_note",
)


def _cell(value: object) -> str:
    """NULL is an empty cell; Decimal keeps its exact text (15000000.00), never a float's."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _row(f: Finding) -> list[str]:
    return [_cell(getattr(f, name)) for name in COLUMNS]


def render_csv(data: ReportData) -> str:
    return findings_csv_text(data.findings)


def findings_csv_text(findings: Sequence[Finding]) -> str:
    buf = io.StringIO()
    # "\n" endings, written with newline="" so no platform translates them; csv quotes any field
    # holding a newline, quote or comma.
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_row(f) for f in findings)
    return buf.getvalue()
