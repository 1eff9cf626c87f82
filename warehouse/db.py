"""Connections and SQL files. Every statement's parameters are bound, never formatted into SQL."""
from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

# The first of the raw views: an older file's inline raw tables (of the views' names) are moved before it.
RAW_VIEWS_FROM = "raw_body_texts"

# Tables in creation order; each has a file of the same name under sql/.
SCHEMA_FILES = (
    "schemas",
    "meta_runs",
    "meta_repairs",
    "raw_body_chunks",
    "raw_bodies",
    "raw_sam_page_refs",
    "raw_usaspending_page_refs",
    "raw_sam_public_document_refs",
    RAW_VIEWS_FROM,
    "raw_sam_pages",
    "raw_usaspending_pages",
    "raw_sam_public_documents",
    "staging_sam_listings",
    "staging_sam_obligations",
    "staging_usaspending_program_year",
    "staging_usaspending_all_years",
    "staging_sam_chosen",
    "staging_agency_prefixes",
    "staging_assistance_families",
    "recon_findings",
    "recon_finding_events",
    "recon_finding_triage_changes",
    "recon_finding_explanations",
    "recon_annotations",
    "recon_figure_history",
    "recon_figure_changes",
    "recon_restatements",
    "recon_first_reports",
    "recon_context_history",
    "recon_finding_versions",
    "recon_program_year_versions",
    "recon_program_year_triage_versions",
    "recon_usaspending_all_years_versions",
)

# Reference data: staging.<name> is refilled from warehouse/seeds/<name>.csv whenever the schema is
# ensured, with these columns and types.
SEEDS: dict[str, dict[str, str]] = {
    "agency_prefixes": {"prefix": "VARCHAR", "agency": "VARCHAR"},
    "assistance_families": {"family": "VARCHAR", "loan_like": "BOOLEAN", "non_award": "BOOLEAN"},
}

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def sql_text(name: str, package: str = "warehouse.sql") -> str:
    return resources.files(package).joinpath(f"{name}.sql").read_text(encoding="utf-8")


def query_of(name: str, package: str = "warehouse.sql") -> str:
    """The query a one-statement ``CREATE ... AS <query>`` file builds its table from, so that a reader
    can compute the same rows where the table is missing (an older file) from the one definition."""
    (stmt,) = statements(sql_text(name, package))
    match = re.match(r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW)\s+\S+\s+AS\s+(.*)$", _strip_comments(stmt), re.S | re.I)
    if match is None:
        raise ValueError(f"{name}.sql does not build a table from one query")
    return match.group(1).strip()


def statements(sql: str) -> list[str]:
    """Split a file on semicolons that end a line. Our SQL files never put ';' inside strings at a line end."""
    parts = re.split(r";\s*(?:\n|$)", sql)
    return [p.strip() for p in parts if _strip_comments(p).strip()]


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """Execute one statement, binding only the named parameters it mentions."""
    wanted = set(_PARAM.findall(_strip_comments(sql)))
    if not wanted:
        return con.execute(sql)
    given = params or {}
    missing = wanted - given.keys()
    if missing:
        raise KeyError(f"SQL parameters not supplied: {sorted(missing)}")
    return con.execute(sql, {k: given[k] for k in wanted})


def run_file(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None,
             package: str = "warehouse.sql") -> None:
    for stmt in statements(sql_text(name, package)):
        execute(con, stmt, params)


def has_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = $s AND table_name = $n",
                      {"s": schema, "n": name}).fetchone()
    return bool(row and row[0])


def has_column(con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str) -> bool:
    row = con.execute("SELECT count(*) FROM information_schema.columns "
                      "WHERE table_schema = $s AND table_name = $t AND column_name = $c",
                      {"s": schema, "t": table, "c": column}).fetchone()
    return bool(row and row[0])


