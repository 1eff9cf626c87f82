"""How money reads in messages, reasons and reports.

A missing amount has one rendering per medium, so that it never reads like $0: NOT_REPORTED in
words (rule messages, explanation reasons, the CLI, the page's tooltips), a dash in tables and charts
(summary.md's DASH; report.html gets both from the page data, report-core.js), an empty cell or null
in CSV and JSON.
"""
from __future__ import annotations

from decimal import Decimal

NOT_REPORTED = "not reported"


def format_money(amount: Decimal | None) -> str:
    if amount is None:
        return NOT_REPORTED
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"
