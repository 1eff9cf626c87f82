"""What the emulated APIs exchange: responses as (status, headers, body), query parameters, exact
JSON and the refusals the real APIs answer with. Shared by apis.py (the official endpoints) and
public_api.py (the keyless SAM.gov ones).

Money is held as ``Decimal`` and written back out as raw JSON number tokens with the exact decimal
text it was loaded with (``dumps_exact``).
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

Response = tuple[int, dict[str, str], bytes]
Query = Mapping[str, Sequence[str]] | Mapping[str, str]


# --- exact JSON ---------------------------------------------------------------------------------
def dumps_exact(value: Any) -> str:
    """Compact JSON in which ``Decimal`` becomes a number token with its exact text.

    ``json.JSONEncoder`` can only turn an unknown type into another JSON *value*, never a raw
    token, so this small recursive writer is used instead. Floats are refused: one reaching
    here would mean a figure has already lost its decimal text.
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot write {value!r} as a JSON number")
        return format(value, "f")  # never exponent notation, trailing zeros kept
    if isinstance(value, float):
        raise TypeError(f"float {value!r} would lose its decimal text; use Decimal")
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k))}:{dumps_exact(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps_exact(v) for v in value) + "]"
    return json.dumps(value)  # str, int, bool, None


def loads_exact(text: str | bytes) -> Any:
    """Parse JSON keeping every non-integer number as ``Decimal`` (exact text preserved)."""
    return json.loads(text, parse_float=Decimal)


# --- responses ----------------------------------------------------------------------------------
JSON_HEADERS = {"Content-Type": "application/json"}


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    return status, {**JSON_HEADERS, **(headers or {})}, dumps_exact(payload).encode()


def raw_json(status: int, text: str) -> Response:
    return status, dict(JSON_HEADERS), text.encode()


class BadRequest(Exception):
    """A request the real API would refuse; carries the status and the JSON body to send."""

    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(payload)
        self.status = status
        self.payload = payload


def sam_error(message: str) -> BadRequest:
    """SAM.gov's 400 answer to a bad query parameter."""
    return BadRequest(400, {"status": 400, "error": "Bad Request", "message": message})


# --- query helpers ------------------------------------------------------------------------------
def first_value(query: Query, name: str) -> str | None:
    """The first value of a query parameter, whether the mapping holds strings or lists."""
    value = query.get(name)
    if value is None or isinstance(value, str):
        return value
    return value[0] if value else None


def int_param(raw: str | None, default: int, name: str) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise sam_error(f"{name} must be an integer") from None
