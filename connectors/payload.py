"""Reading the sources' JSON the same way in every connector.

Keys are matched whatever their case (the sources disagree with their own docs), scalars are read
strictly: a count is a whole number, a flag is true or false, and anything else is a malformed
payload named by the caller, never a guess.  ``unique_programs`` reads the other input every
connector shares, the ALNs a run asks for.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from connectors.errors import MalformedPayload

# Builds the error for one unreadable value; each connector's says which source it was
# ("SAM.gov: ...", "USAspending: ...").
Malformed = Callable[[str], MalformedPayload]


def field_of(obj: Mapping[str, Any] | None, name: str) -> Any:
    """obj[name], ignoring the case of the key (sources are inconsistent about key casing)."""
    if obj is None:
        return None
    if name in obj:
        return obj[name]
    lowered = name.lower()
    return next((v for k, v in obj.items() if isinstance(k, str) and k.lower() == lowered), None)


def has_field(obj: Mapping[str, Any], name: str) -> bool:
    lowered = name.lower()
    return any(isinstance(k, str) and k.lower() == lowered for k in obj)


def json_kind(value: Any) -> str:
    """'an object', 'a list', 'null'...: for messages saying what came instead of what we expected."""
    kinds = {dict: "an object", list: "a list", str: "a string", type(None): "null", bool: "a boolean"}
    return kinds.get(type(value), "a number" if isinstance(value, (int, float, Decimal)) else type(value).__name__)


def unique_programs(programs: Sequence[str] | None) -> list[str]:
    """Requested ALNs, stripped and deduplicated in order; refuses non-strings (10.10 != 10.100)."""
    if programs is None:
        return []
    if isinstance(programs, str):
        raise TypeError("programs must be a sequence of ALN strings, not a single string")
    seen: dict[str, None] = {}
    for program in programs:
        if not isinstance(program, str):
            raise TypeError(f"program number {program!r} must be a string (10.10 and 10.100 differ)")
        if program.strip():
            seen[program.strip()] = None
    return list(seen)


def read_text(value: Any) -> str | None:
    """A scalar as stripped text; None for null, empty text, objects and lists."""
    if value is None or isinstance(value, (Mapping, list)):
        return None
    stripped = str(value).strip()
    return stripped or None


def read_count(value: Any, what: str, malformed: Malformed) -> int | None:
    """A non-negative whole number (int, digit string or integral Decimal); None for null."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, Decimal) and value.is_finite() and value >= 0 and value == value.to_integral_value():
        return int(value)
    raise malformed(f"{what} {value!r} is not a count")


def read_flag(value: Any, what: str, malformed: Malformed) -> bool | None:
    """true/false as a JSON boolean or as text; None for null."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise malformed(f"{what}: {value!r} is not true/false")
