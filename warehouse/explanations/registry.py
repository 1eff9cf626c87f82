"""Explaining the run's findings: explanations.yaml plus one SQL file per explanation."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

import duckdb

from warehouse.db import execute, run_file, statements
from warehouse.keys import key_text
from warehouse.registry_entry import Entry, RegistryError, decimal_params, read_entries
from warehouse.templates import TemplateError, format_expression

# What an explanation says about a finding (see explanations.yaml). A finding with none is a lead.
KINDS = ("legitimate", "non_reporting", "pending")
# A finding's triage bucket: the first of these whose kind applies, else `lead` (BUCKETS, most decisive
# first; macro triage_rank in warehouse/sql/macros.sql holds the same order).
BUCKETS = ("pending", "legitimate", "non_reporting", "lead")


class ExplanationConfigError(RegistryError):
    pass


@dataclass(frozen=True)
class Explanation(Entry):
    priority: int
    reasons: Mapping[str, str]  # variant -> template; a single reason is variant "default"
    params: Mapping[str, Decimal] = field(default_factory=dict)
    decisive: bool = False  # when it applies, nothing else can be the primary explanation
    kind: str = "legitimate"  # legitimate | non_reporting (a characterization) | pending (not due yet)
    package: ClassVar[str] = "warehouse.explanations"


def load_explanations(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[Explanation]:
    found = [_from_yaml(e) for e in read_entries(Explanation.package, "explanations.yaml")]
    by_id = {e.id: e for e in found}
    for exp_id, override in (overrides or {}).items():
        if exp_id not in by_id:
            raise ExplanationConfigError(f"explanations.{key_text(exp_id)}: no such explanation (known: {', '.join(by_id)})")
        params = dict(by_id[exp_id].params)
        for key, value in override.items():
            if key not in params:
                raise ExplanationConfigError(
                    f"explanations.{exp_id}.{key_text(key)}: this explanation has no such setting "
                    f"(it takes: {', '.join(params) or 'nothing'})")
            params[key] = _checked(exp_id, key, Decimal(str(value)))
        by_id[exp_id] = replace(by_id[exp_id], params=params)
    return sorted(by_id.values(), key=lambda e: e.priority)


def _checked(exp_id: str, key: str, value: Decimal) -> Decimal:
    # Tolerances and amounts are never negative; shares and relative tolerances are fractions; months,
    # years and programs are counted in whole numbers.
    fraction = key.startswith("rel_") or key.endswith("_share")
    whole = key.endswith(("_months", "_years", "_programs")) or key.startswith("min_years")
    if value < 0 or (fraction and value > 1) or (whole and value != value.to_integral_value()):
        bounds = "between 0 and 1" if fraction else "a whole number, 0 or more" if whole else "0 or more"
        raise ExplanationConfigError(f"explanations.{exp_id}.{key}: must be {bounds}, got {value}")
    return value


def _from_yaml(entry: Mapping[str, Any]) -> Explanation:
    reasons = entry.get("reasons") or {"default": entry["reason"]}
    kind = entry.get("kind")
    if kind not in KINDS:
        raise ExplanationConfigError(f"explanations.yaml: {entry.get('id')}: kind must be one of "
                                     f"{', '.join(KINDS)}, got {kind!r}")
    if kind == "pending" and not entry.get("decisive"):
        # Waiting for a figure outranks every reason the figures might differ: the finding is not due yet.
        raise ExplanationConfigError(f"explanations.yaml: {entry.get('id')}: a pending explanation is decisive")
    return Explanation(
        id=entry["id"], title=entry["title"], priority=int(entry["priority"]),
        reasons={k: " ".join(str(v).split()) for k, v in reasons.items()},
        params=decimal_params(entry),
        decisive=bool(entry.get("decisive", False)),
        kind=kind,
    )


def _field_sql(name: str, sql_type: str) -> str:
    """How a reason shows a column of the explanation's rows: shares as percentages, DECIMAL amounts
    as money, the rest as text; NULL reads "not reported" (macros in warehouse/sql/macros.sql)."""
    numeric = sql_type.startswith("DECIMAL") or sql_type in ("DOUBLE", "FLOAT")
    if name.endswith("_share") and numeric:
        return f"percent_text({name})"
    if sql_type.startswith("DECIMAL"):
        return f"money_text({name})"
    return f"plain_text({name})"


def reason_sql(exp: Explanation, column_types: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The DuckDB expression of a row's reason, the template chosen by its ``variant`` column (a single
    reason is variant "default"), and the templates to bind (with $explanation, the explanation's id)."""
    fields = {name: _field_sql(name, sql_type) for name, sql_type in column_types.items()}
    params: dict[str, str] = {}
    cases: list[str] = []
    for i, (variant, template) in enumerate(exp.reasons.items()):
        try:
            expr, bound = format_expression(template, fields, f"reason_{i}")
        except TemplateError as exc:
            raise ExplanationConfigError(f"explanations.yaml: {exp.id}: reason {variant!r}: {exc}") from None
        params.update(bound)
        params[f"variant_{i}"] = variant
        cases.append(f"WHEN $variant_{i} THEN {expr}")
    variant = "coalesce(variant, 'default')" if "variant" in column_types else "'default'"
    unknown = f"error('explanation ' || $explanation || ': no reason for variant ' || {variant})"
    return f"CASE {variant} {' '.join(cases)} ELSE {unknown} END", params


