"""Reading the archive store back: its figures per program-year, the transactions behind one,
and the files applied. Each SELECT is a file under warehouse/sql/, named after what it returns.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from warehouse.db import execute, has_column, sql_text


def program_years(con: duckdb.DuckDBPyConnection, fiscal_years: Sequence[int],
                  programs: Sequence[str] | None = None) -> list[dict[str, Any]]:
    return _rows(execute(con, sql_text("archive_program_years"),
                         {"fiscal_years": list(fiscal_years), "programs": list(programs or [])}))


def top_transactions(con: duckdb.DuckDBPyConnection, program: str, fiscal_year: int, top: int = 20) -> list[dict[str, Any]]:
    # A store made before award_description existed gains it when next opened for writing; until
    # then (read-only, e.g. `spendrecon awards` first) it is shown as empty rather than failing.
    award_description = ("award_description" if has_column(con, "raw", "archive_transactions", "award_description")
                         else "NULL::VARCHAR")
    sql = sql_text("archive_top_transactions").replace("{award_description}", award_description)
    return _rows(execute(con, sql, {"program": program, "fiscal_year": fiscal_year, "top": top}))


def ingested_files(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return _rows(execute(con, sql_text("archive_ingested_files")))


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]
