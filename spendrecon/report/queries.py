"""The SELECTs behind the report, over a read-only warehouse connection.

Every value is bound as a parameter. Money stays ``Decimal`` end to end: DuckDB hands DECIMAL
columns to Python as ``Decimal`` and nothing here converts them.

The findings tables hold the warehouse's *current* state: an earlier run's report is read from a copy
rebuilt to that run (warehouse/as_of.py); read here directly, an older run shows its header and events but
the findings as they stand now (``RunInfo.is_latest`` says which case applies).
Tables other than meta.runs and recon.findings may be missing from an older file (see catalog.py); their
loaders then return nothing instead of failing, and the page says less.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from spendrecon.report.catalog import column_or_null, column_or_typed_null, columns
from spendrecon.report.data import (
    AgencyTotal, Event, ExplanationNote, Finding, HistoryEvent, Lead, ProgramYear, ProgramYearStake, ReportData,
    Review, RuleTotal, RunInfo, RunSummary,
)
from spendrecon.report.history import load_context_changes, load_figure_versions, load_restatements
from warehouse.db import connect, has_table, query_of, sql_text, statements
from warehouse.explanations.registry import load_explanations
from warehouse.rules.registry import Rule, load_rules, severity_rank

RUNS_SHOWN = 200  # the runs history table; older runs stay in meta.runs

# A run id becomes a folder name: refuse anything that could climb out of the reports folder.
_SAFE_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]*$")

# The dollars a finding puts at stake: the at_stake macro (warehouse/sql/macros.sql), from the figures
# rather than recon.findings.at_stake so that files older than that column read the same.
_STAKE = "at_stake({p}difference, {p}sam_amount, {p}usaspending_amount)"
# A finding is open until a run resolves it: 'new', 'open' and 'reopened' (older files never say reopened),
# and counts as open while its year is in the window and its rule is on (macro counts_as_open; files older
# than those columns: always).


def _open(present: frozenset[str], p: str = "") -> str:
    return (f"counts_as_open({p}status, {column_or_typed_null(present, 'out_of_window', 'BOOLEAN', p)}, "
            f"{column_or_typed_null(present, 'rule_disabled', 'BOOLEAN', p)})")

# recon.program_year only exists once a run has built it; an empty stand-in keeps the joins valid.
_PROGRAM_YEAR_TABLE = (
    "SELECT program_number, fiscal_year, program_title, agency, sam_actual, usaspending_obligations "
    "FROM recon.program_year"
)
_PROGRAM_YEAR_EMPTY = (
    "SELECT NULL::VARCHAR AS program_number, NULL::INTEGER AS fiscal_year, NULL::VARCHAR AS program_title, "
    "NULL::VARCHAR AS agency, NULL::DECIMAL(18,2) AS sam_actual, NULL::DECIMAL(18,2) AS usaspending_obligations "
    "WHERE false"
)


class ReportError(Exception):
    """The report cannot be produced; the message says why, for the person who asked for it."""


def open_warehouse(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """Read-only, so a report never blocks (or is blocked by) analysts reading the same file."""
    if not warehouse.is_file():
        raise ReportError(f"warehouse {warehouse} does not exist; run `spendrecon run` first")
    try:
        return connect(warehouse, read_only=True)
    except duckdb.Error as exc:
        raise ReportError(f"cannot open warehouse {warehouse} read-only: {exc}") from exc


def load_report(con: duckdb.DuckDBPyConnection, run_id: str | None = None,
                rules: Sequence[Rule] | None = None, *, from_events: bool = False) -> ReportData:
    """Everything the three files show, read once from one connection so that they describe one state.
    ``from_events``: the connection is a copy rebuilt to an earlier run from its findings' events, not
    from versions (warehouse/as_of.py); the run's report says so."""
    run = load_run(con, run_id, from_events=from_events)
    registry = list(rules) if rules is not None else load_rules()
    program_year = program_year_source(con)
    return ReportData(
        run=run,
        rules=tuple(load_rule_totals(con, registry)),
        findings=tuple(load_findings(con, program_year, run.run_id)),
        agencies=tuple(load_agencies(con, program_year, run)),
        events=tuple(load_events(con, program_year, run.run_id)),
        leads=tuple(load_leads(con)),
        program_year_stakes=tuple(load_program_year_stakes(con)),
        restatements=tuple(load_restatements(con, run.run_id)),
        program_years=tuple(load_program_years(con, run)),
        earlier_resolved=tuple(load_findings(con, program_year, run.run_id, earlier_resolved=True)),
        explanations=tuple(load_explanation_notes(con)),
        reviews=tuple(load_reviews(con)),
        history=tuple(load_history(con)),
        runs=tuple(load_runs(con)),
        explanation_titles={e.id: e.title for e in load_explanations()},
        unknown_agency=_scalar(con, "SELECT unknown_agency()"),
        figure_versions=tuple(load_figure_versions(con, run.run_id)),
        context_changes=tuple(load_context_changes(con, run.run_id)),
    )


