"""Figure history rebuilt from the raw snapshots an older warehouse already holds.

A warehouse made before recon.figure_history existed still keeps every page its runs received. Its
history is rebuilt by reading those pages again through the very parsers that read them live (the
connectors), and replaying the records run by run through the warehouse's own load and history SQL
(``warehouse.history.replace_history``). The warehouse stores and replays; reading the sources'
payloads is the connectors' job, so the two meet here, in the run's steps.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb

from connectors.errors import MalformedPayload
from connectors.records import KnownDocument, SamExtract, SamListing, UsaspendingExtract
from connectors.sam_gov import parse_search_page
from connectors.sam_public import DICTIONARY_PATH, SEARCH_PATH, stored_index
from connectors.sam_public_documents import IndexEntry, listing_from_stored_document, parse_assistance_types
from connectors.usaspending import replay_year
from warehouse.history import (
    RunSaid,
    StoredRun,
    execute_history_update,
    needs_rebuild,
    replace_history,
    stored_public_documents,
    stored_sam_pages,
    stored_usaspending_pages,
    succeeded_runs,
)
from warehouse.scope import Scope


def record_history(con: duckdb.DuckDBPyConnection, run_id: str, scope: Scope, now: datetime) -> None:
    """Add this run's figures to recon.figure_history (changes only). A warehouse that has runs but no
    history yet (made before the table existed) first gains it from its raw snapshots."""
    if needs_rebuild(con, run_id):
        rebuild_history(con, before_run=run_id)
    execute_history_update(con, run_id, scope, now)


def rebuild_history(con: duckdb.DuckDBPyConnection, before_run: str | None = None) -> int:
    """Replace recon.figure_history with what the raw snapshots say, run by run (a one-time rebuild).

    Every succeeded run (but ``before_run``, if given) is read again from raw.sam_pages,
    raw.sam_public_documents and raw.usaspending_pages. Returns the number of history rows.
    """
    return replace_history(con, _said(con, before_run))


def _said(con: duckdb.DuckDBPyConnection, before_run: str | None) -> Iterator[RunSaid]:
    known: dict[str, KnownDocument] = {}  # public mode: the latest document each listing had stored
    for run in succeeded_runs(con, before_run):
        yield RunSaid(run, _sam_said(con, run, known), _usaspending_said(con, run.run_id))


def _sam_said(con: duckdb.DuckDBPyConnection, run: StoredRun, known: dict[str, KnownDocument]) -> SamExtract | None:
    """The listings a run received, read again from its raw pages; None if it kept none.

    A public-mode run stored only the documents that changed, yet it said every listing its search
    index held: each is read from the document this run stored, else from the one an earlier run
    stored (which this run reused, its modifiedDate unchanged), with what the index said of it, as
    the run read it. ``known`` carries the stored documents from run to run, oldest first."""
    pages = stored_sam_pages(con, run.run_id)
    official: dict[str, SamListing] = {}
    index: list[tuple[str, Any]] = []
    names: dict[str, str] = {}
    for url, body in pages:
        if DICTIONARY_PATH in url:
            names = parse_assistance_types(json.loads(body, parse_float=Decimal), url=url)
        elif SEARCH_PATH in url:
            index.append((url, json.loads(body, parse_float=Decimal)))
        elif "/assistance-listings/" in url:
            try:
                found = parse_search_page(json.loads(body, parse_float=Decimal), url=url)[0]
            except MalformedPayload:
                continue  # the run failed on it, or skipped it: it said nothing
            # As the live read keeps them: one per programId, the later copy.
            official.update((x.program_id or f"#anonymous-{len(official)}", x) for x in found)
    stored = {doc.program_id: doc for doc in stored_public_documents(con, run.run_id)}
    known.update(stored)
    listings = list(official.values())
    if index:
        listings += [listing_from_stored_document(known[e.program_id].body, e, names)
                     for e in stored_index(index) if e.program_id in known]
    else:  # no search index kept: the stored documents alone, as active listings (nothing else is known)
        listings += [listing_from_stored_document(doc.body, _entry_of(doc), names) for doc in stored.values()]
    if run.scope.programs is not None:
        listings = [x for x in listings if x.program_number in run.scope.programs]
    if not pages and not listings:
        return None
    return SamExtract(listings=listings, pages=[], requests=0, total_records=None)


def _entry_of(doc: KnownDocument) -> IndexEntry:
    return IndexEntry(program_id=doc.program_id, program_number=doc.program_number or "", title=None,
                      department=None, agency=None, is_active=True, published_date=None, modified_date=None)


def _usaspending_said(con: duckdb.DuckDBPyConnection, run_id: str) -> list[UsaspendingExtract]:
    return [replay_year(fy, pages) for fy, pages in stored_usaspending_pages(con, run_id).items()]
