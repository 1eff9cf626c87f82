"""What the sources said when: carrying absent figures forward, and recon.figure_history.

A run replaces its scope in staging with what the sources returned. Before it does,
``remember_before_load`` keeps what they had said; ``carry_forward`` then puts back whatever they
stopped saying (a fiscal year a listing no longer carries, a listing gone altogether, a program-year
USAspending no longer returns), marked, with the run it came from. ``record_history`` keeps every
figure a source *said* as changes in recon.figure_history. ``rebuild_history`` fills that table
once from the raw snapshots an older warehouse already holds.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

import duckdb

from connectors.http import MalformedPayload
from connectors.records import RawPage, SamExtract, SamListing, UsaspendingExtract
from connectors.sam_gov import parse_search_page
from connectors.sam_public import DICTIONARY_PATH, listing_from_stored_document, parse_assistance_types
from connectors.usaspending import replay_year
from warehouse.db import connect, ensure_schema, has_table, run_file
from warehouse.scope import Scope

NO_LONGER_LISTED_SHOWN = 10  # numbers named in the warning; the rest are counted


def remember_before_load(con: duckdb.DuckDBPyConnection, scope: Scope) -> None:
    run_file(con, "staging_carry_before", scope.params())


def carry_forward(con: duckdb.DuckDBPyConnection, run_id: str, *, every_status: bool = True) -> list[str]:
    """Put back what the sources stopped saying; returns the run's warnings about vanished listings.
    ``every_status``: the run asked for archived listings too, so a listing it did not get is gone."""
    run_file(con, "staging_carry_forward", {"run_id": run_id, "every_status": every_status})
    gone = [r[0] for r in con.execute(
        "SELECT DISTINCT program_number FROM staging.sam_listings WHERE no_longer_listed ORDER BY 1").fetchall()]
    if not gone:
        return []
    shown = ", ".join(gone[:NO_LONGER_LISTED_SHOWN]) + (f" and {len(gone) - NO_LONGER_LISTED_SHOWN:,} more"
                                                        if len(gone) > NO_LONGER_LISTED_SHOWN else "")
    return [f"SAM.gov no longer lists {len(gone):,} program(s) it listed before ({shown}), neither active nor "
            "archived: their last reported figures are kept, marked no longer listed"]


def record_history(con: duckdb.DuckDBPyConnection, run_id: str, scope: Scope, now: datetime) -> None:
    """Add this run's figures to recon.figure_history (changes only). A warehouse that has runs but no
    history yet (made before the table existed) first gains it from its raw snapshots."""
    if _needs_rebuild(con, run_id):
        rebuild_history(con, before_run=run_id)
    execute_history_update(con, run_id, scope, now)


def execute_history_update(con: duckdb.DuckDBPyConnection, run_id: str, scope: Scope, now: datetime) -> None:
    run_file(con, "recon_figure_history_update", {**scope.params(), "run_id": run_id, "now": _naive(now)})


def _needs_rebuild(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    row = con.execute(
        "SELECT (SELECT count(*) FROM recon.figure_history), "
        "(SELECT count(*) FROM meta.runs WHERE status = 'succeeded' AND run_id <> $r)", {"r": run_id}).fetchone()
    return bool(row and row[0] == 0 and row[1] > 0)


def rebuild_history(con: duckdb.DuckDBPyConnection, before_run: str | None = None) -> int:
    """Replace recon.figure_history with what the raw snapshots say, run by run (a one-time rebuild).

    Every succeeded run (before ``before_run``, if given) is replayed from raw.sam_pages,
    raw.sam_public_documents and raw.usaspending_pages through the same load, carry-forward and
    history SQL as a live run, in a scratch database. Archive-mode runs kept no USAspending pages:
    their USAspending history starts with the next run. Returns the number of history rows.
    """
    runs = con.execute(
        "SELECT run_id, fiscal_years, programs, started_at FROM meta.runs WHERE status = 'succeeded' "
        "AND ($before IS NULL OR run_id <> $before) ORDER BY started_at, run_id", {"before": before_run}).fetchall()
    scratch = connect(":memory:")
    try:
        ensure_schema(scratch)
        for run_id, fiscal_years, programs, started_at in runs:
            _replay(con, scratch, run_id, Scope(tuple(fiscal_years or ()), tuple(programs) if programs else None),
                    started_at)
        rebuilt = scratch.sql("SELECT * FROM recon.figure_history").to_arrow_table()
    finally:
        scratch.close()
    con.execute("DELETE FROM recon.figure_history")
    con.register("figure_history_rebuilt", rebuilt)
    try:
        con.execute("INSERT INTO recon.figure_history SELECT * FROM figure_history_rebuilt")
    finally:
        con.unregister("figure_history_rebuilt")
    return rebuilt.num_rows


def _replay(con: duckdb.DuckDBPyConnection, scratch: duckdb.DuckDBPyConnection, run_id: str, scope: Scope,
            started_at: datetime) -> None:
    from warehouse.load import load_sam, load_usaspending

    sam = _sam_said(con, run_id)
    usas = _usaspending_said(con, run_id)
    remember_before_load(scratch, scope)
    if sam is not None:
        load_sam(scratch, run_id, sam, scope)
    if usas:
        load_usaspending(scratch, run_id, usas, Scope(tuple(e.fiscal_year for e in usas), scope.programs))
    carry_forward(scratch, run_id)
    fetched = con.execute(
        "SELECT max(fetched_at) FROM (SELECT fetched_at FROM raw.sam_pages WHERE run_id = $r "
        "UNION ALL SELECT fetched_at FROM raw.usaspending_pages WHERE run_id = $r)", {"r": run_id}).fetchone()
    execute_history_update(scratch, run_id, scope, (fetched and fetched[0]) or started_at)


def _sam_said(con: duckdb.DuckDBPyConnection, run_id: str) -> SamExtract | None:
    """The listings a run received, read again from its raw pages; None if it kept none."""
    pages = con.execute("SELECT url, body::VARCHAR FROM raw.sam_pages WHERE run_id = $r AND status_code = 200 "
                        "ORDER BY page_number", {"r": run_id}).fetchall()
    listings: list[SamListing] = []
    names: dict[str, str] = {}
    for url, body in pages:
        if DICTIONARY_PATH in url:
            names = parse_assistance_types(json.loads(body, parse_float=Decimal), url=url)
        elif "/assistance-listings/" in url:
            try:
                listings += parse_search_page(json.loads(body, parse_float=Decimal), url=url)[0]
            except MalformedPayload:
                continue  # the run failed on it, or skipped it: it said nothing
    if has_table(con, "raw", "sam_public_documents"):
        docs = con.execute("SELECT program_id, program_number, body::VARCHAR FROM raw.sam_public_documents "
                           "WHERE run_id = $r", {"r": run_id}).fetchall()
        # Public mode stores a document only when it changed: the ones stored are what this run said anew.
        listings += [listing_from_stored_document(body, pid, number or "", names) for pid, number, body in docs]
    if not pages and not listings:
        return None
    return SamExtract(listings=listings, pages=[], requests=0, total_records=None)


def _usaspending_said(con: duckdb.DuckDBPyConnection, run_id: str) -> list[UsaspendingExtract]:
    rows = con.execute(
        "SELECT fiscal_year, page_number, url, request_body::VARCHAR, status_code, fetched_at, body::VARCHAR "
        "FROM raw.usaspending_pages WHERE run_id = $r AND status_code = 200 ORDER BY fiscal_year, page_number",
        {"r": run_id}).fetchall()
    by_year: dict[int, list[RawPage]] = {}
    for fy, page, url, request, status, fetched, body in rows:
        by_year.setdefault(fy, []).append(RawPage("usaspending", "POST", url, request, page, fy, status, fetched, body))
    return [replay_year(fy, pages) for fy, pages in by_year.items()]


def _naive(ts: datetime) -> datetime:
    return ts if ts.tzinfo is None else ts.astimezone(timezone.utc).replace(tzinfo=None)
