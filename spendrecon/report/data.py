"""The report's data: one run's findings, totals and events, and what report.html adds (every
program's yearly figures, explanations, reviews, history, the runs so far, the agency-year roll-up).

Filled by ``queries.load_report`` in one pass over a read-only connection; the renderers
(summary.md, findings.csv, report.html) only read it. Money is ``Decimal`` throughout.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from spendrecon.report.history import ContextChange, FigureVersion, Restatement

LARGEST_GAPS = 25


@dataclass(frozen=True)
class Run:
    """What every listing of runs shows of one (meta.runs)."""
    run_id: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    mode: str
    fiscal_years: tuple[int, ...]


@dataclass(frozen=True)
class RunInfo(Run):
    """The run reported on."""
    programs: tuple[str, ...] | None  # None: every program
    sam_source: str | None
    usaspending_source: str | None
    sam_requests: int | None
    usaspending_requests: int | None
    sam_listings: int | None
    usaspending_rows: int | None
    program_years: int | None
    warnings: tuple[str, ...]
    previous_run_id: str | None  # the succeeded run before this one
    is_latest: bool  # False: the findings shown are the current state, not this run's
    # meta.runs.settings: {"rules": {id: {...}}, "explanations": {id: {...}}} as the run applied them;
    # None for runs older than that column.
    settings: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None
    # The run recorded what its report reads as versions (meta.runs.versioned): its report can be rebuilt
    # as written. from_events: this is such a rebuild of a run without versions, from its findings' events.
    versioned: bool = False
    from_events: bool = False


@dataclass(frozen=True)
class Finding:
    run_id: str
    program_number: str
    fiscal_year: int
    rule_id: str
    severity: str
    status: str
    program_title: str | None
    agency: str | None
    sam_amount: Decimal | None
    usaspending_amount: Decimal | None
    difference: Decimal | None
    message: str
    first_seen_run_id: str
    last_seen_run_id: str
    at_stake: Decimal
    # NULL until the pipeline explains/reviews the finding, and in files older than those columns.
    explanation: str | None = None
    explanation_reason: str | None = None
    review_status: str | None = None
    review_note: str | None = None
    # legitimate | non_reporting | lead (restatement for figure_restated); NULL in files older than the triage.
    triage: str | None = None
    # The triage bucket, derived for files older than the triage column (macro triage_bucket, macros.sql).
    bucket: str = "lead"
    # Its rule is switched off: kept as it was, listed (marked) but open nowhere (macro counts_as_open).
    rule_disabled: bool = False
    # The latest review no longer applies (review_status says needs-review), and what that review was.
    review_stale: bool | None = None
    stale_review: str | None = None
    # Which SAM.gov figure sam_amount is: actual, or estimate (estimate_only); None in older files.
    sam_figure: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status != "resolved" and not self.rule_disabled

    @property
    def is_explained(self) -> bool:
        """A legitimate cause is known, or the figure is not due yet (macro is_explained): a non-reporting
        characterization explains nothing away."""
        return self.bucket in EXPLAINED_BUCKETS


# Buckets whose findings have a known reason (macro is_explained, warehouse/sql/macros.sql).
EXPLAINED_BUCKETS = frozenset({"legitimate", "pending"})


@dataclass(frozen=True)
class ProgramYearStake:
    """One row of recon.program_year_triage: a program-year with open findings, the unit every total counts.
    Its one amount is the largest at_stake of its open findings; its bucket, its most decisive finding's."""
    program_number: str
    fiscal_year: int
    triage: str
    at_stake: Decimal
    severity: str
    findings: int
    explanation: str | None = None

    @property
    def is_explained(self) -> bool:
        return self.triage in EXPLAINED_BUCKETS


