"""Assistance types, old and new, reduced to the families the comparison needs.

SAM.gov's official API reports the v2 codes (F001-F010 financial, N001-N007 non-financial); its
front-end endpoints and older listings use dictionary element ids ("0003003") or letters (A-O, Z).
The connectors read both as the v2 code (connectors.records.canonical_assistance_type, the one
mapping of legacy spellings), so the two SAM.gov modes produce the same staging tables and lines;
family_of reads either spelling.

Which families USAspending measures differently (loans at subsidy cost) or not at all (no award) is
written once, in warehouse/seeds/assistance_families.csv, which the explanations' SQL reads
(staging.assistance_families); tests/test_registries.py checks it names exactly these families.
"""
from __future__ import annotations

from connectors import records

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


def family_of(code: str | None, name: str | None = None) -> str | None:
    """The family of an assistance type code, or None when the code says nothing we know. Legacy
    spellings are read as their v2 code first (connectors.records.canonical_assistance_type)."""
    c = records.canonical_assistance_type(code, name)
    if c in _V2:
        return _V2[c]
    if c is not None and len(c) == 4 and c[0] == "N" and c[1:].isdigit():
        return NON_FINANCIAL
    if c == records.SALARIES_AND_EXPENSES_CODE or (name and "salaries and expenses" in name.lower()):
        return SALARIES_AND_EXPENSES
    return None