def _rank_sql(exp: Explanation, has_closes_gap: bool) -> str:
    """Decisive explanations first (the year is not over or its SAM.gov actual not due yet; the number is
    not listed), then legitimate ones that account for the gap, then the other legitimate ones; a
    characterization is the primary explanation only when nothing legitimate applies."""
    if exp.decisive:
        return "0"
    if exp.kind != "legitimate":
        return "3"
    return "CASE WHEN closes_gap THEN 1 ELSE 2 END" if has_closes_gap else "2"


def pending_settings(explanations: list[Explanation]) -> Mapping[str, Decimal]:
    """What judges whether a year's SAM.gov actuals are due (lag_months, due_share): the settings of the
    pending explanation, as overridden, else as explanations.yaml has them."""
    found = next((e for e in explanations if e.kind == "pending"), None)
    if found is None:
        found = next(e for e in load_explanations() if e.kind == "pending")
    return found.params


def explain_current(con: duckdb.DuckDBPyConnection, explanations: list[Explanation], run_date: date) -> dict[str, int]:
    """Explain the hits in findings_current: fill explanations_current and the primary explanation columns.
    Each explanation's rows are stored, reason rendered, by one INSERT ... SELECT over its SQL.

    First, per completed fiscal year, whether SAM.gov's actuals for it are due on ``run_date`` (temp
    table sam_actual_years, warehouse/sql/sam_actual_years.sql): the SAM.gov-side explanations read it."""
    run_file(con, "sam_actual_years", {**pending_settings(explanations), "run_date": run_date})
    con.execute("DROP TABLE IF EXISTS explanations_current")
    con.execute("CREATE TEMP TABLE explanations_current (program_number VARCHAR, fiscal_year INTEGER, "
                "rule_id VARCHAR, explanation VARCHAR, priority INTEGER, reason VARCHAR, "
                "related_fiscal_year INTEGER, closes_gap BOOLEAN, rank INTEGER, kind VARCHAR, "
                "related_program_number VARCHAR)")
    counts: dict[str, int] = {}
    for exp in explanations:
        (query,) = statements(exp.sql)
        params: dict[str, Any] = {**exp.params, "run_date": run_date}
        shape = execute(con, f"SELECT * FROM (\n{query}\n) LIMIT 0", params).description
        column_types = {d[0]: str(d[1]) for d in shape}
        reason, reason_params = reason_sql(exp, column_types)

        def optional(name: str, sql_type: str) -> str:
            return name if name in column_types else f"NULL::{sql_type}"

        row = execute(con, (
            "INSERT INTO explanations_current SELECT program_number, fiscal_year, rule_id, $explanation, $priority, "
            f"{reason}, {optional('related_fiscal_year', 'INTEGER')}, {optional('closes_gap', 'BOOLEAN')}, "
            f"{_rank_sql(exp, 'closes_gap' in column_types)}, $kind, "
            f"{optional('related_program_number', 'VARCHAR')} FROM (\n{query}\n) AS e"),
            {**params, **reason_params, "explanation": exp.id, "priority": exp.priority, "kind": exp.kind},
        ).fetchone()
        counts[exp.id] = int(row[0]) if row else 0
    con.execute("""
        UPDATE findings_current AS c
        SET explanation = e.explanation, explanation_reason = e.reason
        FROM (SELECT * FROM explanations_current
              QUALIFY row_number() OVER (PARTITION BY program_number, fiscal_year, rule_id
                                         ORDER BY rank, priority, explanation) = 1) AS e
        WHERE c.program_number = e.program_number AND c.fiscal_year = e.fiscal_year AND c.rule_id = e.rule_id
    """)
    # The triage bucket: a figure not due yet wins (the finding is a wait); else any legitimate explanation;
    # else a characterization; else a lead (BUCKETS).
    con.execute("""
        UPDATE findings_current AS c
        SET triage = coalesce((
            SELECT CASE WHEN bool_or(e.kind = 'pending') THEN 'pending'
                        WHEN bool_or(e.kind = 'legitimate') THEN 'legitimate'
                        WHEN bool_or(e.kind = 'non_reporting') THEN 'non_reporting' END
            FROM explanations_current AS e
            WHERE e.program_number = c.program_number AND e.fiscal_year = c.fiscal_year AND e.rule_id = c.rule_id
        ), 'lead')
    """)
    return counts
