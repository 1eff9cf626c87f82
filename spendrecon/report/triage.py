"""The triage of open findings, shared by summary.md, report.html and the CLI's run summary.

Three buckets (see warehouse/explanations/explanations.yaml): `legitimate` (a known cause that is
no reporting failure), `non_reporting` (the program or its (sub-)agency does not report to
USAspending: one question per program or agency) and `lead` (neither: the findings to look at
first). Sums are exact Decimals.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from spendrecon.report.data import Finding
from warehouse.explanations.registry import BUCKETS, load_explanations

BUCKET_LABELS = {"pending": "Pending (not due yet)", "legitimate": "Legitimate difference",
                 "non_reporting": "Systemic non-reporting", "lead": "Lead"}
ZERO = Decimal("0.00")


@dataclass
class Bucket:
    findings: int = 0
    program_years: set[tuple[str, int]] = field(default_factory=set)
    at_stake: Decimal = ZERO


def split(findings: Iterable[Finding], rule_id: str | None = None) -> dict[str, Bucket]:
    """Open findings (of one rule, or all) per bucket: counts, distinct program-years, dollars."""
    out = {b: Bucket() for b in BUCKETS}
    for f in findings:
        # A restatement (triage `restatement`) is a source changing its own record: in no bucket.
        if not f.is_open or (rule_id is not None and f.rule_id != rule_id) or f.bucket not in out:
            continue
        bucket = out[f.bucket]
        bucket.findings += 1
        bucket.program_years.add((f.program_number, f.fiscal_year))
        bucket.at_stake += f.at_stake
    return out


@dataclass
class NonReportingProgram:
    """One row per program in the non-reporting bucket: its years and dollars, not one row per year."""
    program_number: str
    program_title: str | None
    agency: str | None
    years: list[int] = field(default_factory=list)
    findings: int = 0
    at_stake: Decimal = ZERO
    characterizations: set[str] = field(default_factory=set)


def non_reporting_programs(findings: Iterable[Finding],
                           codes: dict[tuple[str, int, str], list[str]]) -> list[NonReportingProgram]:
    """Group the open non-reporting findings by program, agencies together, most dollars first within
    the agency's order of dollars. `codes` maps (program, year, rule) to the finding's explanation codes."""
    by_program: dict[str, NonReportingProgram] = {}
    for f in findings:
        if not f.is_open or f.bucket != "non_reporting":
            continue
        row = by_program.setdefault(f.program_number,
                                    NonReportingProgram(f.program_number, f.program_title, f.agency))
        if f.fiscal_year not in row.years:
            row.years.append(f.fiscal_year)
        row.findings += 1
        row.at_stake += f.at_stake
        row.characterizations |= {c for c in codes.get((f.program_number, f.fiscal_year, f.rule_id), [])
                                  if c in NON_REPORTING_CODES}
    agency_total: dict[str | None, Decimal] = {}
    for row in by_program.values():
        row.years.sort()
        agency_total[row.agency] = agency_total.get(row.agency, ZERO) + row.at_stake
    return sorted(by_program.values(), key=lambda r: (-agency_total[r.agency], r.agency or "", -r.at_stake,
                                                      r.program_number))


# The characterizations (kind non_reporting) of explanations.yaml.
NON_REPORTING_CODES = frozenset(e.id for e in load_explanations() if e.kind == "non_reporting")
