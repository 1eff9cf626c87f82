"""The overview's figures as JSON-ready rows (money as exact decimal strings, never floats) for
report.html's overview: dollars and counts by rule, by agency and by fiscal year, each split into
explained (a legitimate cause is known, or the SAM.gov actual is not due yet) and unexplained (summary.py
EXPLAINED_MEANING), the years also by triage bucket. The
per-rule and per-agency figures are summed in SQL (queries.py, report_agency_totals.sql); the totals and
per-year ones here, with exact Decimals. Totals, agencies and years count each program-year once, at its
one amount (recon.program_year_triage); a rule's row holds its own findings' dollars.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from spendrecon.report.data import ProgramYearStake, ReportData
from spendrecon.report.triage import split_program_years

ZERO = Decimal("0.00")


def amount(value: Decimal | None) -> str | None:
    """Money for the embedded JSON: the exact decimal text, never a float; None stays null."""
    return None if value is None else format(value, "f")


@dataclass
class Split:
    """Open findings and their dollars at stake, with the explained part apart."""
    findings: int = 0
    explained: int = 0
    at_stake: Decimal = ZERO
    explained_at_stake: Decimal = ZERO

    def add(self, s: ProgramYearStake) -> None:
        """A program-year: its findings, and its one amount."""
        self.findings += s.findings
        self.at_stake += s.at_stake
        if s.is_explained:
            self.explained += s.findings
            self.explained_at_stake += s.at_stake

    def as_json(self) -> dict[str, Any]:
        return {"n": self.findings, "xn": self.explained, "k": amount(self.at_stake),
                "xk": amount(self.explained_at_stake)}


def split(stakes: Iterable[ProgramYearStake]) -> Split:
    total = Split()
    for s in stakes:
        total.add(s)
    return total


def totals(data: ReportData) -> dict[str, Any]:
    opened = data.open_findings
    programs = {py.program_number for py in data.program_years}
    return {
        **split(data.program_year_stakes).as_json(),
        "new": sum(1 for f in opened if f.status == "new"),
        "reopened": sum(1 for e in data.events if e.event == "reopened"),
        "resolved": len(data.resolved_events),
        "programs": len(programs),
        "programYears": sum(1 for py in data.program_years if _in_years(data, py.fiscal_year)),
        "programYearsAtStake": len(data.program_year_stakes),
    }


def by_rule(data: ReportData) -> list[dict[str, Any]]:
    """Every registered rule, in the registry's order, even with no open finding."""
    return [
        {"rule": t.rule_id, "n": t.findings, "xn": t.explained, "k": amount(t.at_stake),
         "xk": amount(t.explained_at_stake)}
        for t in data.rules
    ]


def by_agency(data: ReportData) -> list[dict[str, Any]]:
    """Open findings per agency beside what was compared: programs, both sources' dollars, and the
    share of compared dollars in program-years without an open finding (report_agency_totals.sql)."""
    return [
        {"agency": a.agency, "programs": a.programs, "sam": amount(a.sam_actual),
         "usas": amount(a.usaspending_obligations), "compared": amount(a.dollars_compared),
         "within": amount(a.dollars_within_tolerance), "n": a.findings, "xn": a.explained,
         "k": amount(a.at_stake), "xk": amount(a.explained_at_stake)}
        for a in data.agencies
    ]


def by_year(data: ReportData) -> list[dict[str, Any]]:
    """Both sources' totals and the open findings per fiscal year of the run."""
    years = list(data.run.fiscal_years) or sorted(
        {py.fiscal_year for py in data.program_years} | {s.fiscal_year for s in data.program_year_stakes})
    sums: dict[int, list[Decimal | None]] = {fy: [None, None, None] for fy in years}
    for py in data.program_years:
        if py.fiscal_year in sums:
            row = sums[py.fiscal_year]
            for i, value in enumerate((py.sam_estimate, py.sam_actual, py.usaspending_obligations)):
                if value is not None:  # a year where no program has a figure stays "no figure", not $0
                    row[i] = (row[i] or ZERO) + value
    found: dict[int, Split] = defaultdict(Split)
    stakes: dict[int, list[ProgramYearStake]] = defaultdict(list)
    for s in data.program_year_stakes:
        found[s.fiscal_year].add(s)
        stakes[s.fiscal_year].append(s)
    return [
        {"fy": fy, "est": amount(sums[fy][0]), "act": amount(sums[fy][1]), "usas": amount(sums[fy][2]),
         **found.get(fy, Split()).as_json(), "triage": by_bucket(stakes.get(fy, []))}
        for fy in years
    ]


def by_bucket(stakes: Iterable[ProgramYearStake]) -> dict[str, dict[str, Any]]:
    """Program-years per triage bucket (each in its one bucket, at its one amount): findings, program-years
    and dollars, as the overview's triage cards count them."""
    return {b: {"n": v.findings, "py": len(v.program_years), "k": amount(v.at_stake)}
            for b, v in split_program_years(stakes).items()}


def _in_years(data: ReportData, fiscal_year: int) -> bool:
    return not data.run.fiscal_years or fiscal_year in data.run.fiscal_years
