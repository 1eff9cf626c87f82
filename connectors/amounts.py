"""Money figures as the sources send them, read exactly or refused: never a guessed number.

Shared by every connector (SAM.gov official and public, USAspending) so that money reads one way.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

CENTS = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 16  # the warehouse stores DECIMAL(18,2)

# ASCII digits only (re.ASCII): "\d" would also take Arabic-Indic or full-width digits.
_DIGITS = r"(?P<int>[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.(?P<frac>[0-9]{1,2}))?"
_SIGNED = re.compile(rf"(?P<sign>[-+]?)\s*\$?\s*{_DIGITS}", re.ASCII)
_ACCOUNTING = re.compile(rf"\(\s*\$?\s*{_DIGITS}\s*\)", re.ASCII)
EXPECTED = ("expected digits with an optional leading sign and $, commas only between groups of three "
            "digits, and at most two decimals (1234.5, $1,234.56, -$1,234, (1,234.00))")


def to_cents(value: Any) -> Decimal | None:
    """Read a money figure from a payload as an exact Decimal in cents, or refuse it.

    What is accepted:

    - ``None``, ``""`` or blanks: no figure (None). A zero stays a zero.
    - a JSON number (Decimal, see ``parse_float=Decimal``, or int; a float that slipped through is
      read by its shortest text) whose value has no digit below the cent (``1.500`` is fine).
    - text, blanks around it ignored, of this grammar::

          amount     := sign? "$"? number | "(" "$"? number ")"      -- (…) is accounting-style negative
          sign       := "-" | "+"                                       (blanks may follow sign and "$")
          number     := integer ("." digit digit?)?
          integer    := digit+ | nonzero digit? digit? ("," digit digit digit)+

      so ``1234.5``, ``$1,234,567.89``, ``-$1,500.10``, ``(2,000)`` read as they say, while
      ``1,23`` (a misplaced comma), ``1.000,50`` (a European decimal comma), ``1 000`` (another
      grouping), ``1e5`` and ``$ 1,000.004`` (below a cent) are refused.

    Anything else raises ValueError naming the raw value; a figure is never rounded or re-read
    another way, since a guessed number would become a finding. Amounts of $10^16 and more do not
    fit the warehouse and are refused too. The callers add the program, year and field.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, (int, Decimal)):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))  # shortest round-trip text: 1234567.89 stays 1234567.89
    elif isinstance(value, str):
        amount_or_none = _amount_from_text(value)
        if amount_or_none is None:
            return None
        amount = amount_or_none
    else:
        raise ValueError(f"{type(value).__name__} {value!r} is not an amount")
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    if abs(amount) >= MAX_AMOUNT:
        # The warehouse stores DECIMAL(18,2); refuse here, where the listing and field can be named.
        raise ValueError(f"{value!r} is beyond the largest amount stored (under $10^16)")
    try:
        cents = amount.quantize(CENTS)
    except InvalidOperation:  # pragma: no cover - bounded above, kept for safety
        raise ValueError(f"{value!r} is too large to be an amount") from None
    if cents != amount:
        raise ValueError(f"{value!r} has digits below a cent; it is not rounded")
    return cents


def _amount_from_text(value: str) -> Decimal | None:
    text = value.strip()
    if not text:
        return None
    negative = False
    m = _SIGNED.fullmatch(text)
    if m:
        negative = m["sign"] == "-"
    else:
        m = _ACCOUNTING.fullmatch(text)
        negative = True
    if not m:
        if re.fullmatch(r"[-+(]?\s*\$?\s*[0-9][0-9,]*\.[0-9]{3,}\)?", text, re.ASCII):
            raise ValueError(f"{value!r} has digits below a cent; it is not rounded")
        raise ValueError(f"{value!r} is not an amount: {EXPECTED}")
    amount = Decimal(m["int"].replace(",", "") + "." + (m["frac"] or "0"))
    return -amount if negative else amount