@dataclass(frozen=True)
class RuleTotal:
    rule_id: str
    title: str
    severity: str
    findings: int  # open: status new, open or reopened
    new: int  # status new
    at_stake: Decimal
    explained: int = 0  # open findings with an explanation
    explained_at_stake: Decimal = Decimal("0.00")

    @property
    def unexplained(self) -> int:
        return self.findings - self.explained

    @property
    def unexplained_at_stake(self) -> Decimal:
        return self.at_stake - self.explained_at_stake


@dataclass(frozen=True)
class AgencyTotal:
    """One row of report_agency_totals.sql: an agency within the run's scope."""
    agency: str
    programs: int  # distinct programs compared within the run's scope
    sam_actual: Decimal | None
    usaspending_obligations: Decimal | None
    findings: int  # open
    explained: int
    at_stake: Decimal
    explained_at_stake: Decimal
    # Summed over the agency's years of the run in recon.agency_year; None where it has none.
    dollars_compared: Decimal | None
    dollars_within_tolerance: Decimal | None

    @property
    def in_scope(self) -> bool:
        """Programs compared or open findings: agency_year may also hold agencies outside the run's programs."""
        return self.programs > 0 or self.findings > 0


@dataclass(frozen=True)
class FindingLine:
    """A finding as the summary's tables list it: program, year, rule, both figures, dollars at stake."""
    program_number: str
    fiscal_year: int
    rule_id: str
    program_title: str | None
    agency: str | None
    sam_amount: Decimal | None
    usaspending_amount: Decimal | None
    at_stake: Decimal


@dataclass(frozen=True)
class Event(FindingLine):
    event: str  # new | reopened | resolved
    reason: str | None = None  # why a finding resolved (recon.finding_events.reason); None otherwise
    # The run whose figures caused a resolution or reopening (recon.finding_events.cause_run_id): an earlier
    # run than this one when the rule was switched off in between; None for other events and older files.
    cause_run_id: str | None = None
    sam_figure: str | None = None  # actual | estimate: which SAM.gov figure sam_amount is


@dataclass(frozen=True)
class Lead(FindingLine):
    """One row of recon.leads: an open finding with no pending figure, legitimate cause or non-reporting
    pattern, on a program-year in the lead bucket; leads come ordered by severity, then the program-year's
    dollars at stake."""
    reported_years: tuple[int, ...]  # the fiscal years USAspending records obligations for the program
    severity: str = "warning"
    program_year_at_stake: Decimal | None = None  # the program-year's one amount (None: an older file)
    sam_figure: str | None = None  # actual | estimate

    @property
    def stake(self) -> Decimal:
        """The dollars the lead weighs: its program-year's one amount (its own in an older file)."""
        return self.at_stake if self.program_year_at_stake is None else self.program_year_at_stake


@dataclass(frozen=True)
class ProgramYear:
    program_number: str
    fiscal_year: int
    program_title: str | None
    agency: str | None
    sam_estimate: Decimal | None
    sam_actual: Decimal | None
    usaspending_obligations: Decimal | None
    # The run a carried-forward figure came from (the source no longer shows it); None if said this run.
    sam_carried_from_run: str | None = None
    usaspending_carried_from_run: str | None = None
    # SAM.gov renumbered the listing: this year's figures count under that number now.
    sam_renumbered_to: str | None = None
    # USAspending's complete answer for the year no longer holds the program: the run that last reported it.
    usaspending_last_reported_run: str | None = None


@dataclass(frozen=True)
class ExplanationNote:
    """One row of recon.finding_explanations: a finding can carry several."""
    program_number: str
    fiscal_year: int
    rule_id: str
    explanation: str
    priority: int
    reason: str
    related_fiscal_year: int | None


@dataclass(frozen=True)
class Review:
    """One row of recon.annotations; rule_id None covers every rule of the program-year."""
    program_number: str
    fiscal_year: int
    rule_id: str | None
    status: str
    note: str | None
    annotated_at: datetime | None
    author: str | None


