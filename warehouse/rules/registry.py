"""The rule registry: rules.yaml plus the per-rule overrides from spendrecon.yaml."""
from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, ClassVar

import duckdb

from warehouse.db import connect, execute
from warehouse.keys import key_text
from warehouse.money import format_money
from warehouse.registry_entry import Entry, RegistryError, decimal_params, read_entries
from warehouse.templates import TemplateError, format_expression, uses_format_spec

SEVERITIES = ("error", "warning", "info")  # in report order; macros.sql's severity_rank spells the same


def severity_rank(severity: str) -> int:
    """Where a severity sorts in reports: SEVERITIES' order, anything else after them."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


SAM_FIGURES = ("actual", "estimate")  # which SAM.gov figure a rule compares (rules.yaml sam_figure)
_OVERRIDABLE = ("enabled", "severity", "message")


class RuleConfigError(RegistryError):
    pass


@dataclass(frozen=True)
class Rule(Entry):
    severity: str
    category: str
    message: str
    params: Mapping[str, Decimal] = field(default_factory=dict)
    enabled: bool = True
    sam_figure: str = "actual"  # the SAM.gov figure in the rule's sam_amount: actual | estimate
    package: ClassVar[str] = "warehouse.rules"


def load_rules(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[Rule]:
    rules = [_rule_from_yaml(entry) for entry in read_entries(Rule.package, "rules.yaml")]
    for rule in rules:
        _check_message(rule)
    by_id = {r.id: r for r in rules}
    for rule_id, override in (overrides or {}).items():
        if rule_id not in by_id:
            raise RuleConfigError(f"rules.{key_text(rule_id)}: no such rule (known: {', '.join(by_id)})")
        by_id[rule_id] = _apply(by_id[rule_id], override)
    return [by_id[r.id] for r in rules]


def _rule_from_yaml(entry: Mapping[str, Any]) -> Rule:
    if entry.get("sam_figure") not in SAM_FIGURES:
        raise RuleConfigError(f"rules.yaml: {entry.get('id')}: sam_figure must be one of {', '.join(SAM_FIGURES)}, "
                              f"got {entry.get('sam_figure')!r}")
    return Rule(
        id=entry["id"],
        title=entry["title"],
        severity=entry["severity"],
        category=entry["category"],
        message=" ".join(str(entry["message"]).split()),
        params=decimal_params(entry),
        sam_figure=entry["sam_figure"],
    )


def _apply(rule: Rule, override: Mapping[str, Any]) -> Rule:
    changes: dict[str, Any] = {}
    params = dict(rule.params)
    for key, value in override.items():
        if value is None:
            continue
        if key in _OVERRIDABLE:
            if key == "severity" and value not in SEVERITIES:
                raise RuleConfigError(f"rules.{rule.id}.severity: must be one of {SEVERITIES}, got {value!r}")
            changes[key] = value
        elif key in params:
            params[key] = Decimal(str(value))
        else:
            allowed = ", ".join([*_OVERRIDABLE, *params])
            raise RuleConfigError(f"rules.{rule.id}.{key_text(key)}: this rule has no such setting (it takes: {allowed})")
    updated = replace(rule, params=params, **changes)
    _check_message(updated)
    return updated


MESSAGE_FIELDS = ("program_number", "fiscal_year", "sam_amount", "usaspending_amount", "difference")

# Rows of the shapes a rule hands the renderer at publish (ALN text, year int, DECIMAL or NULL
# amounts, negative differences): a template is rendered with each at load, so a format that cannot
# take them fails at start, naming the key, and not after the sources' quota is spent.
_SAMPLE_ROWS: tuple[Mapping[str, Any], ...] = (
    {"program_number": "97.102", "fiscal_year": 2022, "sam_amount": Decimal("15000000.00"),
     "usaspending_amount": Decimal("0.00"), "difference": Decimal("-15000000.00")},
    {"program_number": "10.100", "fiscal_year": 2019, "sam_amount": None, "usaspending_amount": None,
     "difference": None},
)


def _param_texts(rule: Rule) -> dict[str, str]:
    """The rule's parameters as its message shows them: shares as percentages, the rest as money."""
    values = {k: (f"{v * 100:g}%" if k.startswith("rel_") else format_money(v)) for k, v in rule.params.items()}
    if "rel_tolerance" in rule.params:
        values["rel_tolerance_pct"] = values["rel_tolerance"]
    return values


