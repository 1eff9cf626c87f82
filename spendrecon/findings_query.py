"""Reading findings back out of the published warehouse, for the CLI (read_only, always)."""
from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from spendrecon.report import findings_csv
from spendrecon.report.queries import program_year_triage_source
from warehouse.db import connect, has_column, open_published

# findings.csv's columns, then the finding's triage bucket and its dollars at stake (recon.findings.at_stake)
COLUMNS = (*findings_csv.COLUMNS, "triage", "at_stake")


class NoWarehouse(Exception):
    pass


class UnknownProgram(ValueError):
    """A program the warehouse has never seen: a typo, most likely, so never an empty answer."""


class UnknownFiscalYear(ValueError):
    """A fiscal year the warehouse holds nothing for: a typo, most likely, so never an empty answer."""


@dataclass(frozen=True)
class FindingFilter:
    program: str | None = None
    fiscal_year: int | None = None
    rule: str | None = None
    include_resolved: bool = False
    # A run id: only findings whose status changed in a later run; a day: in runs started on or after it (UTC)
    changed_since: str | date | None = None
    leads: bool = False  # only leads (recon.leads: lead findings of lead program-years), by severity, then dollars
    stale_reviews: bool = False  # only findings whose latest review no longer applies (recon.findings.review_stale)


