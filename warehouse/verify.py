"""The record checks itself: invariants every published warehouse keeps, checked with plain SQL.

Each check is one query, ``sql/verify_<check>.sql``, returning its violations with the same columns
(check, program_number, fiscal_year, rule_id, run_id, detail); none means the check holds:

- ``figures_match_history``: recon.program_year's SAM.gov estimate and actual and USAspending
  obligations are the current versions of recon.figure_history (NULL when there is none).
- ``resolutions_have_causes``: every resolution and reopening of the runs checked has a cause among
  its run's changes of figures, settings, the run date or a repair, derived from the record, never
  from the reason the merge wrote.

``publish`` runs them on the run it is publishing and refuses a violation; ``spendrecon verify``
runs them on any warehouse.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

from warehouse.db import execute, has_column, has_table, sql_text

CHECKS = ("figures_match_history", "resolutions_have_causes")
COLUMNS = ("check", "program_number", "fiscal_year", "rule_id", "run_id", "detail")


@dataclass(frozen=True)
class Violation:
    check: str
    program_number: str
    fiscal_year: int
    rule_id: str | None  # the finding's rule (resolutions_have_causes); None for a figure
    run_id: str | None  # the event's run; for a figure, the run that opened the current version
    detail: str

    def line(self) -> str:
        rule = f" {self.rule_id}" if self.rule_id else ""
        return f"{self.check}: {self.program_number} FY{self.fiscal_year}{rule}: {self.detail}"


@dataclass(frozen=True)
class VerifyResult:
    run_id: str | None  # the run whose resolutions were checked; None with all_runs (or no run yet)
    all_runs: bool
    counts: Mapping[str, int]  # violations per check, every check named (0 when it holds)
    cases: tuple[Violation, ...]  # up to `limit` of them, shared out between the checks that failed

    @property
    def ok(self) -> bool:
        return not any(self.counts.values())

    @property
    def violations(self) -> int:
        return sum(self.counts.values())

    def summary_lines(self) -> list[str]:
        """One line per check with its count."""
        return [f"{check}: {n:,} violation{'s' if n != 1 else ''}" for check, n in self.counts.items()]


def verify(con: duckdb.DuckDBPyConnection, run_id: str | None = None, *, all_runs: bool = False,
           limit: int = 10) -> VerifyResult:
    """Run every check on the warehouse of ``con`` (read-only is enough). The resolution check looks at
    the events of ``run_id`` (default: the latest succeeded run), or of every run with ``all_runs``."""
    if run_id is None and not all_runs:
        row = execute(con, sql_text("verify_latest_run")).fetchone()
        run_id = row[0] if row else None
    params = {"run_id": run_id, "all_runs": all_runs, "repaired_runs": repaired_runs(con)}
    found: dict[str, list[Violation]] = {}
    for check in CHECKS:
        rows = execute(con, sql_text(f"verify_{check}"), params).fetchall()
        found[check] = [Violation(*row) for row in rows]
    return VerifyResult(run_id=None if all_runs else run_id, all_runs=all_runs,
                        counts={check: len(rows) for check, rows in found.items()},
                        cases=_shared_out(found, limit))


def repaired_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Runs that recorded a repair, from meta.repairs when the file has that table (none otherwise)."""
    if not (has_table(con, "meta", "repairs") and has_column(con, "meta", "repairs", "run_id")):
        return []
    return [r[0] for r in execute(con, sql_text("verify_repaired_runs")).fetchall()]


def _shared_out(found: Mapping[str, list[Violation]], limit: int) -> tuple[Violation, ...]:
    """Up to ``limit`` cases, taken from the checks in turn so that every failing check is named."""
    cases: list[Violation] = []
    depth = 0
    while len(cases) < limit and any(depth < len(rows) for rows in found.values()):
        for rows in found.values():
            if depth < len(rows) and len(cases) < limit:
                cases.append(rows[depth])
        depth += 1
    return tuple(cases)
