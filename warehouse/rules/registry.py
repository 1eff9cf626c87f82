"""The rule registry: rules.yaml plus the per-rule overrides from spendrecon.yaml."""
from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml

from warehouse.db import sql_text

SEVERITIES = ("error", "warning", "info")
_OVERRIDABLE = ("enabled", "severity", "message")


class RuleConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    category: str
    message: str
    params: Mapping[str, Decimal] = field(default_factory=dict)
    enabled: bool = True

    @property
    def sql(self) -> str:
        return sql_text(self.id, package="warehouse.rules")


def load_rules(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[Rule]:
    text = resources.files("warehouse.rules").joinpath("rules.yaml").read_text(encoding="utf-8")
    rules = [_rule_from_yaml(entry) for entry in yaml.safe_load(text)["rules"]]
    for rule in rules:
        _check_message(rule)
    by_id = {r.id: r for r in rules}
    for rule_id, override in (overrides or {}).items():
        if rule_id not in by_id:
            raise RuleConfigError(f"rules.{rule_id}: no such rule (known: {', '.join(by_id)})")
        by_id[rule_id] = _apply(by_id[rule_id], override)
    return [by_id[r.id] for r in rules]


def _rule_from_yaml(entry: Mapping[str, Any]) -> Rule:
    params = {k: Decimal(str(v)) for k, v in (entry.get("params") or {}).items()}
    return Rule(
        id=entry["id"],
        title=entry["title"],
        severity=entry["severity"],
        category=entry["category"],
        message=" ".join(str(entry["message"]).split()),
        params=params,
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
            raise RuleConfigError(f"rules.{rule.id}.{key}: this rule has no such setting (it takes: {allowed})")
    updated = replace(rule, params=params, **changes)
    _check_message(updated)
    return updated


MESSAGE_FIELDS = ("program_number", "fiscal_year", "sam_amount", "usaspending_amount", "difference")


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
