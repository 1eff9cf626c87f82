"""What a run's report read, kept as versions, so that `spendrecon report --run-id` of an earlier run
rebuilds the report that run wrote (warehouse/as_of.py).

Like recon.figure_history (a dbt snapshot): each versions table holds one row per key and change, valid
from the run that first left it so (``valid_from_run``) until the run that changed it (``valid_to_run``,
exclusive; NULL while current). A run that changes nothing adds nothing, so the tables grow with
changes, not with runs. What each table records of a run is the query ``sql/<table>_now.sql``; the
columns it gives are the table's, less the two validity columns.
"""
from __future__ import annotations

import duckdb

from warehouse.db import execute, run_file

# Each versions table (schema recon) and its key; recorded in this order.
VERSIONED: dict[str, tuple[str, ...]] = {
    "finding_versions": ("program_number", "fiscal_year", "rule_id"),
    "program_year_versions": ("program_number", "fiscal_year"),
    "program_year_triage_versions": ("program_number", "fiscal_year"),
    "usaspending_all_years_versions": ("program_number", "fiscal_year"),
}
_VALIDITY = ("valid_from_run", "valid_to_run")


def record_versions(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Record the run's findings, program-years, triage and archive years as versions: a key whose row
    differs from its current version (or that has none) closes it and opens one from ``run_id``; a current
    version whose key is gone closes. Returns the versions opened per table."""
    opened: dict[str, int] = {}
    for table, key in VERSIONED.items():
        run_file(con, f"recon_{table}_now", {"run_id": run_id})
        opened[table] = _close_and_open(con, f"recon.{table}", _columns(con, table), key, run_id)
    con.execute("DROP TABLE IF EXISTS versions_now")
    con.execute("DROP TABLE IF EXISTS versions_changed")
    return opened


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'recon' "
                       "AND table_name = $t ORDER BY ordinal_position", {"t": table}).fetchall()
    return [r[0] for r in rows if r[0] not in _VALIDITY]


def _close_and_open(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], key: tuple[str, ...],
                    run_id: str) -> int:
    # Identifiers come from VERSIONED and the catalog, never from data; the run id is bound.
    cols = ", ".join(columns)
    same_key = " AND ".join(f"x.{k} = v.{k}" for k in key)
    # EXCEPT compares whole rows, NULLs equal: the rows of this run that are no current version.
    con.execute(f"CREATE OR REPLACE TEMP TABLE versions_changed AS SELECT {cols} FROM versions_now "
                f"EXCEPT SELECT {cols} FROM {table} WHERE valid_to_run IS NULL")
    execute(con, f"UPDATE {table} AS v SET valid_to_run = $run_id WHERE v.valid_to_run IS NULL "
                 f"AND (EXISTS (SELECT 1 FROM versions_changed AS x WHERE {same_key}) "
                 f"OR NOT EXISTS (SELECT 1 FROM versions_now AS x WHERE {same_key}))", {"run_id": run_id})
    row = execute(con, f"INSERT INTO {table} ({cols}, valid_from_run) SELECT {cols}, $run_id FROM versions_changed",
                  {"run_id": run_id}).fetchone()
    return int(row[0]) if row else 0
