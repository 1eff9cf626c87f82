"""meta.runs: one row per run, written into the same file the run publishes."""
from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

import duckdb

from warehouse.db import execute
from warehouse.explanations.registry import Explanation
from warehouse.rules.registry import Rule
from warehouse.timestamps import as_stored


def new_run_id(now: datetime | None = None) -> str:
    """Sortable, filesystem-safe and unique: 20261127T213519Z-1a2b."""
    now = now or datetime.now(timezone.utc)
    return f"{now.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


@dataclass
class RunRecord:
    run_id: str
    started_at: datetime
    mode: str  # demo | live
    fiscal_years: list[int]
    programs: list[str] | None
    sam_source: str
    usaspending_source: str
    status: str = "running"
    finished_at: datetime | None = None
    sam_requests: int | None = None
    usaspending_requests: int | None = None
    sam_listings: int | None = None
    usaspending_rows: int | None = None
    program_years: int | None = None
    findings_open: int | None = None
    findings_new: int | None = None
    findings_resolved: int | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    settings: str | None = None  # JSON: run_settings() of the rules and explanations the run applied
    as_of: date | None = None  # the run date timing was judged by (--as-of; the real date by default)
    versioned: bool | None = None  # it recorded what its report read as versions (warehouse/versions.py)


def run_settings(rules: Sequence[Rule], explanations: Sequence[Explanation]) -> str:
    """The rule and explanation settings a run used, after overrides, as meta.runs.settings records
    them: amounts and shares as exact decimal text, so the report shows exactly what applied."""
    return json.dumps({
        "rules": {r.id: {"enabled": r.enabled, "severity": r.severity, "params": _texts(r.params)} for r in rules},
        "explanations": {e.id: {"params": _texts(e.params)} for e in explanations},
    })


def _texts(params: Mapping[str, Decimal]) -> dict[str, str]:
    return {k: str(v) for k, v in params.items()}



def record_run(con: duckdb.DuckDBPyConnection, run: RunRecord) -> None:
    row = asdict(run)
    row["started_at"] = as_stored(run.started_at)
    row["finished_at"] = as_stored(run.finished_at)
    columns = list(row)
    execute(
        con,
        f"INSERT OR REPLACE INTO meta.runs ({', '.join(columns)}) "
        f"VALUES ({', '.join('$' + c for c in columns)})",
        row,
    )


def sam_requests_on(con: duckdb.DuckDBPyConnection, day: date, source: str) -> int:
    """Requests already spent on a UTC day against one SAM.gov base URL by earlier live runs, failed
    ones included. Only the official API is metered per key; public-mode runs have another source."""
    result = con.execute(
        "SELECT coalesce(sum(sam_requests), 0) FROM meta.runs "
        "WHERE mode = 'live' AND CAST(started_at AS DATE) = $day AND sam_source = $source",
        {"day": day, "source": source},
    ).fetchone()
    return int(result[0]) if result else 0
