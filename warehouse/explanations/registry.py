"""Explaining the run's findings: explanations.yaml plus one SQL file per explanation."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, ClassVar

import duckdb

from warehouse.db import execute, statements
from warehouse.keys import key_text
from warehouse.registry_entry import Entry, RegistryError, decimal_params, read_entries
from warehouse.templates import TemplateError, format_expression

# What an explanation says about a finding (see explanations.yaml). A finding with neither is a lead.
KINDS = ("legitimate", "non_reporting")


class ExplanationConfigError(RegistryError):
    pass


@dataclass(frozen=True)
class Explanation(Entry):
    priority: int
    reasons: Mapping[str, str]  # variant -> template; a single reason is variant "default"
    params: Mapping[str, Decimal] = field(default_factory=dict)
    decisive: bool = False  # when it applies, nothing else can be the primary explanation
    kind: str = "legitimate"  # legitimate | non_reporting (a characterization)
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
    # Tolerances and amounts are never negative; shares and relative tolerances are fractions.
    fraction = key.startswith("rel_") or key.endswith("_share")
    if value < 0 or (fraction and value > 1):
        bounds = "between 0 and 1" if fraction else "0 or more"
        raise ExplanationConfigError(f"explanations.{exp_id}.{key}: must be {bounds}, got {value}")
    return value


def _from_yaml(entry: Mapping[str, Any]) -> Explanation:
    reasons = entry.get("reasons") or {"default": entry["reason"]}
    kind = entry.get("kind")
    if kind not in KINDS:
        raise ExplanationConfigError(f"explanations.yaml: {entry.get('id')}: kind must be one of "
                                     f"{', '.join(KINDS)}, got {kind!r}")
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
    """Decisive explanations first, then legitimate ones that account for the gap, then the other
    legitimate ones; a characterization is the primary explanation only when nothing legitimate applies."""
    if exp.kind != "legitimate":
        return "3"
    if exp.decisive:
        return "0"
    return "CASE WHEN closes_gap THEN 1 ELSE 2 END" if has_closes_gap else "2"


def explain_current(con: duckdb.DuckDBPyConnection, explanations: list[Explanation]) -> dict[str, int]:
    """Explain the hits in findings_current: fill explanations_current and the primary explanation columns.
    Each explanation's rows are stored, reason rendered, by one INSERT ... SELECT over its SQL."""
    con.execute("DROP TABLE IF EXISTS explanations_current")
    con.execute("CREATE TEMP TABLE explanations_current (program_number VARCHAR, fiscal_year INTEGER, "
                "rule_id VARCHAR, explanation VARCHAR, priority INTEGER, reason VARCHAR, "
                "related_fiscal_year INTEGER, closes_gap BOOLEAN, rank INTEGER, kind VARCHAR, "
                "related_program_number VARCHAR)")
    counts: dict[str, int] = {}
    for exp in explanations:
        (query,) = statements(exp.sql)
        params: dict[str, Any] = dict(exp.params)
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
    # The triage bucket: any legitimate explanation wins; else a characterization; else a lead.
    con.execute("""
        UPDATE findings_current AS c
        SET triage = coalesce((
            SELECT CASE WHEN bool_or(e.kind = 'legitimate') THEN 'legitimate'
                        WHEN bool_or(e.kind = 'non_reporting') THEN 'non_reporting' END
            FROM explanations_current AS e
            WHERE e.program_number = c.program_number AND e.fiscal_year = c.fiscal_year AND e.rule_id = c.rule_id
        ), 'lead')
    """)
    return counts
