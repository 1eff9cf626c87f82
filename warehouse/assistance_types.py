"""Assistance types, old and new, reduced to the families the comparison needs.

SAM.gov's official API reports the v2 codes (F001-F010 financial, N001-N007 non-financial); its
front-end endpoints and older listings use dictionary element ids ("0003003") or letters (A-O, Z).
Both are mapped to one family so the two SAM.gov modes produce the same staging tables.

Which families USAspending measures differently (loans at subsidy cost) or not at all (no award) is
written once, in warehouse/seeds/assistance_families.csv, which the explanations' SQL reads
(staging.assistance_families); tests/test_registries.py checks it names exactly these families.
"""
from __future__ import annotations

GRANT = "grant"
DIRECT_PAYMENT = "direct_payment"
DIRECT_LOAN = "direct_loan"
LOAN_GUARANTEE = "loan_guarantee"
INSURANCE = "insurance"
OTHER = "other_financial"
NON_FINANCIAL = "non_financial"
SALARIES_AND_EXPENSES = "salaries_and_expenses"

_V2 = {
    "F001": GRANT, "F002": GRANT, "F003": DIRECT_LOAN, "F004": LOAN_GUARANTEE, "F005": INSURANCE,
    "F006": DIRECT_PAYMENT, "F007": DIRECT_PAYMENT, "F008": OTHER, "F009": OTHER, "F010": OTHER,
}
# Legacy families by dictionary element id prefix and by letter (FPI's dictionary.json).
_LEGACY_IDS = {
    "0001": GRANT, "0003": GRANT, "0005": DIRECT_PAYMENT, "0007": DIRECT_PAYMENT, "0009": DIRECT_LOAN,
    "0011": LOAN_GUARANTEE, "0013": INSURANCE, "0015": OTHER, "0090": SALARIES_AND_EXPENSES,
}
_LEGACY_LETTERS = {
    "A": GRANT, "B": GRANT, "C": DIRECT_PAYMENT, "D": DIRECT_PAYMENT, "E": DIRECT_LOAN, "F": LOAN_GUARANTEE,
    "G": INSURANCE, "H": OTHER, "Z": SALARIES_AND_EXPENSES,
}


def family_of(code: str | None, name: str | None = None) -> str | None:
    """The family of an assistance type code, or None when the code says nothing we know."""
    if code:
        c = code.strip().upper()
        if c in _V2:
            return _V2[c]
        if len(c) == 4 and c[0] == "N" and c[1:].isdigit():
            return NON_FINANCIAL
        if c.isdigit() and len(c) >= 4:
            prefix = c[:4]
            if prefix in _LEGACY_IDS:
                return _LEGACY_IDS[prefix]
            if "0017" <= prefix <= "0029":
                return NON_FINANCIAL
        if len(c) == 1 and c.isalpha():
            return _LEGACY_LETTERS.get(c, NON_FINANCIAL if "I" <= c <= "O" else None)
    if name and "salaries and expenses" in name.lower():
        return SALARIES_AND_EXPENSES
    return None
