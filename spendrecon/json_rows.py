"""Rows as JSON for the CLI's --format json (findings, history): one object per line, money exact."""
from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any


def json_value(v: Any) -> str:
    """One cell as JSON. Decimal goes out as an exact JSON number (15000000.00), never through float."""
    if isinstance(v, Decimal):
        return format(v, "f")
    return json.dumps(v, default=str)


def to_json(rows: Sequence[dict[str, Any]]) -> str:
    items = [
        "  {" + ", ".join(f"{json.dumps(k)}: {json_value(v)}" for k, v in row.items()) + "}" for row in rows
    ]
    return "[\n" + ",\n".join(items) + "\n]" if items else "[]"
