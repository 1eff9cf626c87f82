"""Evaluating the rules and keeping the findings' history across runs."""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone

import duckdb

from warehouse.db import execute, run_file, statements
from warehouse.explanations.registry import Explanation, explain_current
from warehouse.rules.registry import Rule, message_sql
from warehouse.scope import Scope

@dataclass(frozen=True)
class FindingCounts:
    by_rule: Mapping[str, int]  # hits of this run per rule
    new: int
    resolved: int
    open: int  # new + open after the run


def evaluate_rules(con: duckdb.DuckDBPyConnection, rules: Sequence[Rule], scope: Scope) -> dict[str, int]:
    """Run every enabled rule against recon.program_year into the temp table findings_current."""
    con.execute("DROP TABLE IF EXISTS findings_current")
    con.execute(
        "CREATE TEMP TABLE findings_current (rule_id VARCHAR, program_number VARCHAR, fiscal_year INTEGER, "
        "severity VARCHAR, sam_amount DECIMAL(18,2), usaspending_amount DECIMAL(18,2), "
        "difference DECIMAL(18,2), message VARCHAR, explanation VARCHAR, explanation_reason VARCHAR, triage VARCHAR)"
    )
    counts: dict[str, int] = {}
    for rule in rules:
        if not rule.enabled:
            continue
        # The message is rendered here, by DuckDB, as the hit is stored: no row goes through Python.
        message, message_params = message_sql(rule)
        (hit,) = statements(rule.sql)
        row = execute(con, (
            "INSERT INTO findings_current (rule_id, program_number, fiscal_year, severity, sam_amount, "
            "usaspending_amount, difference, message) "
            "SELECT $rule_id, program_number, fiscal_year, $severity, sam_amount, usaspending_amount, difference, "
            f"{message} FROM (\n{hit}\n) AS hit "
            "WHERE in_scope($fiscal_years, $programs, fiscal_year, program_number)"),
            {**rule.params, **message_params, **scope.params(), "rule_id": rule.id, "severity": rule.severity},
        ).fetchone()
        counts[rule.id] = int(row[0]) if row else 0
    return counts


def _run_date(con: duckdb.DuckDBPyConnection, run_id: str) -> date:
    """The run's date as meta.runs records it (its running row is written before the findings merge)."""
    row = con.execute("SELECT as_of FROM meta.runs WHERE run_id = $r", {"r": run_id}).fetchone()
    return row[0] if row and row[0] else datetime.now(timezone.utc).date()


def settings_changed(con: duckdb.DuckDBPyConnection, run_id: str, rules: Sequence[Rule]) -> dict[str, str]:
    """The rules whose settings (parameters, or being enabled) differ from those of the previous succeeded
    run that recorded its settings, each with the change in words (``rel_tolerance 0.05 -> 0.5``): a cause
    a finding may resolve or reopen by, named in the event. Severity is no such cause (a severity change
    is an event of its own); a first run has nothing to differ from."""
    rows = con.execute("SELECT settings FROM meta.runs WHERE status = 'succeeded' AND run_id <> $r "
                       "AND settings IS NOT NULL ORDER BY started_at DESC, run_id DESC LIMIT 1", {"r": run_id}).fetchall()
    if not rows or not rows[0][0]:
        return {}
    before = json.loads(rows[0][0]).get("rules", {})
    changed = {}
    for r in rules:
        if r.id not in before:
            continue
        was = before[r.id]
        words = [f"{k} {was.get('params', {}).get(k)} -> {v}" for k, v in
                 ((k, str(v)) for k, v in r.params.items()) if was.get("params", {}).get(k) != v]
        if was.get("enabled") != r.enabled:
            words.insert(0, "enabled" if r.enabled else "disabled")
        if words:
            changed[r.id] = f"rules.{r.id}: " + ", ".join(words)
    return changed


def merge_findings(con: duckdb.DuckDBPyConnection, run_id: str, rules: Sequence[Rule], scope: Scope,
                   explanations: list[Explanation] | None = None, *, repair: bool = False,
                   run_date: date | None = None) -> FindingCounts:
    """Evaluate the rules and merge their hits into recon.findings. ``repair``: this run repairs a
    warehouse an earlier release wrote (warehouse/repair.py): a status change with no cause among the
    figures is the repair's, reason ``repair``. ``run_date``: the date timing is judged by (whether a
    year's SAM.gov actuals are due); default the run's meta.runs.as_of, else today."""
    by_rule = evaluate_rules(con, rules, scope)
    explain_current(con, explanations or [], run_date or _run_date(con, run_id))
    # A history rule (figure_restated) reports a source changing its own record, not a gap between the
    # sources: its findings are triaged `restatement`, outside the legitimate / non-reporting / lead
    # buckets, so they never count as leads of missing money.
    history_rules = [r.id for r in rules if r.enabled and r.category == "history"]
    if history_rules:
        con.execute("UPDATE findings_current SET triage = 'restatement' WHERE list_contains($ids, rule_id)",
                    {"ids": history_rules})
    # Only enabled rules resolve their findings: switching a rule off changes nothing in the data, so
    # a disabled rule's findings stay as they were, marked rule_disabled (like out-of-scope ones).
    changed = settings_changed(con, run_id, rules)
    params = {**scope.params(), "run_id": run_id, "rule_ids": [r.id for r in rules if r.enabled], "repair": repair,
              "settings_changed": list(changed), "settings_changes": list(changed.values())}
    run_file(con, "recon_findings_merge", params)
    # Every finding of a rule, resolved and older ones too, says which SAM.gov figure it compared.
    execute(con, "UPDATE recon.findings AS f SET sam_figure = r.sam_figure "
                 "FROM (SELECT unnest($ids) AS rule_id, unnest($figures) AS sam_figure) AS r "
                 "WHERE f.rule_id = r.rule_id AND f.sam_figure IS DISTINCT FROM r.sam_figure",
            {"ids": [r.id for r in rules], "figures": [r.sam_figure for r in rules]})
    # One amount and one bucket per program-year, then the leads over them (a view over recon.program_year,
    # which exists only from here on).
    run_file(con, "recon_program_year_triage")
    run_file(con, "recon_leads")
    new, resolved = con.execute(
        "SELECT count(*) FILTER (WHERE event IN ('new', 'reopened')), count(*) FILTER (WHERE event = 'resolved') "
        "FROM recon.finding_events WHERE run_id = $run_id", {"run_id": run_id}
    ).fetchone() or (0, 0)
    open_ = con.execute("SELECT count(*) FROM recon.findings "
                        "WHERE counts_as_open(status, out_of_window, rule_disabled)").fetchone()
    return FindingCounts(by_rule=by_rule, new=int(new), resolved=int(resolved), open=int(open_[0] if open_ else 0))
