"""Reading findings back out of the published warehouse, for the CLI (read_only, always)."""
from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from spendrecon.report import findings_csv
from spendrecon.report.queries import program_year_triage_source
from warehouse.db import connect, open_published

COLUMNS = (*findings_csv.COLUMNS, "triage")  # findings.csv's columns, and the finding's triage bucket


class NoWarehouse(Exception):
    pass


class UnknownProgram(ValueError):
    """A program the warehouse has never seen: a typo, most likely, so never an empty answer."""


@dataclass(frozen=True)
class FindingFilter:
    program: str | None = None
    fiscal_year: int | None = None
    rule: str | None = None
    include_resolved: bool = False
    changed_since: str | None = None  # a run id: only findings whose status changed in a later run
    leads: bool = False  # only leads (recon.leads: lead findings of lead program-years), by severity, then dollars


def query_findings(warehouse: Path, f: FindingFilter) -> list[dict[str, Any]]:
    con = open_published(warehouse, NoWarehouse)
    try:
        if f.program is not None:
            check_program_known(con, f.program)
        if f.changed_since is not None:
            known = con.execute("SELECT count(*) FROM meta.runs WHERE run_id = $r", {"r": f.changed_since}).fetchone()
            if not known or not known[0]:
                raise ValueError(f"--changed-since {f.changed_since!r} is not a run in meta.runs "
                                 "(see SELECT run_id FROM meta.runs)")
        cur = con.execute(
            f"""
            SELECT {', '.join('f.' + c if c not in ('program_title', 'agency') else 'p.' + c for c in COLUMNS)}
            FROM recon.findings AS f
            LEFT JOIN recon.program_year AS p USING (program_number, fiscal_year)
            LEFT JOIN {program_year_triage_source(con)} AS t USING (program_number, fiscal_year)
            WHERE ($program IS NULL OR f.program_number = $program)
              AND ($fiscal_year IS NULL OR f.fiscal_year = $fiscal_year)
              AND ($rule IS NULL OR f.rule_id = $rule)
              AND ($include_resolved OR $changed_since IS NOT NULL OR counts_as_open(f.status, f.out_of_window))
              AND (NOT $leads OR (f.triage = 'lead' AND t.triage = 'lead'))
              AND ($changed_since IS NULL OR EXISTS (
                    SELECT 1 FROM recon.finding_events AS e JOIN meta.runs AS r ON r.run_id = e.run_id
                    WHERE e.program_number = f.program_number AND e.fiscal_year = f.fiscal_year
                      AND e.rule_id = f.rule_id
                      AND r.started_at > (SELECT started_at FROM meta.runs WHERE run_id = $changed_since)))
            ORDER BY severity_rank(f.severity),
                     CASE WHEN $leads THEN t.at_stake END DESC,
                     at_stake(f.difference, f.sam_amount, f.usaspending_amount) DESC,
                     f.program_number, f.fiscal_year, f.rule_id
            """,
            {"program": f.program, "fiscal_year": f.fiscal_year, "rule": f.rule,
             "include_resolved": f.include_resolved, "changed_since": f.changed_since, "leads": f.leads},
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


def triage_lines(warehouse: Path) -> list[str]:
    """The run summary's triage, leads first: per bucket, its program-years (each in its most decisive
    finding's bucket), their findings and their dollars at stake (each program-year once, at its one amount:
    recon.program_year_triage), so the buckets add up to the total. Four lines: the whole run's output
    fits a screen."""
    from warehouse.money import format_money

    con = connect(warehouse, read_only=True)
    try:
        rows = {bucket: (py, n, k) for bucket, py, n, k in con.execute(
            "SELECT triage, count(*), sum(findings), sum(at_stake) FROM recon.program_year_triage GROUP BY triage"
        ).fetchall()}
    finally:
        con.close()
    labels = (("lead", "leads"), ("non_reporting", "systemic non-reporting"), ("legitimate", "legitimate differences"),
              ("pending", "pending (SAM.gov actual not due yet)"))
    lines = []
    for key, label in labels:
        program_years, findings, dollars = rows.get(key, (0, 0, Decimal(0)))
        lines.append(f"triage: {label}: {program_years:,} program-years ({findings:,} findings), "
                     f"{format_money(dollars)} at stake" + (" (spendrecon findings --leads)" if key == "lead" else ""))
    return lines


def closest_hint(program: str, known: Sequence[str]) -> str:
    """``"; closest known: ..."`` naming up to three ALNs like ``program``, or "" if none is close."""
    # A number cut short (97.10 for 97.102) is the likeliest typo: numbers it begins first, then
    # the closest by spelling.
    close = sorted(k for k in known if k.startswith(program))[:3]
    close += [k for k in difflib.get_close_matches(program, list(known), n=6, cutoff=0.6) if k not in close]
    return f"; closest known: {', '.join(close[:3])}" if close else ""


def check_program_known(con: Any, program: str) -> None:
    """Raise :class:`UnknownProgram`, naming the closest known ALNs, if ``program`` is in neither source."""
    known = [r[0] for r in con.execute("SELECT DISTINCT program_number FROM recon.program_year").fetchall()]
    if program in known:
        return
    hint = closest_hint(program, known)
    raise UnknownProgram(f"program {program} is in neither SAM.gov nor USAspending data in this warehouse "
                         f"({len(known):,} programs){hint}")


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    return findings_csv.findings_csv_text(rows, COLUMNS)