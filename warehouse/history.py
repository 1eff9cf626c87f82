"""What the sources said when: carrying absent figures forward, and recon.figure_history.

A run replaces its scope in staging with what the sources returned. Before it does,
``remember_before_load`` keeps what they had said; ``carry_forward`` then puts back whatever they
stopped saying (a fiscal year a listing no longer carries, a listing gone altogether, a program-year
USAspending no longer returns), marked, with the run it came from. ``record_history`` keeps every
figure a source *said* as changes in recon.figure_history (``execute_history_update``).
``replace_history`` fills that table once from what the raw snapshots of an older warehouse say,
read again by spendrecon/history_rebuild.py.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import duckdb

from connectors.records import KnownDocument, RawPage, SamExtract, UsaspendingExtract
from warehouse.db import connect, ensure_schema, execute, has_table, run_file, sql_text
from warehouse.scope import Scope
from warehouse.timestamps import as_stored

NO_LONGER_LISTED_SHOWN = 10  # numbers named in the warning; the rest are counted


def remember_before_load(con: duckdb.DuckDBPyConnection, scope: Scope) -> None:
    run_file(con, "staging_carry_before", scope.params())


@dataclass(frozen=True)
class SourceDrop:
    """What a complete answer no longer holds of what the source held in its last run."""

    source: str  # sam | usaspending
    fiscal_year: int | None  # None: SAM.gov's set of listed programs
    held: int  # programs with a figure (USAspending) or listed (SAM.gov) in the source's last run
    lost: int
    held_amount: Decimal | None  # USAspending's dollars held before (absolute values), lost among them
    lost_amount: Decimal | None

    @property
    def lost_share(self) -> Decimal:
        return Decimal(self.lost) / Decimal(self.held) if self.held else Decimal(0)

    @property
    def lost_amount_share(self) -> Decimal:
        if not self.held_amount or self.lost_amount is None:
            return Decimal(0)
        return self.lost_amount / self.held_amount


def source_drops(con: duckdb.DuckDBPyConnection, run_id: str, asked_years: Sequence[int]) -> list[SourceDrop]:
    """After the load, before ``carry_forward``: per source (and USAspending fiscal year asked) how much of
    what it held in its last run the complete answer no longer holds. The run decides what is too much."""
    rows = execute(con, sql_text("staging_source_drops"), {"run_id": run_id, "asked_years": list(asked_years)}
                   ).fetchall()
    return [SourceDrop(source, fy, int(held), int(lost), held_amount, lost_amount)
            for source, fy, held, lost, held_amount, lost_amount in rows]


def carry_forward(con: duckdb.DuckDBPyConnection, run_id: str, *, every_status: bool = True,
                  asked_years: Sequence[int] = ()) -> list[str]:
    """Put back what the sources stopped saying; returns the run's warnings about vanished listings.
    ``every_status``: the run asked for archived listings too, so a listing it did not get is gone.
    ``asked_years``: the fiscal years whose USAspending answer the run received in full: a program-year
    such an answer no longer holds has no figure now (asked and absent); other years carry."""
    run_file(con, "staging_carry_forward", {"run_id": run_id, "every_status": every_status,
                                            "asked_years": list(asked_years)})
    warnings = []
    moved = con.execute("SELECT DISTINCT program_number || ' -> ' || renumbered_to FROM staging.sam_listings "
                        "WHERE no_longer_listed AND renumbered_to IS NOT NULL ORDER BY 1").fetchall()
    if moved:
        warnings.append(f"SAM.gov renumbered {len(moved):,} listing(s) ({_shown([m[0] for m in moved])}): their "
                        "figures moved with them to the new number and are not counted under the old one")
    # A number still listed under another listing (a revision SAM.gov republished under a new id) is no
    # vanished program, nor one whose listing was renumbered (an older id of it, gone, does not count).
    gone = [r[0] for r in con.execute(
        "SELECT program_number FROM staging.sam_listings GROUP BY program_number "
        "HAVING bool_and(coalesce(no_longer_listed, false)) AND NOT bool_or(renumbered_to IS NOT NULL) "
        "ORDER BY 1").fetchall()]
    if gone:
        warnings.append(f"SAM.gov no longer lists {len(gone):,} program(s) it listed before ({_shown(gone)}), "
                        "neither active nor archived: their last reported figures are kept, marked no longer listed")
    return warnings


def _shown(names: Sequence[str]) -> str:
    return ", ".join(names[:NO_LONGER_LISTED_SHOWN]) + (f" and {len(names) - NO_LONGER_LISTED_SHOWN:,} more"
                                                        if len(names) > NO_LONGER_LISTED_SHOWN else "")


def record_context(con: duckdb.DuckDBPyConnection, run_id: str, scope: Scope, run_date: date) -> None:
    """Add this run's description of each program in scope to recon.context_history (changes only).
    After ``carry_forward``, before recon.program_year is built (past years read their agency from it)."""
    run_file(con, "recon_context_history_update", {"run_id": run_id, "run_date": run_date,
                                                   "programs": scope.params()["programs"]})


def needs_rebuild(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """A warehouse that has runs but no history yet (made before the table existed): its history is
    rebuilt from its raw snapshots before ``run_id`` adds to it (spendrecon/history_rebuild.py)."""
    row = con.execute(
        "SELECT (SELECT count(*) FROM recon.figure_history), "
        "(SELECT count(*) FROM meta.runs WHERE status = 'succeeded' AND run_id <> $r)", {"r": run_id}).fetchone()
    return bool(row and row[0] == 0 and row[1] > 0)


def execute_history_update(con: duckdb.DuckDBPyConnection, run_id: str, scope: Scope, now: datetime) -> None:
    """Add this run's figures to recon.figure_history (changes only)."""
    run_file(con, "recon_figure_history_update", {**scope.params(), "run_id": run_id, "now": as_stored(now)})


