"""The archive store: Award Data Archive transactions in their own DuckDB file, opened.

``warehouse.archive.ingest`` applies files to it, ``warehouse.archive.queries`` reads it back, and
``warehouse.archive_load`` carries its figures into the warehouse a run builds.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb

from warehouse.db import connect, run_file

# Tables in creation order; each has a file of the same name under warehouse/sql/.
SCHEMA_FILES = (
    "archive_schemas",
    "archive_raw_transactions",
    "archive_raw_quarantine",
    "archive_meta_files",
    "archive_staging_transactions",
    "archive_staging_program_year",
)


class ArchiveStoreError(Exception):
    """The store cannot take this file (order, duplicates) or cannot be used. Worded for the user."""


def open_store(path: Path, *, read_only: bool = False, threads: int | None = None,
               memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Connect (creating the file and its tables unless read-only) with bounded memory."""
    if read_only and not path.exists():
        raise ArchiveStoreError(f"archive store {path} does not exist; load files with `spendrecon ingest-archive` (`--demo` for the demo's)")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = connect(path, read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise ArchiveStoreError(f"archive store {path} is in use by another process (an ingest is "
                                    "probably running); try again when it has finished") from None
        raise
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{_size(memory_limit)}'")
    # Order of rows inside a table means nothing here; not keeping it lets inserts run in parallel.
    con.execute("SET preserve_insertion_order = false")
    # Write each finished row group of a load at once instead of buffering five: less memory held,
    # so the buffer pool stays clear of its limit and DuckDB stops purging and re-faulting its
    # allocator's pages (~0.3 CPU-s per million rows).
    con.execute("SET write_buffer_row_group_count = 1")
    if not read_only:
        con.execute(f"SET temp_directory = '{_quote(str(path) + '.tmp')}'")
        for name in SCHEMA_FILES:
            run_file(con, name)
    return con


def _size(value: str) -> str:
    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", value, re.IGNORECASE):
        raise ArchiveStoreError(f"memory limit {value!r} is not a size such as '1GB'")
    return value.strip()


def _quote(text: str) -> str:
    return text.replace("'", "''")
