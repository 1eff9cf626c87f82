"""How money reads in messages, reasons and reports.

A missing amount has one rendering per medium, so that it never reads like $0: NOT_REPORTED in
words (rule messages, explanation reasons, the CLI), a dash in tables (summary.md's DASH, the
page's DASH in report-core.js), an empty cell or null in CSV and JSON.
"""
from __future__ import annotations

from decimal import Decimal

NOT_REPORTED = "not reported"


def format_money(amount: Decimal | None) -> str:
    if amount is None:
        return NOT_REPORTED
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"
