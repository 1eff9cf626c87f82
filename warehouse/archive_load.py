"""The archive store -> the warehouse being built: per program-year figures, in the run's scope."""
from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.db import execute, run_file
from warehouse.scope import Scope


class ArchiveLoadError(Exception):
    """The archive store cannot serve this run. Worded for the user."""


def load_usaspending_from_archive(con: duckdb.DuckDBPyConnection, archive_store: Path, run_id: str,
                                  scope: Scope) -> int:
    """Fill staging.usaspending_program_year (scope only, source='archive') from the archive store.

    ``con`` is a read-write connection on the warehouse copy a run is building. The store is
    attached read-only under an alias no database of ``con`` goes by (a warehouse file named
    ``archive.duckdb`` is itself the catalog ``archive``), read through the temporary view
    ``temp.main.archive_program_year`` the SQL files name, and detached again, so the published
    warehouse never refers to it.
    Raises ArchiveLoadError if the store is missing or lacks the Full file of any of the scope's
    fiscal years: a year with no USAspending figures would otherwise read as "obligations not in
    USAspending", and a year only Delta files have touched holds a handful of changed transactions,
    not the year's totals.
    """
    if not archive_store.exists():
        raise ArchiveLoadError(f"archive store {archive_store} does not exist; load Award Data Archive files "
                               "with `spendrecon ingest-archive` (`--demo` for the demo's) or set usaspending.mode: api")
    alias = _free_alias(con)
    try:
        execute(con, f'ATTACH $path AS "{alias}" (READ_ONLY)', {"path": str(archive_store)})
    except duckdb.Error as exc:
        raise ArchiveLoadError(f"cannot open archive store {archive_store}: {exc}") from None
    try:
        con.execute("CREATE OR REPLACE TEMP VIEW archive_program_year AS "
                    f'SELECT * FROM "{alias}".staging.archive_program_year')
        rows = execute(con, f'SELECT DISTINCT fiscal_year FROM "{alias}".meta.archive_files '
                            "WHERE kind = 'full' AND list_contains($years, fiscal_year)",
                       {"years": list(scope.fiscal_years)}).fetchall()
        missing = sorted(set(scope.fiscal_years) - {r[0] for r in rows})
        if missing:
            years = ", ".join(f"FY{y}" for y in missing)
            raise ArchiveLoadError(f"archive store {archive_store} holds no Full file for {years} (Delta files "
                                   "alone carry only changed transactions, not a year's totals); ingest "
                                   "their Full files with `spendrecon ingest-archive` or narrow fiscal_years")
        params = {"run_id": run_id, **scope.params()}
        run_file(con, "archive_staging_usaspending_program_year", params)
        run_file(con, "archive_staging_usaspending_all_years", params)
        row = execute(con, "SELECT count(*) FROM staging.usaspending_program_year WHERE run_id = $run_id "
                           "AND source = 'archive' AND in_scope($fiscal_years, $programs, fiscal_year, program_number)", params).fetchone()
        return int(row[0]) if row else 0
    finally:
        con.execute("DROP VIEW IF EXISTS temp.main.archive_program_year")
        con.execute(f'DETACH "{alias}"')


def _free_alias(con: duckdb.DuckDBPyConnection) -> str:
    """An alias for the attached store that no database of ``con`` already goes by."""
    taken = {str(r[0]).lower() for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
    n = 1
    while f"archive_store_{n}" in taken:
        n += 1
    return f"archive_store_{n}"
