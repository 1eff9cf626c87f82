"""`spendrecon ingest-archive` and `spendrecon awards`: the Award Data Archive from the command line.

spendrecon/cli/__init__.py calls :func:`register`. Prefect is imported only by ingest-archive, after its
environment is set, so `awards` answers in a fraction of a second.
"""
from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn
from rich.text import Text

from spendrecon.cli.common import ConfigOpt, UsageError, VerboseOpt, one_line_errors
from spendrecon.cli.output import Column, Format, FormatOpt, emit, resolve_format
from spendrecon.config import load_settings
from spendrecon.console import console
from spendrecon.csv_cells import csv_text
from spendrecon.json_rows import to_json

out = console(soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("ingest-archive")(one_line_errors(ingest_archive))
    app.command("awards")(one_line_errors(awards))


def ingest_archive(
    sources: Annotated[list[str] | None, typer.Argument(metavar="PATH_OR_URL", hidden=True)] = None,
    config: ConfigOpt = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, max=16, metavar="N",
                                                help="CSV parts parsed side by side (default: usaspending.archive_workers)")] = None,
    no_flow: Annotated[bool, typer.Option("--no-flow", help="Apply the files without Prefect (no run history)")] = False,
    demo: Annotated[bool, typer.Option("--demo", help="Generate the demo's small archive (Full files FY2019-2023 and "
                                                      "a Delta, offline) into <data_dir>/demo_archive and load it")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="One line (files and transactions loaded) instead of "
                                                                "the table of files")] = False,
    fmt: FormatOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Load Award Data Archive files into the archive store (Full files replace their fiscal year; Deltas apply in date order).

    PATH_OR_URL: Award Data Archive zips, Full (FY2023_All_Assistance_Full_YYYYMMDD.zip) and Delta
    (FY(All)_All_Assistance_Delta_YYYYMMDD.zip) files; default: usaspending.archive_sources.

    \b
    Examples:
      spendrecon ingest-archive --demo -q
      spendrecon ingest-archive FY2023_All_Assistance_Full_20251206.zip 'FY(All)_All_Assistance_Delta_20260106.zip'
    """
    if quiet and fmt is not None:
        raise UsageError("--quiet prints one line; leave out --format, or --quiet for the table")
    shown_as = resolve_format(fmt)
    settings = load_settings(config)
    if demo and sources:
        raise ValueError("--demo loads the generated demo archive; give either --demo or file names, not both")
    from spendrecon.archive_ingest import archive_config, plan_sources

    cfg = archive_config(settings)
    wanted = _demo_sources(settings.data_path, cfg.store) if demo else list(sources or settings.usaspending.archive_sources)
    if not wanted:
        raise ValueError("name the archive files to load (paths or URLs), or set usaspending.archive_sources")
    plan_sources(wanted)  # a misnamed file fails here, before Prefect starts
    if workers:
        cfg = replace(cfg, workers=workers)
    progress = _ProgressReporter()
    with progress.live():
        if no_flow:
            outcome = _ingest_without_flow(wanted, cfg, progress)
        else:
            outcome = _ingest_with_flow(wanted, config, settings.data_path, workers, verbose, progress)
    if quiet:
        _print_count(outcome)
    else:
        _print_outcome(outcome, shown_as)
    if outcome["failed"]:
        # The error is already free of the source URL's credentials; the redaction every other
        # command's error line gets (the SAM.gov key, registered secrets, api_key=...) applies too.
        from spendrecon.redaction import redact

        line = redact(f"{outcome['failed']}: {' '.join(str(outcome['error']).split())}")
        sys.stderr.write(f"error: {line}\n")
        raise typer.Exit(1)


def _demo_sources(data_path: Path, store: Path) -> list[str]:
    """Generate the demo archive; refuse a store that holds other files, as a demo run refuses a
    warehouse holding live runs: demo transactions must never mix with real ones."""
    from spendrecon.demo.transport import write_demo_archive
    from warehouse.archive.queries import ingested_files
    from warehouse.archive.reader import sha256_file
    from warehouse.archive.store import open_store

    paths = write_demo_archive(data_path / "demo_archive")
    if store.exists():
        demo = {(p.name, sha256_file(p)) for p in paths}
        con = open_store(store, read_only=True)
        try:
            others = [f["file_name"] for f in ingested_files(con) if (f["file_name"], f["sha256"]) not in demo]
        finally:
            con.close()
        if others:
            raise ValueError(f"archive store {store} holds other files than the demo's ({', '.join(others[:3])}"
                             f"{', ...' if len(others) > 3 else ''}): demo transactions would mix with them. Run the demo "
                             "in a folder of its own, or point usaspending.archive_store at another file")
    return [str(p) for p in paths]


def _ingest_with_flow(sources: list[str], config: Path | None, data_path: Path, workers: int | None,
                      verbose: bool, progress: "_ProgressReporter") -> dict[str, Any]:
    from spendrecon.cli.prefect_env import configure_prefect

    configure_prefect(data_path, verbose=verbose)
    from flows.archive import ingest_archive_flow, secret_sources, set_reporter
    from spendrecon.run_errors import ArchiveIngestFailed

    set_reporter(progress)
    try:
        # SecretStr, so that Prefect records the sources as ********** (they may carry credentials).
        return ingest_archive_flow(secret_sources(sources), str(config) if config else None, workers)
    except ArchiveIngestFailed as exc:
        return exc.outcome
    finally:
        set_reporter(None)


def _ingest_without_flow(sources: list[str], cfg: Any, progress: "_ProgressReporter") -> dict[str, Any]:
    from spendrecon.archive_ingest import ingest_sources

    return ingest_sources(sources, cfg, progress=progress).as_dict(cfg.store)


_FILE_COLUMNS = (
    Column("file_name", "file", "key"),
    Column("status", "status", "key"),
    Column("rows_loaded", "loaded", "number", display=lambda v: "" if v is None else f"{v:,}"),
    Column("rows_deleted", "deleted", "number", display=lambda v: "" if v is None else f"{v:,}"),
    Column("rows_skipped", "skipped", "number", display=lambda v: "" if v is None else f"{v:,}", priority=2),
    Column("rows_quarantined", "quarantined", "number", display=lambda v: "" if v is None else f"{v:,}"),
    Column("encoding", "encoding", whole=True, priority=3),
    Column("seconds", "seconds", "number", display=lambda v: "" if v is None else f"{v:.1f}", priority=1),
)


def _print_outcome(outcome: dict[str, Any], fmt: Format = "table") -> None:
    rows: list[dict[str, Any]] = [dict(r) for r in outcome["results"]]
    quarantined = sum(r["rows_quarantined"] for r in rows)
    if outcome["failed"]:
        rows.append({"file_name": outcome["failed"], "status": "failed"})
    rows += [{"file_name": name, "status": "not attempted"} for name in outcome["not_attempted"]]
    emit(rows, _FILE_COLUMNS, fmt, title="Award Data Archive files", out=out)
    # Notes after a table; beside data for a pipe, they go to stderr so stdout stays records only.
    notes = out if fmt == "table" else console(stderr=True, soft_wrap=True)
    for r in outcome["results"]:
        for warning in r.get("warnings", []):
            notes.print(Text.assemble(("warning", "yellow"), f" {r['file_name']}: {warning}"))
    notes.print(f"quarantined rows: {quarantined:,}" + (" (see raw.quarantine)" if quarantined else ""))
    notes.print(f"archive store: {outcome['store']}")


def _print_count(outcome: dict[str, Any]) -> None:
    """--quiet: one line for the whole ingest (what `make demo` prints), warnings still one each."""
    results = outcome["results"]
    loaded = [r for r in results if r["status"] != "skipped"]
    rows = sum(r["rows_loaded"] or 0 for r in loaded)
    quarantined = sum(r["rows_quarantined"] or 0 for r in results)
    skipped = len(results) - len(loaded)
    parts = [f"{len(loaded):,} file{'s' if len(loaded) != 1 else ''} loaded ({rows:,} transactions)"]
    if skipped:
        parts.append(f"{skipped:,} already loaded (skipped)")
    if quarantined:
        parts.append(f"{quarantined:,} rows quarantined (see raw.quarantine)")
    out.print(f"archive store {outcome['store']}: {', '.join(parts)}")
    notes = console(stderr=True, soft_wrap=True)
    for r in results:
        for warning in r.get("warnings", []):
            notes.print(Text.assemble(("warning", "yellow"), f" {r['file_name']}: {warning}"))


class _ProgressReporter:
    """Download and parse progress as rich bars; called from worker threads (rich is thread-safe)."""

    def __init__(self) -> None:
        # markup=False: file names come from URLs and zips and are shown as they are.
        self.progress = Progress(TextColumn("{task.description}", markup=False), BarColumn(), DownloadColumn(),
                                 TransferSpeedColumn(), TimeElapsedColumn(), console=console(stderr=True),
                                 transient=True)
        self._tasks: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def live(self) -> AbstractContextManager[Any]:
        # Bars only for a person watching; a log file gets the table alone (no stray blank line).
        return self.progress if self.progress.console.is_terminal else nullcontext()

    def _task(self, kind: str, file_name: str, total: int | None) -> Any:
        with self._lock:
            key = (kind, file_name)
            if key not in self._tasks:
                self._tasks[key] = self.progress.add_task(f"{kind} {file_name}", total=total)
            return self._tasks[key]

    def download(self, file_name: str, done: int, total: int | None) -> None:
        self.progress.update(self._task("download", file_name, total), completed=done, total=total)

    def start(self, file_name: str, csv_bytes: int) -> None:
        self._task("parse", file_name, csv_bytes)

    def advance(self, file_name: str, nbytes: int) -> None:
        self.progress.advance(self._task("parse", file_name, None), nbytes)


# --- awards ------------------------------------------------------------------------------------

# The table and TSV show these; csv and json carry every column. Date, type and amounts stay whole;
# names and descriptions give way (cut to one line, then dropped) on a narrow terminal.
_COLUMNS = (
    Column("action_date", "action date", "key"),
    Column("assistance_type_code", "type", "key"),
    Column("obligation", "obligation", "money", display=lambda v: _money(v), priority=1),
    Column("face_value_of_loan", "loan face value", "money", display=lambda v: _money(v), priority=2),
    Column("recipient_name", "recipient", priority=3),
    Column("assistance_transaction_unique_key", "transaction", whole=True, priority=4),
    Column("award_description", "award description", priority=5),
    Column("transaction_description", "transaction description", priority=6),
)
_LOAN_ONLY = {"face_value_of_loan"}


def awards(
    program: Annotated[str, typer.Option("--program", "-p", metavar="ALN", help="Assistance Listing number, e.g. 97.102")],
    fiscal_year: Annotated[int, typer.Option("--fiscal-year", "-y", metavar="YEAR", help="Federal fiscal year, e.g. 2023")],
    top: Annotated[int, typer.Option("--top", "-n", min=1, max=100000, metavar="N", help="How many transactions (default 20)")] = 20,
    fmt: FormatOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """List the transactions behind one program-year, largest first (from the archive store).

    \b
    Examples:
      spendrecon awards -p 97.102 -y 2023
      spendrecon awards -p 84.268 -y 2023 -n 5 -f json
    """
    from spendrecon.archive_ingest import archive_config
    from warehouse.archive.queries import program_years, top_transactions
    from warehouse.archive.store import open_store

    cfg = archive_config(load_settings(config))
    con = open_store(cfg.store, read_only=True)
    try:
        rows = top_transactions(con, program, fiscal_year, top)
        totals = program_years(con, [fiscal_year], [program])
        known = [] if rows else [r[0] for r in con.execute(
            "SELECT DISTINCT program_number FROM staging.archive_program_year WHERE program_number IS NOT NULL").fetchall()]
    finally:
        con.close()
    if not rows:
        from spendrecon.findings_query import closest_hint

        # A typo (97.10) gets the closest ALNs the store holds; a known program simply has no rows that year.
        hint = "" if program in known else closest_hint(program, known)
        raise ValueError(f"the archive store holds no transactions for program {program} in FY{fiscal_year}{hint}")
    shown_as = resolve_format(fmt)
    if shown_as == "json":
        sys.stdout.write(to_json(rows) + "\n")  # exact JSON numbers, as `findings --format json`
    elif shown_as == "csv":
        sys.stdout.write(_to_csv(rows))
    elif shown_as == "tsv":
        emit(rows, _shown_columns(rows), "tsv")
    else:
        _print_awards(program, fiscal_year, rows, totals[0] if totals else None)


def _shown_columns(rows: Sequence[dict[str, Any]]) -> list[Column]:
    loans = any(r["face_value_of_loan"] is not None for r in rows)
    return [c for c in _COLUMNS if loans or c.key not in _LOAN_ONLY]


def _print_awards(program: str, fiscal_year: int, rows: Sequence[dict[str, Any]], total: dict[str, Any] | None) -> None:
    title = f"{program} FY{fiscal_year}: top {len(rows)} transactions by size"
    if total:
        title += (f" (of {total['transaction_count']:,}; program-year obligations "
                  f"{_money(total['obligations'])})")
    emit(rows, _shown_columns(rows), "table", title=title, out=out)
    out.print("obligation: what the USAspending API counts (loan subsidy cost for loans); "
              "--format csv or json for every column")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _money(value)
    return str(value)


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _to_csv(rows: Sequence[dict[str, Any]]) -> str:
    return csv_text(list(rows[0]), (list(r.values()) for r in rows))
