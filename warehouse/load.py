"""Loading connector records into raw and staging tables.

Raw tables are append-only. Staging tables hold the current state: a run replaces the rows inside
its scope (fiscal years x programs) and leaves the rest as earlier runs left them.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import duckdb
import pyarrow as pa

from connectors.records import RawPage, SamExtract, UsaspendingExtract
from warehouse.arrow_rows import MONEY, insert_rows
from warehouse.assistance_types import family_of
from warehouse.db import execute, run_file
from warehouse.raw_store import Stored, store_bodies
from warehouse.scope import Scope
from warehouse.timestamps import as_stored

_TS = pa.timestamp("us")
_IN_SCOPE = "in_scope($fiscal_years, $programs, fiscal_year, program_number)"  # sql/macros.sql


def load_raw_pages(con: duckdb.DuckDBPyConnection, run_id: str, pages: Iterable[RawPage]) -> Stored:
    """Append the run's responses: each body once in the raw store, the pages by reference."""
    pages = list(pages)
    keys, stored = store_bodies(con, [p.body for p in pages])
    sam, usas = [], []
    for p, key in zip(pages, keys):
        if p.source == "sam":
            sam.append((run_id, p.page_number, p.url, p.status_code, as_stored(p.fetched_at), key))
        else:
            usas.append((run_id, p.fiscal_year, p.page_number, p.url, p.request_body, p.status_code,
                         as_stored(p.fetched_at), key))
    insert_rows(con, "raw.sam_page_refs", {
        "run_id": pa.string(), "page_number": pa.int32(), "url": pa.string(), "status_code": pa.int32(),
        "fetched_at": _TS, "body_id": pa.int64(),
    }, sam)
    insert_rows(con, "raw.usaspending_page_refs", {
        "run_id": pa.string(), "fiscal_year": pa.int32(), "page_number": pa.int32(), "url": pa.string(),
        "request_body": pa.string(), "status_code": pa.int32(), "fetched_at": _TS, "body_id": pa.int64(),
    }, usas)
    return stored


def load_sam(con: duckdb.DuckDBPyConnection, run_id: str, extract: SamExtract, scope: Scope) -> tuple[int, int]:
    listings = [l for l in extract.listings if scope.programs is None or l.program_number in scope.programs]
    params = scope.params()
    execute(con, "DELETE FROM staging.sam_listings WHERE program_in_scope($programs, program_number)",
            params)
    execute(con, f"DELETE FROM staging.sam_obligations WHERE {_IN_SCOPE}", params)
    n_listings = insert_rows(con, "staging.sam_listings", {
        "run_id": pa.string(), "program_number": pa.string(), "program_id": pa.string(), "title": pa.string(),
        "department": pa.string(), "agency": pa.string(), "status": pa.string(), "version": pa.string(),
        "published_date": pa.string(), "assistance_types": pa.list_(pa.string()),
    }, [
        (run_id, l.program_number, l.program_id, l.title, l.department, l.agency, l.status, l.version,
         l.published_date, list(l.assistance_types))
        for l in listings
    ])
    lines = [
        (run_id, line.program_number, l.program_id, line.fiscal_year, line.assistance_type_code,
         line.assistance_type_name, family_of(line.assistance_type_code, line.assistance_type_name),
         line.sam_actual, line.sam_estimate, line.is_recovery_act)
        for l in listings
        for line in l.lines
        if line.fiscal_year in scope.fiscal_years
    ]
    n_lines = insert_rows(con, "staging.sam_obligations", {
        "run_id": pa.string(), "program_number": pa.string(), "program_id": pa.string(),
        "fiscal_year": pa.int32(), "assistance_type_code": pa.string(), "assistance_type_name": pa.string(),
        "assistance_family": pa.string(), "sam_actual": MONEY, "sam_estimate": MONEY, "is_recovery_act": pa.bool_(),
    }, lines)
    return n_listings, n_lines


def load_usaspending(con: duckdb.DuckDBPyConnection, run_id: str, extracts: Sequence[UsaspendingExtract],
                     scope: Scope) -> int:
    """The API's program-years replace the run's scope; what an archive-mode run left of the years
    outside it (staging.usaspending_all_years) goes: this run did not read the store."""
    execute(con, f"DELETE FROM staging.usaspending_program_year WHERE {_IN_SCOPE}", scope.params())
    run_file(con, "api_staging_usaspending_all_years")
    rows = [
        (run_id, r.program_number, r.fiscal_year, r.program_title, r.usaspending_obligations, "api")
        for e in extracts
        for r in e.rows
        if scope.covers(r.program_number, r.fiscal_year)
    ]
    return insert_rows(con, "staging.usaspending_program_year", {
        "run_id": pa.string(), "program_number": pa.string(), "fiscal_year": pa.int32(),
        "program_title": pa.string(), "usaspending_obligations": MONEY, "source": pa.string(),
    }, rows)
