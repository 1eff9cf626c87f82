"""What one run asked for and got, read back from the published warehouse (read-only).

The run's own facts come first -- programs requested against what each source returned, fiscal
years a source had nothing for, requests made, findings it opened, reopened and resolved -- then
the warehouse's totals, which include every earlier run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from spendrecon.fiscal import fiscal_years_text
from warehouse.db import connect


@dataclass
class RunOutcome:
    run_id: str
    mode: str
    fiscal_years: list[int]
    programs: list[str] | None            # requested; None = every program
    sam_requests: int
    usaspending_requests: int
    sam_programs: set[str]                # listed by SAM.gov in this run
    usaspending_programs: set[str]        # with a USAspending row in this run
    sam_years: set[int]                   # fiscal years with at least one SAM.gov figure line
    usaspending_years: set[int]           # fiscal years with at least one USAspending row
    events: dict[str, int]                # new / reopened / resolved by this run
    warnings: list[str]
    # The warehouse as a whole
    runs: tuple[int, int, int] = (0, 0, 0)  # all, succeeded, failed
    programs_compared: int = 0
    program_years: int = 0
    open_by_rule: list[tuple[str, str, int]] = field(default_factory=list)
    # This run's new and reopened findings per severity (what `run --fail-on` judges)
    new_by_severity: dict[str, int] = field(default_factory=dict)
    # Open findings per triage bucket: (count, dollars at stake), whatever buckets the warehouse has
    triage: dict[str, tuple[int, Decimal]] = field(default_factory=dict)

    def missing(self, side: str) -> list[str]:
        found = self.sam_programs if side == "sam" else self.usaspending_programs
        return [p for p in self.programs or () if p not in found]

    def years_without(self, side: str) -> list[int]:
        have = self.sam_years if side == "sam" else self.usaspending_years
        return [y for y in self.fiscal_years if y not in have]


def load_run_outcome(warehouse: Path, run_id: str) -> RunOutcome:
    con = connect(warehouse, read_only=True)
    try:
        row = con.execute(
            "SELECT mode, fiscal_years, programs, coalesce(sam_requests, 0), coalesce(usaspending_requests, 0), "
            "coalesce(warnings, []) FROM meta.runs WHERE run_id = $r", {"r": run_id}).fetchone()
        if row is None:
            raise ValueError(f"run {run_id} is not in meta.runs")
        mode, years, programs, sam_requests, usas_requests, warnings = row

        def column(sql: str) -> set:  # type: ignore[type-arg]
            return {r[0] for r in con.execute(sql, {"r": run_id}).fetchall()}

        summary = RunOutcome(
            run_id=run_id, mode=mode, fiscal_years=list(years or []), programs=list(programs) if programs else None,
            sam_requests=sam_requests, usaspending_requests=usas_requests,
            sam_programs=column("SELECT DISTINCT program_number FROM staging.sam_listings WHERE run_id = $r"),
            usaspending_programs=column(
                "SELECT DISTINCT program_number FROM staging.usaspending_program_year WHERE run_id = $r"),
            sam_years=column("SELECT DISTINCT fiscal_year FROM staging.sam_obligations WHERE run_id = $r "
                             "AND (sam_actual IS NOT NULL OR sam_estimate IS NOT NULL)"),
            usaspending_years=column(
                "SELECT DISTINCT fiscal_year FROM staging.usaspending_program_year WHERE run_id = $r"),
            events=dict(con.execute("SELECT event, count(*) FROM recon.finding_events WHERE run_id = $r "
                                    "GROUP BY ALL", {"r": run_id}).fetchall()),
            warnings=list(warnings),
        )
        runs = con.execute("SELECT count(*), count(*) FILTER (WHERE status = 'succeeded'), "
                           "count(*) FILTER (WHERE status = 'failed') FROM meta.runs").fetchone()
        compared = con.execute("SELECT count(DISTINCT program_number), count(*) FROM recon.program_year").fetchone()
        summary.runs = tuple(runs) if runs else (0, 0, 0)  # type: ignore[assignment]
        summary.programs_compared, summary.program_years = compared if compared else (0, 0)
        summary.open_by_rule = [tuple(r) for r in con.execute(  # type: ignore[misc]
            "SELECT rule_id, severity, count(*) FROM recon.findings "
            "WHERE counts_as_open(status, out_of_window, rule_disabled) "
            "GROUP BY ALL ORDER BY 3 DESC, 1").fetchall()]
        # The finding's severity now (a rule's severity can be set in spendrecon.yaml): a new finding's is
        # the one it was raised with, as the run that raised it is the latest.
        summary.new_by_severity = dict(con.execute(
            "SELECT f.severity, count(*) FROM recon.finding_events AS e "
            "JOIN recon.findings AS f USING (program_number, fiscal_year, rule_id) "
            "WHERE e.run_id = $r AND e.event IN ('new', 'reopened') GROUP BY ALL", {"r": run_id}).fetchall())
        summary.triage = {bucket: (n, stake) for bucket, n, stake in con.execute(
            "SELECT coalesce(triage, 'none'), count(*), coalesce(sum(at_stake), 0)::DECIMAL(38, 2) "
            "FROM recon.findings WHERE counts_as_open(status, out_of_window, rule_disabled) GROUP BY ALL ORDER BY 1").fetchall()}
        return summary
    finally:
        con.close()


def _years(years: list[int]) -> str:
    return ", ".join(f"FY{y}" for y in years)


# `run --fail-on`: which of this run's new and reopened findings make the exit code non-zero.
FAIL_ON = {"new-errors": ("error",), "new-findings": None}


def fail_on_count(s: RunOutcome, condition: str) -> int:
    severities = FAIL_ON[condition]
    return sum(n for severity, n in s.new_by_severity.items() if severities is None or severity in severities)


def run_json(s: RunOutcome, *, warehouse: str, report_dir: str | None, report_error: str | None,
             latest_report: str | None) -> str:
    """`run --format json`: the run's summary as one JSON object, money exact (JSON numbers, never floats)."""
    from spendrecon.json_rows import json_value

    doc: dict[str, object] = {
        "run_id": s.run_id, "status": "succeeded", "mode": s.mode, "fiscal_years": s.fiscal_years,
        "programs": s.programs,
        "programs_not_found": {"sam": s.missing("sam"), "usaspending": s.missing("usaspending")} if s.programs else None,
        "years_without_data": {"sam": s.years_without("sam"), "usaspending": s.years_without("usaspending")},
        "requests": {"sam": s.sam_requests, "usaspending": s.usaspending_requests},
        "findings_this_run": {"new": s.events.get("new", 0), "reopened": s.events.get("reopened", 0),
                              "resolved": s.events.get("resolved", 0)},
        "new_or_reopened_by_severity": dict(sorted(s.new_by_severity.items())),
        "open_by_rule": [{"rule_id": r, "severity": sev, "open": n} for r, sev, n in s.open_by_rule],
        "triage": {bucket: {"findings": n, "at_stake": stake} for bucket, (n, stake) in s.triage.items()},
        "warnings": s.warnings,
        "warehouse": {"path": warehouse, "runs": s.runs[0], "succeeded": s.runs[1], "failed": s.runs[2],
                      "programs_compared": s.programs_compared, "program_years": s.program_years},
        "report": {"latest": latest_report, "run_folder": report_dir, "error": report_error},
    }
    return _json_object(doc)


