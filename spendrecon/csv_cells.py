"""Cells of the CSV files spendrecon writes, safe to open in a spreadsheet.

A text cell that starts with =, +, -, @ (or a tab, CR, LF or NUL before one; or their full-width
forms, which some spreadsheets take for the ASCII ones) is read as a formula by Excel, LibreOffice
and Google Sheets: `=HYPERLINK(...)` in a program title or an analyst's note would become a live
link that sends data away, and older Excel runs commands through DDE. Such cells get a leading
single quote, as OWASP recommends for CSV injection: spreadsheets show the text unchanged and
scripts see one extra character at the start of a cell that could not have been a number anyway.

Numbers are written as plain numbers: money (Decimal, exact) and counts never get the quote, so a
negative difference stays -699500.00 and sums in any spreadsheet.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet will show it, never run it: a single quote before a formula start.

    Leading spaces are looked past: some spreadsheets trim them before deciding.
    """
    return "'" + text if text.lstrip(" ").startswith(FORMULA_STARTS) else text


def plain(value: object) -> str:
    """A value as one machine-readable field: NULL is empty, decimals exact, dates ISO, the rest as text.
    Shared by CSV cells and the CLI's tab-separated output."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")  # exact text (15000000.00), never a float's
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def csv_cell(value: object) -> str:
    """One cell: :func:`plain`, with every text neutralised (numbers and dates never need it)."""
    if value is None or isinstance(value, (Decimal, bool, int, float, date, datetime)):
        return plain(value)
    return neutralise(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A whole CSV file: the header, then one line per row of values, each through :func:`csv_cell`.

    Lines end in "\\n" (the caller writes with newline="" so no platform translates them); csv quotes
    any cell holding a comma, quote or newline. Python before 3.13 leaves a carriage return inside
    a cell unquoted, and spreadsheets start a new row there (whose first cell could be a formula), so
    a row with one is written fully quoted.
    """
    buf = io.StringIO()
    minimal = csv.writer(buf, lineterminator="\n")
    quoted = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    minimal.writerow(header)
    for values in rows:
        cells = [csv_cell(v) for v in values]
        (quoted if any("\r" in c for c in cells) else minimal).writerow(cells)
    return buf.getvalue()
