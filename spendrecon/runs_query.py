"""Reading the runs back out of the published warehouse (meta.runs), for `spendrecon runs` (read-only)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from spendrecon.findings_query import NoWarehouse
from warehouse.db import open_published

# What `spendrecon runs` shows of each run, newest first; csv and json carry these too.
COLUMNS = (
    "run_id", "started_at", "finished_at", "status", "mode", "as_of", "fiscal_years", "programs",
    "program_years", "findings_open", "findings_new", "findings_resolved", "sam_requests",
    "usaspending_requests", "warnings", "error",
)


def query_runs(warehouse: Path, limit: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """The runs, newest first (``limit`` of them, None for all); a failed run's ``error`` says why."""
    con = open_published(warehouse, NoWarehouse, needs=("meta.runs",), missing="has no runs yet")
    try:
        cur = con.execute(
            """
            SELECT run_id, started_at, finished_at, status, mode, as_of, fiscal_years, programs, program_years,
                   findings_open, findings_new, findings_resolved, sam_requests, usaspending_requests,
                   len(coalesce(warnings, [])) AS warnings, error
            FROM meta.runs
            WHERE $status IS NULL OR status = $status
            ORDER BY started_at DESC, run_id DESC
            LIMIT $limit
            """, {"status": status, "limit": limit})
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()
