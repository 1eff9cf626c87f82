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


_UNITS = ((Decimal("1e12"), "T"), (Decimal("1e9"), "B"), (Decimal("1e6"), "M"), (Decimal("1e3"), "K"))


def format_money_compact(amount: Decimal | None) -> str:
    """An amount rounded to a readable unit, for a table too narrow for the exact figure: $86.47B, -$699.50K,
    $999.99 (under a thousand, exact). A dash where the source gave no figure (as in summary.md's tables)."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    size = abs(amount)
    for i, (unit, letter) in enumerate(_UNITS):
        if size >= unit:
            shown = (size / unit).quantize(Decimal("0.01"))
            if shown >= 1000 and i > 0:  # $999.996M rounds to $1.00B, not $1000.00M
                unit, letter = _UNITS[i - 1]
                shown = (size / unit).quantize(Decimal("0.01"))
            return f"{sign}${shown}{letter}"
    return f"{sign}${size:,.2f}"