# --- rebuilding from the raw snapshots: what is stored, and the replay ------------------------------
# Reading the stored pages again needs the connectors' parsers, which the warehouse does not import:
# spendrecon/history_rebuild.py reads what is stored here, parses it, and hands the records back to
# replace_history.


@dataclass(frozen=True)
class StoredRun:
    """A succeeded run as meta.runs keeps it."""

    run_id: str
    scope: Scope
    started_at: datetime


@dataclass(frozen=True)
class RunSaid:
    """What one stored run's sources said, read again from its raw snapshots."""

    run: StoredRun
    sam: SamExtract | None  # None: the run kept no SAM.gov pages
    usaspending: list[UsaspendingExtract]


def succeeded_runs(con: duckdb.DuckDBPyConnection, before_run: str | None = None) -> list[StoredRun]:
    """Every succeeded run but ``before_run``, oldest first."""
    runs = con.execute(
        "SELECT run_id, fiscal_years, programs, started_at FROM meta.runs WHERE status = 'succeeded' "
        "AND ($before IS NULL OR run_id <> $before) ORDER BY started_at, run_id", {"before": before_run}).fetchall()
    return [StoredRun(run_id, Scope(tuple(fiscal_years or ()), tuple(programs) if programs else None), started_at)
            for run_id, fiscal_years, programs, started_at in runs]


def stored_sam_pages(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, str]]:
    """(url, body) of the run's SAM.gov pages that were answered 200, in page order."""
    return con.execute("SELECT url, body::VARCHAR FROM raw.sam_pages WHERE run_id = $r AND status_code = 200 "
                       "ORDER BY page_number", {"r": run_id}).fetchall()


def stored_public_documents(con: duckdb.DuckDBPyConnection, run_id: str) -> list[KnownDocument]:
    """The public-mode documents the run stored (only those that changed: what it said anew)."""
    if not has_table(con, "raw", "sam_public_documents"):
        return []
    docs = con.execute("SELECT program_id, program_number, body::VARCHAR FROM raw.sam_public_documents "
                       "WHERE run_id = $r", {"r": run_id}).fetchall()
    return [KnownDocument(program_id, None, body, number) for program_id, number, body in docs]


def stored_usaspending_pages(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[int, list[RawPage]]:
    """The run's USAspending pages answered 200, by fiscal year, in page order."""
    rows = con.execute(
        "SELECT fiscal_year, page_number, url, request_body::VARCHAR, status_code, fetched_at, body::VARCHAR "
        "FROM raw.usaspending_pages WHERE run_id = $r AND status_code = 200 ORDER BY fiscal_year, page_number",
        {"r": run_id}).fetchall()
    by_year: dict[int, list[RawPage]] = {}
    for fy, page, url, request, status, fetched, body in rows:
        by_year.setdefault(fy, []).append(RawPage("usaspending", "POST", url, request, page, fy, status, fetched, body))
    return by_year


def replace_history(con: duckdb.DuckDBPyConnection, said: Iterable[RunSaid]) -> int:
    """Replace recon.figure_history with what the runs said, replayed run by run (a one-time rebuild).

    Each run goes through the same load, carry-forward and history SQL as a live run, in a scratch
    database. Archive-mode runs kept no USAspending pages: their USAspending history starts with the
    next run. Returns the number of history rows.
    """
    scratch = connect(":memory:")
    try:
        ensure_schema(scratch)
        for one in said:
            _replay(con, scratch, one)
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


def _replay(con: duckdb.DuckDBPyConnection, scratch: duckdb.DuckDBPyConnection, said: RunSaid) -> None:
    from warehouse.load import load_sam, load_usaspending

    run_id, scope = said.run.run_id, said.run.scope
    remember_before_load(scratch, scope)
    if said.sam is not None:
        load_sam(scratch, run_id, said.sam, scope)
    asked = tuple(e.fiscal_year for e in said.usaspending)  # the years the run kept complete answers of
    if said.usaspending:
        load_usaspending(scratch, run_id, said.usaspending, Scope(asked, scope.programs))
    carry_forward(scratch, run_id, asked_years=asked)
    # The history update dates SAM.gov's versions by its latest page and each USAspending year's by that
    # year's latest page; the scratch database gets a stand-in page for each, so the rebuilt versions
    # carry the fetch times the live ones do.
    fetched = execute(con, sql_text("history_rebuild_fetched_at"), {"run_id": run_id}).fetchall()
    usaspending = [(fy, at) for fy, at in fetched if fy is not None]
    run_file(scratch, "history_rebuild_fetched_pages", {
        "run_id": run_id, "sam_fetched_at": next((at for fy, at in fetched if fy is None), None),
        "usaspending_years": [fy for fy, _ in usaspending], "usaspending_fetched_at": [at for _, at in usaspending]})
    execute_history_update(scratch, run_id, scope, said.run.started_at)  # as the live run: its start
