"""How money reads in messages, reasons and reports."""
from __future__ import annotations

from decimal import Decimal


def format_money(amount: Decimal | None) -> str:
    if amount is None:
        return "no figure"
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"