# The SQL of each row field a message may show; amounts through money_text (sql/macros.sql), which
# writes them as format_money does.
_FIELD_SQL = {"program_number": "program_number", "fiscal_year": "fiscal_year",
              "sam_amount": "money_text(sam_amount)", "usaspending_amount": "money_text(usaspending_amount)",
              "difference": "money_text(difference)"}


def message_sql(rule: Rule) -> tuple[str, dict[str, str]]:
    """The DuckDB expression that renders the rule's message over its SQL's rows, and its parameters
    (the template and the parameters' texts), for evaluating the rule in one INSERT ... SELECT."""
    texts = _param_texts(rule)
    fields = {**_FIELD_SQL, **{k: f"$message_{k}" for k in texts}}
    expr, params = format_expression(rule.message, fields, "message")
    return expr, {**params, **{f"message_{k}": v for k, v in texts.items()}}


def message_values(rule: Rule, row: Mapping[str, Any]) -> dict[str, Any]:
    """What a message's placeholders are filled with: amounts and parameters as formatted text."""
    values: dict[str, Any] = dict(_param_texts(rule))
    values.update(
        program_number=row["program_number"],
        fiscal_year=row["fiscal_year"],
        sam_amount=format_money(row["sam_amount"]),  # NULL reads "not reported", never like $0
        usaspending_amount=format_money(row["usaspending_amount"]),
        difference=format_money(row["difference"]),
    )
    return values


def render_message(rule: Rule, row: Mapping[str, Any]) -> str:
    """The message for one row, in Python: what the warehouse's rendering (message_sql) is checked against."""
    return rule.message.format(**message_values(rule, row))


def _check_message(rule: Rule) -> None:
    allowed = {*MESSAGE_FIELDS, *rule.params, *(["rel_tolerance_pct"] if "rel_tolerance" in rule.params else [])}
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(rule.message) if name is not None}
    except ValueError as exc:
        raise RuleConfigError(f"rules.{rule.id}.message: not a valid template ({exc})") from None
    unknown = sorted(used - allowed)
    if unknown:
        raise RuleConfigError(f"rules.{rule.id}.message: unknown placeholder(s) {', '.join('{' + u + '}' for u in unknown)} "
                              f"(available: {', '.join('{' + a + '}' for a in sorted(allowed))})")
    for row in _SAMPLE_ROWS:
        try:
            render_message(rule, row)
        except Exception as exc:  # noqa: BLE001 - whatever stops a template from rendering is a config error
            raise RuleConfigError(
                f"rules.{rule.id}.message: cannot be filled in ({type(exc).__name__}: {exc}); amounts and "
                "tolerances arrive as formatted text (e.g. $1,234.56 or 'not reported') and the fiscal year "
                "as a number, so write {difference} rather than {difference:.2f}") from None
    try:
        expr, params = message_sql(rule)
    except TemplateError as exc:
        raise RuleConfigError(f"rules.{rule.id}.message: {exc}") from None
    if uses_format_spec(rule.message):
        _check_rendered_alike(rule, expr, params)


def _check_rendered_alike(rule: Rule, expr: str, params: Mapping[str, str]) -> None:
    """A format specification is applied by DuckDB's format(): make sure it writes what Python does."""
    con = connect(":memory:")
    try:
        for row in _SAMPLE_ROWS:
            sample = ("SELECT $program_number::VARCHAR AS program_number, $fiscal_year::INTEGER AS fiscal_year, "
                      "$sam_amount::DECIMAL(18,2) AS sam_amount, $usaspending_amount::DECIMAL(18,2) AS "
                      "usaspending_amount, $difference::DECIMAL(18,2) AS difference")
            try:
                got = execute(con, f"SELECT {expr} FROM ({sample})", {**params, **row}).fetchone()
            except duckdb.Error as exc:
                got = (f"an error ({str(exc).splitlines()[0]})",)
            wanted = render_message(rule, row)
            if not got or got[0] != wanted:
                raise RuleConfigError(f"rules.{rule.id}.message: the warehouse renders it as "
                                      f"{got[0] if got else None!r}, not {wanted!r}; use a simpler format "
                                      "specification (alignment and width work everywhere)")
    finally:
        con.close()
