"""Explaining the run's findings: explanations.yaml plus one SQL file per explanation."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from importlib import resources
from typing import Any

import duckdb
import pyarrow as pa
import yaml

from warehouse.arrow_rows import insert_rows
from warehouse.db import execute, sql_text
from warehouse.keys import key_text
from warehouse.money import NOT_REPORTED, format_money

PACKAGE = "warehouse.explanations"

# What an explanation says about a finding (see explanations.yaml). A finding with neither is a lead.
KINDS = ("legitimate", "non_reporting")
TRIAGE = ("legitimate", "non_reporting", "lead")


class ExplanationConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Explanation:
    id: str
    title: str
    priority: int
    reasons: Mapping[str, str]  # variant -> template; a single reason is variant "default"
    params: Mapping[str, Decimal] = field(default_factory=dict)
    decisive: bool = False  # when it applies, nothing else can be the primary explanation
    kind: str = "legitimate"  # legitimate | non_reporting (a characterization)

    @property
    def sql(self) -> str:
        return sql_text(self.id, package=PACKAGE)


def load_explanations(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[Explanation]:
    text = resources.files(PACKAGE).joinpath("explanations.yaml").read_text(encoding="utf-8")
    found = [_from_yaml(e) for e in yaml.safe_load(text)["explanations"]]
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
        params={k: Decimal(str(v)) for k, v in (entry.get("params") or {}).items()},
        decisive=bool(entry.get("decisive", False)),
        kind=kind,
    )


def _format_value(name: str, value: Any) -> str:
    if value is None:
        return NOT_REPORTED
    if name.endswith("_share") and isinstance(value, (Decimal, float)):
        return f"{round(Decimal(str(value)) * 100):d}%"
    if isinstance(value, Decimal):
        return format_money(value)
    return str(value)


def reason_text(exp: Explanation, row: Mapping[str, Any]) -> str:
    template = exp.reasons[row.get("variant") or "default"]
    return template.format(**{k: _format_value(k, v) for k, v in row.items()})


def _rank(exp: Explanation, closes_gap: bool | None) -> int:
    """Decisive explanations first, then legitimate ones that account for the gap, then the other
    legitimate ones; a characterization is the primary explanation only when nothing legitimate applies."""
    if exp.kind != "legitimate":
        return 3
    return 0 if exp.decisive else 1 if closes_gap else 2


_COLUMNS: dict[str, pa.DataType] = {
    "program_number": pa.string(), "fiscal_year": pa.int32(), "rule_id": pa.string(), "explanation": pa.string(),
    "priority": pa.int32(), "reason": pa.string(), "related_fiscal_year": pa.int32(), "closes_gap": pa.bool_(),
    "rank": pa.int32(), "kind": pa.string(), "related_program_number": pa.string(),
}


def explain_current(con: duckdb.DuckDBPyConnection, explanations: list[Explanation]) -> dict[str, int]:
    """Explain the hits in findings_current: fill explanations_current and the primary explanation columns."""
    con.execute("DROP TABLE IF EXISTS explanations_current")
    con.execute("CREATE TEMP TABLE explanations_current (program_number VARCHAR, fiscal_year INTEGER, "
                "rule_id VARCHAR, explanation VARCHAR, priority INTEGER, reason VARCHAR, "
                "related_fiscal_year INTEGER, closes_gap BOOLEAN, rank INTEGER, kind VARCHAR, "
                "related_program_number VARCHAR)")
    counts: dict[str, int] = {}
    for exp in explanations:
        cur = execute(con, exp.sql, dict(exp.params))
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
        counts[exp.id] = insert_rows(con, "explanations_current", _COLUMNS, [
            (r["program_number"], r["fiscal_year"], r["rule_id"], exp.id, exp.priority, reason_text(exp, r),
             r.get("related_fiscal_year"), r.get("closes_gap"), _rank(exp, r.get("closes_gap")), exp.kind,
             r.get("related_program_number"))
            for r in rows
        ])
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
