"""The report's view of figure history: this run's restatements, why findings resolved, and the
versions of each program's figures across runs (recon.figure_history, recon.restatements)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from warehouse.db import has_table

SOURCE_LABEL = {"sam": "SAM.gov", "usaspending": "USAspending"}

# recon.finding_events.reason, in words (warehouse/sql/recon_finding_events.sql defines the codes).
REASON_TEXT = {
    "renumbered": "SAM.gov renumbered the listing: its figures count under the new number",
    "late_reporting": "late reporting: USAspending now records the money",
    "sam_reported": "SAM.gov reported a figure it had not given (a first report)",
    "sam_restated": "SAM.gov restated its figure",
    "usaspending_restated": "USAspending restated its total",
    "settings_changed": "the rule's settings changed",
    "year_completed": "the fiscal year ended",
    "repair": "repaired: an earlier release had resolved or kept it without a cause",
    "within_tolerance": "the difference is now within tolerance",
    "explained": "an explanation now applies",
    "no_longer_applies": "the rule no longer applies (no cause found: see spendrecon verify)",
}


def reason_text(reason: str | None) -> str:
    return "" if reason is None else REASON_TEXT.get(reason, reason)


@dataclass(frozen=True)
class Restatement:
    source: str
    program_number: str
    fiscal_year: int
    measure: str
    old_value: Decimal | None
    new_value: Decimal | None
    change: Decimal
    old_run_id: str


@dataclass(frozen=True)
class FigureVersion:
    program_number: str
    fiscal_year: int
    source: str
    measure: str
    value: Decimal | None
    valid_from_run: str
    valid_to_run: str | None


@dataclass(frozen=True)
class ContextChange:
    """One change of SAM.gov's description of a program between runs (recon.context_changes)."""
    program_number: str
    run_id: str
    run_date: date
    change: str  # agency_moved | republished | renumbered | status_changed | ... (recon_context_history.sql)
    old_value: str | None
    new_value: str | None


def load_context_changes(con: duckdb.DuckDBPyConnection, run_id: str) -> list[ContextChange]:
    """Every change of a program's description up to ``run_id``, oldest first."""
    if not has_table(con, "recon", "context_history"):
        return []
    rows = con.execute(
        "SELECT program_number, run_id, run_date, change, old_value, new_value FROM recon.context_changes "
        "WHERE run_id <= $run_id ORDER BY program_number, run_id, change", {"run_id": run_id}).fetchall()
    return [ContextChange(*r) for r in rows]


def load_restatements(con: duckdb.DuckDBPyConnection, run_id: str) -> list[Restatement]:
    """The restatements this run saw first, largest change first."""
    if not has_table(con, "recon", "restatements"):
        return []
    rows = con.execute(
        "SELECT source, program_number, fiscal_year, measure, old_value, new_value, change, old_run_id "
        "FROM recon.restatements WHERE run_id = $run_id "
        "ORDER BY abs(change) DESC, program_number, fiscal_year, source, measure", {"run_id": run_id}).fetchall()
    return [Restatement(*r) for r in rows]


def load_figure_versions(con: duckdb.DuckDBPyConnection, run_id: str) -> list[FigureVersion]:
    """Program-year totals that changed at least once up to ``run_id``: every version, oldest first.
    Figures that never changed are already in the figures table; leaving them out keeps the page small."""
    if not has_table(con, "recon", "figure_history"):
        return []
    rows = con.execute(
        """
        WITH upto AS (
            SELECT * FROM recon.figure_history WHERE line = 'total' AND valid_from_run <= $run_id
        ),
        changed AS (
            SELECT program_number, fiscal_year, source, measure FROM upto GROUP BY ALL HAVING count(*) > 1
        )
        SELECT u.program_number, u.fiscal_year, u.source, u.measure, u.value, u.valid_from_run,
               CASE WHEN u.valid_to_run <= $run_id THEN u.valid_to_run END
        FROM upto AS u JOIN changed USING (program_number, fiscal_year, source, measure)
        ORDER BY u.program_number, u.fiscal_year, u.source, u.measure, u.valid_from_run
        """, {"run_id": run_id}).fetchall()
    return [FigureVersion(*r) for r in rows]
