"""Message and reason templates (str.format syntax, from rules.yaml, explanations.yaml and
spendrecon.yaml) turned into DuckDB expressions, so a finding's text is rendered in the same
INSERT ... SELECT that stores it, without a round trip through Python.

A field becomes a positional argument of DuckDB's format() (the fmt library, whose format
specifications are Python's for the types we pass: text and integers); the registries check
at load that a template renders the same both ways.
"""
from __future__ import annotations

import string
from collections.abc import Mapping


class TemplateError(ValueError):
    """A template the warehouse cannot render; the message says why, for the setting's error."""


def format_expression(template: str, fields: Mapping[str, str], param: str) -> tuple[str, dict[str, str]]:
    """A DuckDB expression rendering ``template``: ``fields`` maps each placeholder to the SQL
    expression of its (already formatted) value. Returns the expression and the parameter to bind
    (the template, named ``param``)."""
    parts: list[str] = []
    args: list[str] = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        parts.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        if conversion not in (None, "s"):
            raise TemplateError(f"{{{name}!{conversion}}}: conversions other than !s are not supported")
        if spec and "{" in spec:
            raise TemplateError(f"{{{name}:{spec}}}: nested placeholders are not supported")
        if name not in fields:
            raise TemplateError(f"unknown placeholder {{{name}}}")
        parts.append("{" + str(len(args)) + (":" + spec if spec else "") + "}")
        args.append(fields[name])
    return f"format(${param}{''.join(', ' + a for a in args)})", {param: "".join(parts)}


def uses_format_spec(template: str) -> bool:
    """Whether a placeholder carries a format specification (the case the registries render twice to check)."""
    try:
        return any(spec or conversion for _, name, spec, conversion in string.Formatter().parse(template)
                   if name is not None)
    except ValueError:
        return False