def load_leads(con: duckdb.DuckDBPyConnection) -> list[Lead]:
    """recon.leads in its order (severity, then the program-year's dollars), or nothing for a file without it
    (older than the triage, or whose findings table an older version rebuilt under the view)."""
    if not has_table(con, "recon", "leads"):
        return []
    present = columns(con, "recon", "leads")
    extra = ", ".join(column_or_null(present, name, kind) for name, kind in (
        ("severity", "VARCHAR"), ("program_year_at_stake", "DECIMAL(18,2)"), ("sam_figure", "VARCHAR")))
    try:
        rows = dict_rows(con.execute(
            "SELECT program_number, fiscal_year, rule_id, program_title, agency, sam_amount, usaspending_amount, "
            f"at_stake, reported_years, {extra} FROM recon.leads"))
    except duckdb.Error:
        return []
    return [Lead(**{**r, "reported_years": tuple(r["reported_years"] or ()), "severity": r["severity"] or "warning"})
            for r in rows]


def program_year_triage_source(con: duckdb.DuckDBPyConnection) -> str:
    """recon.program_year_triage: each program-year's one amount and bucket. A file without that table (older)
    is read through its query (recon_program_year_triage.sql), over recon.findings with whatever columns the
    file has."""
    if has_table(con, "recon", "program_year_triage"):
        return "recon.program_year_triage"
    present = columns(con, "recon", "findings")
    findings = ("(SELECT program_number, fiscal_year, rule_id, severity, status, difference, sam_amount, "
                "usaspending_amount, "
                + ", ".join(column_or_null(present, name, kind) for name, kind in (
                    ("triage", "VARCHAR"), ("explanation", "VARCHAR"), ("out_of_window", "BOOLEAN"),
                    ("rule_disabled", "BOOLEAN")))
                + " FROM recon.findings) AS findings")
    return f"({query_of('recon_program_year_triage').replace('recon.findings', findings, 1)})"


def load_program_year_stakes(con: duckdb.DuckDBPyConnection) -> list[ProgramYearStake]:
    return [ProgramYearStake(**r) for r in dict_rows(con.execute(
        "SELECT program_number, fiscal_year, triage, at_stake, severity, findings, explanation "
        f"FROM {program_year_triage_source(con)} ORDER BY program_number, fiscal_year"))]


