"""The triage of open findings, shared by summary.md, report.html and the CLI's run summary.

Four buckets (see warehouse/explanations/explanations.yaml), most decisive first: `pending` (the SAM.gov
actual a rule needs is not due yet: a wait), `legitimate` (a known cause that is no reporting failure),
`non_reporting` (the program, its listing or its (sub-)agency does not report to USAspending or SAM.gov:
one question per program or agency) and `lead` (none of these: the findings to look at first).

A program-year sits in one bucket, its most decisive finding's, with one amount at stake, the largest of
its findings' (recon.program_year_triage): the totals add those up, so the buckets sum to the total and no
program-year counts twice. Per rule, each finding counts in its own bucket with its own dollars (one
finding per rule and program-year). Sums are exact Decimals.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from spendrecon.report.data import Finding, ProgramYearStake
from warehouse.explanations.registry import BUCKETS, load_explanations

BUCKET_LABELS = {"pending": "Pending (not due yet)", "legitimate": "Legitimate difference",
                 "non_reporting": "Systemic non-reporting", "lead": "Lead"}
ZERO = Decimal("0.00")


@dataclass
class Bucket:
    findings: int = 0
    program_years: set[tuple[str, int]] = field(default_factory=set)
    at_stake: Decimal = ZERO


def split(findings: Iterable[Finding], rule_id: str) -> dict[str, Bucket]:
    """One rule's open findings per bucket (each its own): counts, program-years, dollars."""
    out = {b: Bucket() for b in BUCKETS}
    for f in findings:
        # A restatement (triage `restatement`) is a source changing its own record: in no bucket.
        if not f.is_open or f.rule_id != rule_id or f.bucket not in out:
            continue
        bucket = out[f.bucket]
        bucket.findings += 1
        bucket.program_years.add((f.program_number, f.fiscal_year))
        bucket.at_stake += f.at_stake
    return out


def split_program_years(stakes: Iterable[ProgramYearStake]) -> dict[str, Bucket]:
    """Every open finding per bucket, program-year by program-year: each program-year in its bucket with its
    findings and its one amount, so the buckets' dollars sum to the total at stake."""
    out = {b: Bucket() for b in BUCKETS}
    for s in stakes:
        bucket = out.get(s.triage)
        if bucket is None:
            continue
        bucket.findings += s.findings
        bucket.program_years.add((s.program_number, s.fiscal_year))
        bucket.at_stake += s.at_stake
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


def non_reporting_programs(stakes: Iterable[ProgramYearStake], findings: Iterable[Finding],
                           codes: dict[tuple[str, int, str], list[str]]) -> list[NonReportingProgram]:
    """Group the program-years in the non-reporting bucket by program (each with its one amount), agencies
    together, most dollars first within the agency's order of dollars. `codes` maps (program, year, rule) to
    the finding's explanation codes."""
    titles = {f.program_number: (f.program_title, f.agency) for f in findings}
    rules: dict[tuple[str, int], list[str]] = {}
    for f in findings:
        if f.is_open:
            rules.setdefault((f.program_number, f.fiscal_year), []).append(f.rule_id)
    by_program: dict[str, NonReportingProgram] = {}
    for s in stakes:
        if s.triage != "non_reporting":
            continue
        title, agency = titles.get(s.program_number, (None, None))
        row = by_program.setdefault(s.program_number, NonReportingProgram(s.program_number, title, agency))
        row.years.append(s.fiscal_year)
        row.findings += s.findings
        row.at_stake += s.at_stake
        for rule in rules.get((s.program_number, s.fiscal_year), []):
            row.characterizations |= {c for c in codes.get((s.program_number, s.fiscal_year, rule), [])
                                      if c in NON_REPORTING_CODES}
    agency_total: dict[str | None, Decimal] = {}
    for row in by_program.values():
        row.years.sort()
        agency_total[row.agency] = agency_total.get(row.agency, ZERO) + row.at_stake
    return sorted(by_program.values(), key=lambda r: (-agency_total[r.agency], r.agency or "", -r.at_stake,
                                                      r.program_number))


# The characterizations (kind non_reporting) of explanations.yaml.
NON_REPORTING_CODES = frozenset(e.id for e in load_explanations() if e.kind == "non_reporting")
