"""Runs over a tiny warehouse, the way pipeline.publish loads them: raw records in, carry forward,
program-years, figure history, findings. For tests of what the sources said when."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

import duckdb

from connectors.records import SamExtract, SamListing, SamObligationLine, UsaspendingExtract, UsaspendingProgramYear
from recon_fixtures import build_program_year, money
from warehouse.explanations.registry import load_explanations
from warehouse.findings import FindingCounts, merge_findings
from warehouse.history import carry_forward, execute_history_update, record_context, remember_before_load
from warehouse.load import load_sam, load_usaspending
from warehouse.rules.registry import Rule, load_rules
from warehouse.runs import run_settings
from warehouse.scope import Scope

YEARS = (2021, 2022, 2023)
NOW = datetime(2026, 11, 2, 6, 0)  # FY2027: every year above is completed

Amount = str | int | None


def listing(number: str, lines: Mapping[tuple[int, str], tuple[Amount, Amount]], *, program_id: str | None = None,
            department: str = "Department of Testing", status: str = "Active",
            published_date: str = "2023-01-01") -> SamListing:
    """lines: (fiscal year, assistance type code) -> (estimate, actual). ``program_id``: the listing id
    (default ``id-<number>``); a revision republished by SAM.gov has a new one."""
    return SamListing(
        program_number=number, title=f"Program {number}", department=department,
        agency=department, status=status, version="2.0", program_id=program_id or f"id-{number}",
        published_date=published_date, assistance_types=tuple(dict.fromkeys(code for _, code in lines)),
        lines=tuple(SamObligationLine(number, fy, code, None, money(actual), money(estimate))
                    for (fy, code), (estimate, actual) in lines.items()))


def run(con: duckdb.DuckDBPyConnection, run_id: str, listings: Sequence[SamListing],
        usaspending: Mapping[tuple[str, int], Amount], *, years: tuple[int, ...] = YEARS,
        rules: Sequence[Rule] | None = None, now: datetime = NOW,
        every_status: bool = True, as_of: date | None = None) -> tuple[FindingCounts, list[str]]:
    """One run; ``as_of`` is its run date (meta.runs.as_of), by default the day of ``now``."""
    scope = Scope(years)
    # As the pipeline does, the run is in meta.runs while it reconciles: its run date judges which
    # years are complete (recon.figure_changes, figure_restated).
    con.execute("INSERT OR REPLACE INTO meta.runs (run_id, started_at, status, mode, fiscal_years, as_of) "
                "VALUES ($r, $t, 'running', 'demo', $y, $d)",
                {"r": run_id, "t": now, "y": list(years), "d": as_of or now.date()})
    remember_before_load(con, scope)
    load_sam(con, run_id, SamExtract(list(listings), [], 0, None), scope)
    load_usaspending(con, run_id, [UsaspendingExtract(fy, [
        UsaspendingProgramYear(number, fy, f"Program {number}", money(amount))
        for (number, year), amount in usaspending.items() if year == fy], [], 0) for fy in years], scope)
    # As publish does: every year in scope was asked, and USAspending's answer for it is complete.
    warnings = carry_forward(con, run_id, every_status=every_status, asked_years=years)
    record_context(con, run_id, scope, as_of or now.date())
    build_program_year(con)
    execute_history_update(con, run_id, scope, now)
    applied = list(rules) if rules is not None else load_rules()
    explanations = load_explanations()
    counts = merge_findings(con, run_id, applied, scope, explanations)
    con.execute("UPDATE meta.runs SET status = 'succeeded', settings = $s WHERE run_id = $r",
                {"r": run_id, "s": run_settings(applied, explanations)})
    return counts, warnings


def figures(con: duckdb.DuckDBPyConnection, number: str, fiscal_year: int) -> tuple[Decimal | None, ...]:
    row = con.execute(
        "SELECT sam_estimate, sam_actual, usaspending_obligations, sam_carried_forward, sam_carried_from_run, "
        "usaspending_carried_forward FROM recon.program_year WHERE program_number = $p AND fiscal_year = $fy",
        {"p": number, "fy": fiscal_year}).fetchone()
    assert row is not None, f"no program-year {number} FY{fiscal_year}"
    return tuple(row)


def versions(con: duckdb.DuckDBPyConnection, number: str, fiscal_year: int, source: str = "sam",
             measure: str = "actual", line: str = "total") -> list[tuple]:
    return con.execute(
        "SELECT value, valid_from_run, valid_to_run FROM recon.figure_history WHERE program_number = $p "
        "AND fiscal_year = $fy AND source = $s AND measure = $m AND line = $l ORDER BY valid_from_run",
        {"p": number, "fy": fiscal_year, "s": source, "m": measure, "l": line}).fetchall()


def resolved_reason(con: duckdb.DuckDBPyConnection, run_id: str, number: str, fiscal_year: int,
                    rule_id: str) -> str | None:
    row = con.execute("SELECT reason FROM recon.finding_events WHERE run_id = $r AND program_number = $p "
                      "AND fiscal_year = $fy AND rule_id = $rule AND event = 'resolved'",
                      {"r": run_id, "p": number, "fy": fiscal_year, "rule": rule_id}).fetchone()
    assert row is not None, f"no resolved event for {number} FY{fiscal_year} {rule_id} in {run_id}"
    return row[0]