def query_findings(warehouse: Path, f: FindingFilter) -> list[dict[str, Any]]:
    con = open_published(warehouse, NoWarehouse)
    try:
        program = None if f.program is None else known_program(con, f.program)
        if f.fiscal_year is not None:
            check_year_known(con, f.fiscal_year)
        since_run = f.changed_since if isinstance(f.changed_since, str) else None
        since_day = f.changed_since if isinstance(f.changed_since, date) else None
        if since_run is not None:
            known = con.execute("SELECT count(*) FROM meta.runs WHERE run_id = $r", {"r": since_run}).fetchone()
            if not known or not known[0]:
                raise ValueError(f"--changed-since {f.changed_since!r} is not a run in meta.runs "
                                 "(`spendrecon runs` lists them; or give a day, YYYY-MM-DD)")
        # The stored figure (recon.findings.at_stake); a file from before that column has the macro's.
        stake = "f.at_stake" if has_column(con, "recon", "findings", "at_stake") else \
            "at_stake(f.difference, f.sam_amount, f.usaspending_amount)"
        select = [f"{stake} AS at_stake" if c == "at_stake" else ("p." if c in ('program_title', 'agency') else "f.") + c
                  for c in COLUMNS]
        cur = con.execute(
            f"""
            SELECT {', '.join(select)}
            FROM (SELECT * FROM recon.findings  -- a file from before the review columns reads them as NULL
                  UNION ALL BY NAME SELECT NULL::BOOLEAN AS review_stale, NULL::VARCHAR AS stale_review WHERE false
                 ) AS f
            LEFT JOIN recon.program_year AS p USING (program_number, fiscal_year)
            LEFT JOIN {program_year_triage_source(con)} AS t USING (program_number, fiscal_year)
            WHERE ($program IS NULL OR f.program_number = $program)
              AND ($fiscal_year IS NULL OR f.fiscal_year = $fiscal_year)
              AND ($rule IS NULL OR f.rule_id = $rule)
              AND ($include_resolved OR $changed
                   OR counts_as_open(f.status, f.out_of_window, f.rule_disabled))
              AND (NOT $leads OR (f.triage = 'lead' AND t.triage = 'lead'))
              AND (NOT $stale_reviews OR coalesce(f.review_stale, false))
              AND (NOT $changed OR EXISTS (
                    SELECT 1 FROM recon.finding_events AS e JOIN meta.runs AS r ON r.run_id = e.run_id
                    WHERE e.program_number = f.program_number AND e.fiscal_year = f.fiscal_year
                      AND e.rule_id = f.rule_id
                      AND (r.started_at > (SELECT started_at FROM meta.runs WHERE run_id = $since_run)
                           OR r.started_at >= $since_day)))
            ORDER BY severity_rank(f.severity),
                     CASE WHEN $leads THEN t.at_stake END DESC,
                     {stake} DESC, f.program_number, f.fiscal_year, f.rule_id
            """,
            {"program": program, "fiscal_year": f.fiscal_year, "rule": f.rule,
             "include_resolved": f.include_resolved, "changed": f.changed_since is not None,
             "since_run": since_run, "since_day": since_day, "leads": f.leads,
             "stale_reviews": f.stale_reviews},
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


def triage_lines(warehouse: Path) -> list[str]:
    """The run summary's triage, leads first: per bucket, its program-years (each in its most decisive
    finding's bucket), their findings and their dollars at stake (each program-year once, at its one amount:
    recon.program_year_triage), so the buckets add up to the total. Four lines (and one per switched-off rule
    with findings): the whole run's output fits a screen."""
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
    return lines + switched_off_lines(warehouse)


def switched_off_lines(warehouse: Path) -> list[str]:
    """One line per switched-off rule that still has findings: kept as they were, counted nowhere."""
    con = connect(warehouse, read_only=True)
    try:
        rows = con.execute("SELECT rule_id, count(*) FROM recon.findings WHERE rule_disabled "
                           "AND status <> 'resolved' GROUP BY ALL ORDER BY 1").fetchall()
    finally:
        con.close()
    return [f"switched off: {rule}: {n:,} finding{'s' if n != 1 else ''} "
            f"kept as {'they were' if n != 1 else 'it was'}, not counted "
            f"(rules.{rule}.enabled: false; spendrecon findings --all lists them)" for rule, n in rows]


def closest_hint(program: str, known: Sequence[str]) -> str:
    """``"; closest known: ..."`` naming up to three ALNs like ``program``, or "" if none is close."""
    close = closest_programs(program, known)
    return f"; closest known: {', '.join(close)}" if close else ""


def closest_programs(program: str, known: Sequence[str], n: int = 3) -> list[str]:
    """The known ALNs closest to ``program``, closest first.

    A number cut short (97.10 for 97.102) is the likeliest slip: the numbers it begins come first. Then
    ALNs are compared as what they are, an agency and a program part: the same agency first, then the
    fewest characters to change in the program part, then the nearest program number (97.103 finds
    97.102 before 97.910, which spelling alone would rank higher)."""
    typed = program.strip().upper()
    if "." not in typed and len(typed) >= 4 and typed[:2].isdigit():
        typed = f"{typed[:2]}.{typed[2:]}"  # typed without its dot: 97103 is compared as 97.103
    begun = sorted(k for k in known if k.startswith(typed))[:n]
    agency, _, part = typed.partition(".")

    def distance(aln: str) -> tuple[int, int, int, str]:
        other_agency, _, other_part = aln.partition(".")
        numbers = part.isdigit() and other_part.isdigit()
        return (0 if other_agency == agency else 1, _edits(part, other_part),
                abs(int(part) - int(other_part)) if numbers else 1000, aln)

    ranked = sorted((k for k in known if k not in begun), key=distance)
    near = [k for k in ranked if distance(k)[0] == 0 and distance(k)[1] <= max(1, len(part) // 2)]
    if not near:
        near = [k for k in difflib.get_close_matches(typed, [k for k in known if k not in begun], n=n, cutoff=0.75)]
    return (begun + near)[:n]


def _edits(a: str, b: str) -> int:
    """Levenshtein distance: the characters to insert, delete or change to turn ``a`` into ``b``."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def known_program(con: Any, program: str) -> str:
    """``program`` as the warehouse knows it: as typed, or typed without its dot (97102 for 97.102) when
    exactly one known ALN reads so. Otherwise :class:`UnknownProgram`, naming the closest known ALNs."""
    typed = program.strip()
    known = [r[0] for r in con.execute("SELECT DISTINCT program_number FROM recon.program_year").fetchall()]
    if typed in known:
        return typed
    if "." not in typed:
        undotted = [k for k in known if k.replace(".", "") == typed.upper()]
        if len(undotted) == 1:
            return undotted[0]
    hint = closest_hint(typed, known)
    raise UnknownProgram(f"program {typed} is in neither SAM.gov nor USAspending data in this warehouse "
                         f"({len(known):,} programs){hint}")


def check_program_known(con: Any, program: str) -> None:
    """Raise :class:`UnknownProgram`, naming the closest known ALNs, if ``program`` is in neither source."""
    known_program(con, program)


def check_year_known(con: Any, fiscal_year: int) -> None:
    """A fiscal year no run has covered is a slip (1999 for 2019), never an empty answer: say which are held."""
    from spendrecon.fiscal import fiscal_years_text

    years = [r[0] for r in con.execute("SELECT DISTINCT fiscal_year FROM recon.program_year ORDER BY 1").fetchall()]
    if fiscal_year not in years:
        raise UnknownFiscalYear(f"FY{fiscal_year} is in neither SAM.gov nor USAspending data in this warehouse "
                                f"(it holds {fiscal_years_text(years) if years else 'no fiscal year yet'})")


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    return findings_csv.findings_csv_text(rows, COLUMNS)