# A new file's block size. DuckDB's default (256 KB) is made for tables of millions of rows; the
# warehouse is a few dozen tables of thousands, and every table, and every rewrite of one, rounds up to
# whole blocks: the demo's file is half the size with 64 KB blocks, and a run's rewrites free less.
# Not smaller: below 64 KB DuckDB stores integers uncompressed (the raw store's chunk lists grow 20x).
BLOCK_SIZE = 64 * 1024


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file (or ":memory:") with spendrecon's macros (sql/macros.sql) defined. A file
    created here has BLOCK_SIZE blocks (an existing file keeps its own)."""
    config = {"default_block_size": str(BLOCK_SIZE)} if not read_only else {}
    con = duckdb.connect(str(path), read_only=read_only, config=config)
    run_file(con, "macros")
    return con


def open_published(path: Path, error: type[Exception], *, needs: tuple[str, ...] = ("recon.program_year",),
                   missing: str = "has no successful run yet: run `spendrecon run` (or --demo) first",
                   ) -> duckdb.DuckDBPyConnection:
    """The published warehouse, read-only, for reading back what runs wrote. Raises ``error`` (the
    caller's own type) when there is no file yet, or, saying ``missing`` after the path, when a table
    of ``needs`` is absent: no run has got that far. (The README's Troubleshooting quotes both.)"""
    if not Path(path).exists():
        raise error(f"no warehouse at {path}: run `spendrecon run --demo` (or `spendrecon run`) first")
    con = connect(path, read_only=True)
    if not all(has_table(con, *name.split(".")) for name in needs):
        con.close()
        raise error(f"{path} {missing}")
    return con


# Staging columns renamed so that one concept has one name from the connectors inward:
# (schema, table, old name, new name). A file made before the rename is migrated when its schema is
# next ensured, keeping its rows. README.md ("The DuckDB file") lists them for analysts' saved queries.
RENAMED_COLUMNS = (
    ("staging", "sam_obligations", "actual", "sam_actual"),
    ("staging", "sam_obligations", "estimate", "sam_estimate"),
    ("staging", "usaspending_program_year", "obligations", "usaspending_obligations"),
    ("staging", "usaspending_all_years", "obligations", "usaspending_obligations"),
)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create or migrate every table and view, on a connection from connect() (the SQL uses its macros).
    Returns what a migration did that a user should be told (a run passes it on as a warning)."""
    from warehouse.raw_store import move_inline_bodies

    notices: list[str] = []
    renamed = _rename_columns(con)  # first, so the schema files' views are made over the new names
    for name in SCHEMA_FILES:
        if name == RAW_VIEWS_FROM:
            # An older file holds each raw body inline in tables of the views' names: move them, once.
            moved = move_inline_bodies(con)
            if moved is not None:
                notices.append(moved.message())
        run_file(con, name)
    if has_table(con, "staging", "usaspending_history"):  # usaspending_all_years's first name: move its rows over
        con.execute("INSERT INTO staging.usaspending_all_years "
                    "(run_id, program_number, fiscal_year, usaspending_obligations) "
                    "SELECT run_id, program_number, fiscal_year, obligations FROM staging.usaspending_history")
        con.execute("DROP TABLE staging.usaspending_history")
        renamed = True  # recon.leads named the old table
    if renamed and has_table(con, "recon", "leads"):
        run_file(con, "recon_leads")  # a view binds names when read: remake it over the new ones
    for table, columns in SEEDS.items():
        _load_seed(con, table, columns)
    return notices


def _rename_columns(con: duckdb.DuckDBPyConnection) -> bool:
    """Apply RENAMED_COLUMNS where a table still has the old name (DuckDB has no RENAME COLUMN IF
    EXISTS). Whether anything was renamed."""
    renamed = False
    for schema, table, old, new in RENAMED_COLUMNS:
        if has_column(con, schema, table, old) and not has_column(con, schema, table, new):
            # Names are ours, from RENAMED_COLUMNS, never input.
            con.execute(f"ALTER TABLE {schema}.{table} RENAME COLUMN {old} TO {new}")
            renamed = True
    return renamed


def _load_seed(con: duckdb.DuckDBPyConnection, table: str, columns: Mapping[str, str]) -> None:
    """Replace staging.<table> with warehouse/seeds/<table>.csv (table and columns are ours, from SEEDS)."""
    seed = resources.files("warehouse.seeds").joinpath(f"{table}.csv")
    with resources.as_file(seed) as csv_path:
        con.execute(f"DELETE FROM staging.{table}")
        con.execute(f"INSERT INTO staging.{table} SELECT {', '.join(columns)} FROM read_csv($p, header = true, "
                    "auto_detect = false, columns = $columns)", {"p": str(csv_path), "columns": dict(columns)})
