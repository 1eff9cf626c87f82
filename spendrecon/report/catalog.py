"""What an (possibly older) warehouse file holds, asked before querying it.

Reports are written for warehouse files made by earlier versions of spendrecon too: tables such as
recon.agency_year or recon.annotations, and the explanation/review columns of recon.findings, only
exist once a newer run has touched the file. Asking information_schema first keeps every query valid.
"""
from __future__ import annotations

import duckdb


def columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> frozenset[str]:
    """The table's column names; empty when the table does not exist."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = $schema AND table_name = $table",
        {"schema": schema, "table": table},
    ).fetchall()
    return frozenset(r[0] for r in rows)


def column_or_typed_null(present: frozenset[str], name: str, sql_type: str, prefix: str = "") -> str:
    """An expression: the column when the table has it, else a typed NULL."""
    return f"{prefix}{name}" if name in present else f"NULL::{sql_type}"


def column_or_null(present: frozenset[str], name: str, sql_type: str, prefix: str = "") -> str:
    """A select-list item: the column when the table has it, else a typed NULL under the same name."""
    return f"{prefix}{name}" if name in present else f"{column_or_typed_null(present, name, sql_type)} AS {name}"