def load_run(con: duckdb.DuckDBPyConnection, run_id: str | None, *, from_events: bool = False) -> RunInfo:
    present = columns(con, "meta", "runs")
    selected = (
        "run_id, started_at, finished_at, status, mode, fiscal_years, programs, sam_source, usaspending_source, "
        "sam_requests, usaspending_requests, sam_listings, usaspending_rows, program_years, warnings, error, "
        + column_or_null(present, "settings", "JSON") + ", " + column_or_null(present, "versioned", "BOOLEAN")
    )
    try:
        if run_id is None:
            cur = con.execute(
                f"SELECT {selected} FROM meta.runs WHERE status = 'succeeded' "
                "ORDER BY started_at DESC, run_id DESC LIMIT 1"
            )
        else:
            cur = con.execute(f"SELECT {selected} FROM meta.runs WHERE run_id = $run_id", {"run_id": run_id})
        row = _one_dict(cur)
    except duckdb.CatalogException as exc:
        raise ReportError(f"this file is not a spendrecon warehouse (no meta.runs table): {exc}") from exc
    if row is None:
        if run_id is None:
            raise ReportError("the warehouse has no succeeded run to report on")
        raise ReportError(f"no run {run_id!r} in the warehouse")
    if row["status"] != "succeeded":
        # A failed run never published its findings, so a report would describe someone else's.
        why = f": {row['error']}" if row["error"] else ""
        raise ReportError(f"run {row['run_id']!r} did not succeed (status {row['status']}){why}")
    if not _SAFE_RUN_ID.match(row["run_id"]) or row["run_id"] in (".", ".."):
        raise ReportError(f"run id {row['run_id']!r} cannot be used as a folder name")
    previous = con.execute(
        "SELECT run_id FROM meta.runs WHERE status = 'succeeded' AND started_at < $started "
        "ORDER BY started_at DESC, run_id DESC LIMIT 1",
        {"started": row["started_at"]},
    ).fetchone()
    later = con.execute(
        "SELECT count(*) FROM meta.runs WHERE status = 'succeeded' AND run_id <> $run_id "
        "AND (started_at > $started OR (started_at = $started AND run_id > $run_id))",
        {"run_id": row["run_id"], "started": row["started_at"]},
    ).fetchone()
    return RunInfo(
        run_id=row["run_id"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        mode=row["mode"],
        fiscal_years=tuple(sorted(row["fiscal_years"] or ())),
        programs=tuple(row["programs"]) if row["programs"] is not None else None,
        sam_source=row["sam_source"],
        usaspending_source=row["usaspending_source"],
        sam_requests=row["sam_requests"],
        usaspending_requests=row["usaspending_requests"],
        sam_listings=row["sam_listings"],
        usaspending_rows=row["usaspending_rows"],
        program_years=row["program_years"],
        warnings=tuple(row["warnings"] or ()),
        previous_run_id=previous[0] if previous else None,
        is_latest=not (later and later[0]),
        settings=json.loads(row["settings"]) if row["settings"] else None,
        versioned=bool(row["versioned"]),
        from_events=from_events,
    )


def load_rule_totals(con: duckdb.DuckDBPyConnection, registry: Sequence[Rule]) -> list[RuleTotal]:
    """Open findings per rule and severity, plus a zero row for every registered rule without any.

    Grouped by the finding's own severity: a spendrecon.yaml override may differ from the registry.
    """
    present = columns(con, "recon", "findings")
    explained = (f"is_explained({column_or_typed_null(present, 'triage', 'VARCHAR')}, "
                 f"{column_or_typed_null(present, 'explanation', 'VARCHAR')})")
    stake = _STAKE.format(p="")
    rows = dict_rows(con.execute(
        f"SELECT rule_id, severity, count(*) AS findings, count(*) FILTER (WHERE status = 'new') AS new, "
        f"sum({stake}) AS at_stake, count(*) FILTER (WHERE {explained}) AS explained, "
        f"coalesce(sum({stake}) FILTER (WHERE {explained}), 0)::DECIMAL(38,2) AS explained_at_stake "
        f"FROM recon.findings WHERE {_open(present)} GROUP BY rule_id, severity"
    ))
    titles = {r.id: r.title for r in registry}
    totals = [
        RuleTotal(r["rule_id"], titles.get(r["rule_id"], r["rule_id"]), r["severity"], int(r["findings"]),
                  int(r["new"]), r["at_stake"], int(r["explained"]), r["explained_at_stake"])
        for r in rows
    ]
    seen = {t.rule_id for t in totals}
    totals += [RuleTotal(r.id, r.title, r.severity, 0, 0, Decimal("0.00")) for r in registry if r.id not in seen]
    order = {r.id: i for i, r in enumerate(registry)}
    return sorted(totals, key=lambda t: (severity_rank(t.severity), order.get(t.rule_id, len(order)), t.rule_id))


def load_findings(con: duckdb.DuckDBPyConnection, program_year: str, run_id: str, *,
                  earlier_resolved: bool = False) -> list[Finding]:
    """Open findings plus those this run resolved and those a switched-off rule keeps as they were, marked
    (findings.csv's rows); with earlier_resolved, instead the findings resolved by earlier runs (the program
    pages show a finding's whole life)."""
    present = columns(con, "recon", "findings")
    review = ", ".join(column_or_null(present, name, "VARCHAR", "f.")
                       for name in ("explanation", "explanation_reason", "review_status", "review_note", "triage",
                                    "stale_review", "sam_figure"))
    disabled = column_or_typed_null(present, "rule_disabled", "BOOLEAN", "f.")
    flags = (f"coalesce({disabled}, false) AS rule_disabled, "
             f"{column_or_typed_null(present, 'review_stale', 'BOOLEAN', 'f.')} AS review_stale")
    where = ("f.status = 'resolved' AND f.run_id <> $run_id" if earlier_resolved
             else f"{_open(present, 'f.')} OR (f.status = 'resolved' AND f.run_id = $run_id) "
                  f"OR (f.status <> 'resolved' AND coalesce({disabled}, false))")
    sql = (
        f"WITH py AS ({program_year}) "
        "SELECT f.run_id, f.program_number, f.fiscal_year, f.rule_id, f.severity, f.status, py.program_title, "
        "py.agency, f.sam_amount, f.usaspending_amount, f.difference, f.message, f.first_seen_run_id, "
        f"f.last_seen_run_id, {_STAKE.format(p='f.')} AS at_stake, {review}, {flags}, "
        f"triage_bucket({column_or_typed_null(present, 'triage', 'VARCHAR', 'f.')}, "
        f"{column_or_typed_null(present, 'explanation', 'VARCHAR', 'f.')}) AS bucket "
        "FROM recon.findings AS f LEFT JOIN py USING (program_number, fiscal_year) "
        f"WHERE {where} "
        f"ORDER BY severity_rank(f.severity), at_stake DESC, f.program_number, f.fiscal_year, f.rule_id"
    )
    return [Finding(**r) for r in dict_rows(con.execute(sql, {"run_id": run_id}))]


def load_agencies(con: duckdb.DuckDBPyConnection, program_year: str, run: RunInfo) -> list[AgencyTotal]:
    """The per-agency roll-up within the run's scope (report_agency_totals.sql): what summary.md and the
    page's overview show per agency."""
    params: dict[str, Any] = {
        "fiscal_years": list(run.fiscal_years) if run.fiscal_years else None,
        "programs": list(run.programs or ()),
    }
    return [AgencyTotal(**r) for r in dict_rows(con.execute(agency_totals_query(con, program_year), params))]


def agency_totals_query(con: duckdb.DuckDBPyConnection, program_year: str) -> str:
    """report_agency_totals.sql with its three inputs bound to what this file holds."""
    inputs = (
        f"WITH py AS ({program_year}), "
        f"open_program_years AS (SELECT program_number, fiscal_year, findings, at_stake, "
        f"is_explained(triage, NULL) AS explained FROM {program_year_triage_source(con)}), "
        f"ay AS ({_agency_year_source(con)}), "
    )
    (query,) = statements(sql_text("report_agency_totals"))
    body = "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("--"))
    return re.sub(r"^\s*WITH\s+", lambda _: inputs, body, count=1)


def _agency_year_source(con: duckdb.DuckDBPyConnection) -> str:
    """recon.agency_year; in files older than that table, its own query (recon_agency_year.sql), which
    needs the triage columns of recon.findings and recon.program_year_triage; else an empty stand-in."""
    if has_table(con, "recon", "agency_year"):
        return "SELECT agency, fiscal_year, dollars_compared, dollars_within_tolerance FROM recon.agency_year"
    if (has_table(con, "recon", "program_year") and has_table(con, "recon", "program_year_triage")
            and {"triage", "explanation"} <= columns(con, "recon", "findings")):
        return f"SELECT agency, fiscal_year, dollars_compared, dollars_within_tolerance FROM ({query_of('recon_agency_year')})"
    return ("SELECT NULL::VARCHAR AS agency, NULL::INTEGER AS fiscal_year, NULL::DECIMAL(18,2) AS dollars_compared, "
            "NULL::DECIMAL(18,2) AS dollars_within_tolerance WHERE false")


def load_events(con: duckdb.DuckDBPyConnection, program_year: str, run_id: str) -> list[Event]:
    """This run's events. An event's dollars at stake are its finding's (recon.findings.at_stake): events
    keep no difference, and for some rules (figure_restated: new - old) it is not SAM.gov - USAspending.
    Only an event whose finding is gone falls back to the gap between the event's own figures."""
    finding_stake = ("f.at_stake" if "at_stake" in columns(con, "recon", "findings")
                     else _STAKE.format(p="f."))
    stake = (f"coalesce({finding_stake}, "
             "at_stake(e.sam_amount - e.usaspending_amount, e.sam_amount, e.usaspending_amount))")
    sql = (
        f"WITH py AS ({program_year}) "
        "SELECT e.event, e.program_number, e.fiscal_year, e.rule_id, py.program_title, py.agency, "
        f"e.sam_amount, e.usaspending_amount, {stake}::DECIMAL(38,2) AS at_stake, "
        f"{column_or_null(columns(con, 'recon', 'finding_events'), 'reason', 'VARCHAR', 'e.')}, "
        f"{column_or_null(columns(con, 'recon', 'finding_events'), 'cause_run_id', 'VARCHAR', 'e.')}, "
        f"{column_or_null(columns(con, 'recon', 'findings'), 'sam_figure', 'VARCHAR', 'f.')} "
        "FROM recon.finding_events AS e LEFT JOIN py USING (program_number, fiscal_year) "
        "LEFT JOIN recon.findings AS f USING (program_number, fiscal_year, rule_id) "
        "WHERE e.run_id = $run_id "
        "ORDER BY at_stake DESC, e.program_number, e.fiscal_year, e.rule_id"
    )
    return [Event(**r) for r in dict_rows(con.execute(sql, {"run_id": run_id}))]


def load_program_years(con: duckdb.DuckDBPyConnection, run: RunInfo) -> list[ProgramYear]:
    """Every year the warehouse holds for the programs in the run's scope (a program page shows them all)."""
    present = columns(con, "recon", "program_year")
    if not present:
        return []
    estimate = column_or_null(present, "sam_estimate", "DECIMAL(18,2)")
    carried = ", ".join(column_or_null(present, c, "VARCHAR")
                        for c in ("sam_carried_from_run", "usaspending_carried_from_run", "sam_renumbered_to",
                                  "usaspending_last_reported_run"))
    sql = (
        f"SELECT program_number, fiscal_year, program_title, agency, {estimate}, sam_actual, "
        f"usaspending_obligations, {carried} FROM recon.program_year "
        "WHERE program_in_scope($programs::VARCHAR[], program_number) ORDER BY program_number, fiscal_year"
    )
    return [ProgramYear(**r) for r in dict_rows(con.execute(sql, {"programs": list(run.programs or ())}))]


def load_explanation_notes(con: duckdb.DuckDBPyConnection) -> list[ExplanationNote]:
    return [ExplanationNote(**r) for r in _rows_if_present(
        con, "finding_explanations",
        "SELECT program_number, fiscal_year, rule_id, explanation, priority, reason, related_fiscal_year "
        "FROM recon.finding_explanations ORDER BY program_number, fiscal_year, rule_id, priority, explanation")]


def load_reviews(con: duckdb.DuckDBPyConnection) -> list[Review]:
    return [Review(**r) for r in _rows_if_present(
        con, "annotations",
        "SELECT program_number, fiscal_year, rule_id, status, note, annotated_at, author "
        "FROM recon.annotations ORDER BY program_number, fiscal_year, annotated_at, rule_id NULLS FIRST")]


def _rows_if_present(con: duckdb.DuckDBPyConnection, recon_table: str, sql: str) -> list[dict[str, Any]]:
    """The rows of ``sql``, or none in a file older than the recon table it reads."""
    return dict_rows(con.execute(sql)) if has_table(con, "recon", recon_table) else []


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


def program_year_source(con: duckdb.DuckDBPyConnection) -> str:
    return _PROGRAM_YEAR_TABLE if has_table(con, "recon", "program_year") else _PROGRAM_YEAR_EMPTY


def dict_rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    return row[0] if row else None


def _one_dict(cur: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    rows = dict_rows(cur)
    return rows[0] if rows else None