@dataclass(frozen=True)
class HistoryEvent:
    run_id: str
    program_number: str
    fiscal_year: int
    rule_id: str
    event: str
    sam_amount: Decimal | None
    usaspending_amount: Decimal | None


@dataclass(frozen=True)
class RunSummary(Run):
    """A row of the page's runs table."""
    program_years: int | None
    findings_open: int | None  # None in files older than these counters
    findings_new: int | None
    findings_resolved: int | None
    warnings: int


@dataclass(frozen=True)
class ReportData:
    run: RunInfo
    rules: tuple[RuleTotal, ...]
    findings: tuple[Finding, ...]  # findings.csv rows: open, resolved by this run, and switched off (marked); sorted
    agencies: tuple[AgencyTotal, ...]  # report_agency_totals.sql, most dollars at stake first
    events: tuple[Event, ...]  # this run's events, largest stake first
    leads: tuple[Lead, ...] = ()  # recon.leads, by severity then dollars (empty in files older than the triage)
    # recon.program_year_triage: one amount and one bucket per program-year with open findings; every
    # total of dollars at stake sums these, so no program-year counts twice.
    program_year_stakes: tuple[ProgramYearStake, ...] = ()
    restatements: tuple[Restatement, ...] = ()  # figures a source changed, first seen by this run
    # What report.html shows beyond summary.md and findings.csv (each empty where an older file lacks it).
    program_years: tuple[ProgramYear, ...] = ()  # every year of the programs in the run's scope
    earlier_resolved: tuple[Finding, ...] = ()  # resolved by earlier runs (a program page shows a finding's life)
    explanations: tuple[ExplanationNote, ...] = ()
    reviews: tuple[Review, ...] = ()
    history: tuple[HistoryEvent, ...] = ()
    runs: tuple[RunSummary, ...] = ()
    explanation_titles: Mapping[str, str] = field(default_factory=dict)
    unknown_agency: str | None = None  # macro unknown_agency (macros.sql): a program that names no agency
    figure_versions: tuple[FigureVersion, ...] = ()  # totals that changed across runs (program pages)
    context_changes: tuple[ContextChange, ...] = ()  # SAM.gov's description of a program changing (program pages)

    @property
    def open_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.is_open]

    @property
    def stale_reviews(self) -> list[Finding]:
        """The analyst's queue: open findings whose review no longer applies, largest first."""
        return sorted((f for f in self.open_findings if f.review_stale),
                      key=lambda f: (-f.at_stake, f.program_number, f.fiscal_year, f.rule_id))

    @property
    def switched_off(self) -> dict[str, int]:
        """Findings kept aside because their rule is switched off, per rule."""
        kept: dict[str, int] = {}
        for f in self.findings:
            if f.rule_disabled and f.status != "resolved":
                kept[f.rule_id] = kept.get(f.rule_id, 0) + 1
        return kept

    @property
    def largest_gaps(self) -> list[Finding]:
        ranked = sorted(self.open_findings, key=lambda f: (-f.at_stake, f.program_number, f.fiscal_year, f.rule_id))
        return ranked[:LARGEST_GAPS]

    @property
    def new_events(self) -> list[Event]:
        return [e for e in self.events if e.event in ("new", "reopened")]

    @property
    def resolved_events(self) -> list[Event]:
        return [e for e in self.events if e.event == "resolved"]

    @property
    def total_at_stake(self) -> Decimal:
        """Each program-year's one amount, summed: a program-year with several findings counts once."""
        return sum((s.at_stake for s in self.program_year_stakes), Decimal("0.00"))

    @property
    def explained_at_stake(self) -> Decimal:
        return sum((s.at_stake for s in self.program_year_stakes if s.is_explained), Decimal("0.00"))

    @property
    def leads_at_stake(self) -> Decimal:
        """The leads' dollars: each program-year among them once."""
        stakes = {(lead.program_number, lead.fiscal_year): lead.stake for lead in self.leads}
        return sum(stakes.values(), Decimal("0.00"))