def _json_object(value: object, indent: str = "") -> str:
    """JSON with Decimal written exactly (json_value), nested objects indented."""
    from spendrecon.json_rows import json_value

    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        items = [f"{inner}{json_value(str(k))}: {_json_object(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        inner = indent + "  "
        return "[\n" + ",\n".join(f"{inner}{_json_object(v, inner)}" for v in value) + f"\n{indent}]"
    if isinstance(value, list):
        return "[" + ", ".join(json_value(v) for v in value) + "]"
    return json_value(value)


def _names(programs: list[str], limit: int = 10) -> str:
    shown = ", ".join(programs[:limit])
    return shown + (f" and {len(programs) - limit} more" if len(programs) > limit else "")


def run_lines(s: RunOutcome) -> list[str]:
    """The run's own facts, one per line."""
    span = fiscal_years_text(s.fiscal_years)
    lines = [f"run {s.run_id} succeeded ({'demo data' if s.mode == 'demo' else 'live services'}, {span})"]
    if s.programs:
        lines.append(f"programs requested: {len(s.programs)} ({_names(s.programs)})")
        for side, label, found in (("sam", "SAM.gov", s.sam_programs), ("usaspending", "USAspending",
                                                                          s.usaspending_programs)):
            missing = s.missing(side)
            got = f"{len(s.programs) - len(missing)} of {len(s.programs)}"
            lines.append(f"  {label}: {got}" + (f"; not found: {_names(missing)}" if missing else ""))
    else:
        lines.append(f"programs: all; SAM.gov listed {len(s.sam_programs):,}, "
                     f"USAspending had {len(s.usaspending_programs):,}")
    for side, label in (("sam", "SAM.gov"), ("usaspending", "USAspending")):
        empty = s.years_without(side)
        if empty:
            lines.append(f"no {label} data for {_years(empty)}")
    lines.append(f"requests: SAM.gov {s.sam_requests:,}, USAspending {s.usaspending_requests:,}")
    lines.append(f"findings this run: {s.events.get('new', 0):,} new, {s.events.get('reopened', 0):,} reopened, "
                 f"{s.events.get('resolved', 0):,} resolved")
    if s.warnings:
        lines.append(f"warnings: {len(s.warnings):,} (SELECT warnings FROM meta.runs WHERE run_id = '{s.run_id}')")
        lines += [f"  {w}" for w in s.warnings[:3]]
    return lines


def warehouse_lines(s: RunOutcome) -> list[str]:
    all_runs, ok, failed = s.runs
    return [f"warehouse: runs {all_runs:,} ({ok:,} succeeded, {failed:,} failed); programs compared: "
            f"{s.programs_compared:,} ({s.program_years:,} program-years)"]
