"""What only report.html needs beyond ReportData: every program's yearly figures, each finding's
explanations, review and history, the runs so far, and the agency-by-year agreement.

Every table here may be missing from an older warehouse file; each loader then returns nothing
instead of failing, and the page says less.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import duckdb

from spendrecon.report.catalog import column_or_null, columns, has_table
from spendrecon.report.history import FigureVersion, load_figure_versions
from spendrecon.report.queries import (
    Finding, ReportData, RunInfo, dict_rows, load_findings, program_year_source,
)
from warehouse.db import query_of
from warehouse.explanations.registry import load_explanations

RUNS_SHOWN = 200  # the runs history table; older runs stay in meta.runs


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
class RunSummary:
    run_id: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    mode: str
    fiscal_years: tuple[int, ...]
    program_years: int | None
    findings_open: int | None  # None in files older than these counters
    findings_new: int | None
    findings_resolved: int | None
    warnings: int


@dataclass(frozen=True)
class AgencyYear:
    agency: str
    fiscal_year: int
    programs_compared: int
    sam_actual: Decimal | None
    usaspending_obligations: Decimal | None
    dollars_compared: Decimal  # each program-year weighed by its larger side
    dollars_within_tolerance: Decimal  # ... of program-years with no open finding


@dataclass(frozen=True)
class PageData:
    program_years: tuple[ProgramYear, ...]
    earlier_resolved: tuple[Finding, ...]
    explanations: tuple[ExplanationNote, ...]
    reviews: tuple[Review, ...]
    history: tuple[HistoryEvent, ...]
    runs: tuple[RunSummary, ...]
    agency_years: tuple[AgencyYear, ...]
    explanation_titles: Mapping[str, str]
    figure_versions: tuple[FigureVersion, ...] = ()  # totals that changed across runs (program pages)


def load_page_data(con: duckdb.DuckDBPyConnection, data: ReportData) -> PageData:
    return PageData(
        program_years=tuple(load_program_years(con, data.run)),
        earlier_resolved=tuple(load_findings(con, program_year_source(con), data.run.run_id, earlier_resolved=True)),
        explanations=tuple(load_explanation_notes(con)),
        reviews=tuple(load_reviews(con)),
        history=tuple(load_history(con)),
        runs=tuple(load_runs(con)),
        agency_years=tuple(load_agency_years(con, data.run)),
        explanation_titles={e.id: e.title for e in load_explanations()},
        figure_versions=tuple(load_figure_versions(con, data.run.run_id)),
    )


def load_program_years(con: duckdb.DuckDBPyConnection, run: RunInfo) -> list[ProgramYear]:
    """Every year the warehouse holds for the programs in the run's scope (a program page shows them all)."""
    present = columns(con, "recon", "program_year")
    if not present:
        return []
    estimate = column_or_null(present, "sam_estimate", "DECIMAL(18,2)")
    carried = ", ".join(column_or_null(present, c, "VARCHAR")
                        for c in ("sam_carried_from_run", "usaspending_carried_from_run"))
    sql = (
        f"SELECT program_number, fiscal_year, program_title, agency, {estimate}, sam_actual, "
        f"usaspending_obligations, {carried} FROM recon.program_year "
        "WHERE program_in_scope($programs::VARCHAR[], program_number) ORDER BY program_number, fiscal_year"
    )
    return [ProgramYear(**r) for r in dict_rows(con.execute(sql, {"programs": list(run.programs or ())}))]


def load_explanation_notes(con: duckdb.DuckDBPyConnection) -> list[ExplanationNote]:
    if not has_table(con, "recon", "finding_explanations"):
        return []
    sql = ("SELECT program_number, fiscal_year, rule_id, explanation, priority, reason, related_fiscal_year "
           "FROM recon.finding_explanations ORDER BY program_number, fiscal_year, rule_id, priority, explanation")
    return [ExplanationNote(**r) for r in dict_rows(con.execute(sql))]


def load_reviews(con: duckdb.DuckDBPyConnection) -> list[Review]:
    if not has_table(con, "recon", "annotations"):
        return []
    sql = ("SELECT program_number, fiscal_year, rule_id, status, note, annotated_at, author "
           "FROM recon.annotations ORDER BY program_number, fiscal_year, annotated_at, rule_id NULLS FIRST")
    return [Review(**r) for r in dict_rows(con.execute(sql))]


def load_history(con: duckdb.DuckDBPyConnection) -> list[HistoryEvent]:
    """Every status change of every finding, oldest run first (events carry no time: meta.runs has it)."""
    if not has_table(con, "recon", "finding_events"):
        return []
    present = columns(con, "meta", "runs")
    order = "r.started_at NULLS LAST, " if "started_at" in present else ""
    sql = (
        "SELECT e.run_id, e.program_number, e.fiscal_year, e.rule_id, e.event, e.sam_amount, e.usaspending_amount "
        "FROM recon.finding_events AS e LEFT JOIN meta.runs AS r USING (run_id) "
        f"ORDER BY e.program_number, e.fiscal_year, e.rule_id, {order}e.run_id"
    )
    return [HistoryEvent(**r) for r in dict_rows(con.execute(sql))]


def load_runs(con: duckdb.DuckDBPyConnection) -> list[RunSummary]:
    present = columns(con, "meta", "runs")
    counters = ", ".join(column_or_null(present, name, "INTEGER")
                         for name in ("program_years", "findings_open", "findings_new", "findings_resolved"))
    sql = (
        f"SELECT run_id, started_at, finished_at, status, mode, fiscal_years, {counters}, "
        "coalesce(len(warnings), 0) AS warnings FROM meta.runs "
        "ORDER BY started_at DESC, run_id DESC LIMIT $limit"
    )
    rows = dict_rows(con.execute(sql, {"limit": RUNS_SHOWN}))
    return [RunSummary(**{**r, "fiscal_years": tuple(sorted(r["fiscal_years"] or ()))}) for r in rows]


def load_agency_years(con: duckdb.DuckDBPyConnection, run: RunInfo) -> list[AgencyYear]:
    """Per agency and fiscal year of the run: programs compared and the dollars within tolerance.

    Read from recon.agency_year; in files older than that table, computed by its own query
    (recon_agency_year.sql), which needs the triage columns of recon.findings."""
    if has_table(con, "recon", "agency_year"):
        source = "recon.agency_year"
    elif has_table(con, "recon", "program_year") and {"triage", "explanation"} <= columns(con, "recon", "findings"):
        source = f"({query_of('recon_agency_year')})"
    else:
        return []
    sql = ("SELECT agency, fiscal_year, programs_compared, sam_actual, usaspending_obligations, dollars_compared, "
           f"dollars_within_tolerance FROM {source} "
           "WHERE $fiscal_years::INTEGER[] IS NULL OR list_contains($fiscal_years::INTEGER[], fiscal_year) "
           "ORDER BY agency, fiscal_year")
    return [AgencyYear(**r) for r in dict_rows(con.execute(sql, {"fiscal_years": list(run.fiscal_years) or None}))]
