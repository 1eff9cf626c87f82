"""Applying Award Data Archive files to the archive store (``warehouse.archive.store``).

Applying one archive file is one transaction: every part is parsed by DuckDB straight from the zip
(through :class:`warehouse.archive.reader.PartFeed`), checked, and reconciled with what is stored;
if anything fails -- a corrupt part, a full disk -- the store is left exactly as it was.

What wins when two files speak of the same transaction (see the archive_load_*.sql files):
a Full file replaces its fiscal year; a Delta replaces (C, "") or deletes (D) by key; a file never
overrides rows written by a newer file; within a file the newest last_modified_date wins.
"""
from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from connectors.records import ArchiveName, parse_archive_name
from warehouse.archive.columns import AMOUNT_COLUMNS, DATE_COLUMNS, DELTA_INDICATOR, REQUIRED, SOURCES
from warehouse.archive.parts import DETAIL, insert_statement, part_select, problem_rows_statement, reader_columns
from warehouse.archive.reader import (
    ArchiveContents,
    ArchiveError,
    ArchivePart,
    OnBytes,
    PartFeed,
    Transport,
    default_transport,
    read_archive,
    sha256_file,
)
from warehouse.archive.store import ArchiveStoreError
from warehouse.db import execute, sql_text
from warehouse.timestamps import stored_now


@dataclass
class IngestResult:
    file_name: str
    kind: str
    file_date: date
    fiscal_year: int | None
    status: str  # loaded | skipped
    message: str = ""
    rows_loaded: int = 0
    rows_deleted: int = 0
    rows_skipped: int = 0
    rows_quarantined: int = 0
    encoding: str = ""
    parts: int = 0
    csv_bytes: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["file_date"] = self.file_date.isoformat()
        return d


class StepClock:
    """Wall and CPU seconds per named step of an ingest (``bench/archive_profile.py`` reads them).

    CPU is the whole process's (user + system, every thread: DuckDB's workers and the feeders), so
    a step that runs beside a background thread (the file's checksum) is charged its CPU too."""

    def __init__(self) -> None:
        self.steps: dict[str, tuple[float, float]] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            w, c = self.steps.get(name, (0.0, 0.0))
            self.steps[name] = (w + time.perf_counter() - wall, c + time.process_time() - cpu)


# --- applying one file -------------------------------------------------------------------------


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    zip_path: Path,
    *,
    source: str | None = None,
    transport: Transport | None = None,
    workers: int = 2,
    workdir: Path | None = None,
    on_bytes: OnBytes | None = None,
    on_start: Callable[[int], None] | None = None,
    clock: StepClock | None = None,
) -> IngestResult:
    """Apply one archive zip to the store, atomically. Returns what it did.

    Raises ArchiveError for an unreadable zip and ArchiveStoreError for a file that must not be
    applied (out of order, or a different file under a name already applied); either way nothing
    of this file is stored.
    """
    started = time.perf_counter()
    clock = clock or StepClock()
    name = parse_archive_name(zip_path.name)
    sha = _ShaInBackground(zip_path)
    with clock.step("open"):
        prior = _prior_loads(con, name.file_name)
        if prior:
            if any(p["sha256"] == sha.result() for p in prior):
                return IngestResult(name.file_name, name.kind, name.file_date, name.fiscal_year, "skipped",
                                    "already ingested (same name and checksum)")
        _check_order(con, name, prior)
        contents = read_archive(zip_path)
        _check_headers(contents, name)
    result = IngestResult(name.file_name, name.kind, name.file_date, name.fiscal_year, "loaded",
                          parts=len(contents.parts), csv_bytes=contents.size)
    result.warnings.extend(_order_warnings(con, name))
    if contents.ignored:
        result.warnings.append(f"ignored non-CSV members: {', '.join(contents.ignored)}")
    transport = transport or default_transport()
    if on_start:
        on_start(contents.size)
    con.execute("BEGIN TRANSACTION")
    try:
        with tempfile.TemporaryDirectory(prefix=".archive-", dir=workdir) as tmp:
            file_id = _apply(con, name, contents, result, Path(tmp), transport, max(1, workers), on_bytes, clock)
        with clock.step("commit"):
            checksum = sha.result()  # computed beside the load; waited for only if it is still running
            result.seconds = round(time.perf_counter() - started, 3)
            execute(con, sql_text("archive_load_file_row"), {
                "file_id": file_id, "file_name": name.file_name, "sha256": checksum,
                "kind": name.kind, "file_date": name.file_date, "fiscal_year": name.fiscal_year,
                "parts": result.parts, "size_bytes": zip_path.stat().st_size, "csv_bytes": result.csv_bytes,
                "rows_loaded": result.rows_loaded, "rows_deleted": result.rows_deleted,
                "rows_skipped": result.rows_skipped, "rows_quarantined": result.rows_quarantined,
                "encoding": result.encoding, "source": source or str(zip_path), "now": stored_now(),
                "seconds": result.seconds,
            })
            con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def _apply(con: duckdb.DuckDBPyConnection, name: ArchiveName, contents: ArchiveContents, result: IngestResult,
           tmp: Path, transport: Transport, workers: int, on_bytes: OnBytes | None, clock: StepClock) -> int:
    with clock.step("open"):
        file_id = int(_one(con, sql_text("archive_load_next_file_id")))
        ids = {"file_id": file_id, "file_date": name.file_date}
        if name.kind == "full":
            result.rows_deleted += _count(execute(con, sql_text("archive_load_clear_year"),
                                                  {"fiscal_year": name.fiscal_year}))
    loader = _PartLoader(con, name, contents, file_id, tmp, transport, on_bytes)
    encodings: dict[int, str] = {}
    parts = list(contents.parts)
    # One step: inflating, parsing, checking and inserting run at once, in one statement per batch
    # (bench/archive_profile.py splits it by running the statement with parts of it taken out).
    with clock.step("load"):
        # A few parts per statement: DuckDB parses them side by side (one thread each) while feeder
        # threads inflate them; more at once would only add buffers.
        for batch in batches(parts, workers + 1):
            encodings.update(loader.load(batch, "utf-8"))
        redo = [p for p in parts if encodings[p.number] == "retry"]
        if redo:
            for p in redo:
                execute(con, sql_text("archive_load_drop_part"), {"file_id": file_id, "part": p.number})
            for batch in batches(redo, workers + 1):
                encodings.update(loader.load(batch, "latin-1"))
    result.encoding = _describe_encodings(parts, encodings)
    with clock.step("quarantine"):
        result.rows_quarantined = loader.quarantine_rejects()
        result.rows_quarantined += loader.quarantine_problems()
        loader.drop_rejects()
    with clock.step("repeated keys"):
        result.rows_skipped += _count(execute(con, sql_text("archive_load_repeated_keys"), ids))
    with clock.step("reconcile"):
        if name.kind == "delta":
            result.rows_skipped += _count(execute(con, sql_text("archive_load_stale_delta_rows"), ids))
        others = _one(con, sql_text("archive_load_other_rows"), ids)
        if others:
            result.rows_skipped += _count(execute(con, sql_text("archive_load_newer_stored"), ids))
            result.rows_deleted += _count(execute(con, sql_text("archive_load_replace_keys"), ids))
        if name.kind == "delta":
            execute(con, sql_text("archive_load_drop_deletions"), ids)
        result.rows_loaded = _one(con, sql_text("archive_load_rows_loaded"), ids)
    return file_id


def batches(parts: Sequence[ArchivePart], most: int) -> list[list[ArchivePart]]:
    """As few statements of at most ``most`` parts as possible, sized evenly: 5 parts at most 3
    go (3, 2), and 7 go (3, 2, 2) rather than (3, 3, 1): a statement of one part leaves a core idle."""
    count = -(-len(parts) // most)
    size, extra = divmod(len(parts), count) if count else (0, 0)
    out, start = [], 0
    for i in range(count):
        n = size + (1 if i < extra else 0)
        out.append(list(parts[start:start + n]))
        start += n
    return out


def _describe_encodings(parts: Sequence[ArchivePart], encodings: dict[int, str]) -> str:
    used = {encodings[p.number] for p in parts}
    if len(used) == 1:
        return used.pop()
    return ", ".join(f"part {p.number}: {encodings[p.number]}" for p in parts)


class _PartLoader:
    """Builds and runs the INSERT ... SELECT ... FROM read_csv(...) statements for one file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, name: ArchiveName, contents: ArchiveContents,
                 file_id: int, tmp: Path, transport: Transport, on_bytes: OnBytes | None) -> None:
        self.con, self.name, self.contents, self.file_id = con, name, contents, file_id
        self.tmp, self.transport, self.on_bytes = tmp, transport, on_bytes
        self.rejects: dict[int, str] = {}  # part number -> rejects table of its final load
        self.encoding_of: dict[int, str] = {}
        self._n = 0

    def load(self, parts: Sequence[ArchivePart], encoding: str) -> dict[int, str]:
        """Insert the parts' rows; return each part's encoding, or 'retry' when it is not UTF-8."""
        selects, params = [], {"file_id": self.file_id, "file_date": self.name.file_date}
        tables = []
        for i, part in enumerate(parts):
            self._n += 1
            table = f"_archive_rejects_{self._n}"
            tables.append(table)
            self.con.execute(f"DROP TABLE IF EXISTS {table}")
            self.con.execute(f"DROP TABLE IF EXISTS {table}_scan")
            selects.append(part_select(part, i, table, self.name.kind == "delta"))
            params.update({f"columns_{i}": reader_columns(part.header), f"encoding_{i}": encoding,
                           f"part_{i}": part.number})
        insert = insert_statement(selects)
        feed = PartFeed(self.contents.path, parts, self.tmp, self.transport, self.on_bytes)
        failure: duckdb.Error | None = None
        with feed as paths:
            params.update({f"path_{i}": str(p) for i, p in enumerate(paths)})
            try:
                execute(self.con, insert, params)
            except duckdb.Error as exc:
                failure = exc
        feed.raise_for_errors()  # a broken part explains a parse error better than the parser does
        if failure is not None:
            raise failure
        outcome = {}
        for part, table in zip(parts, tables):
            bad_encoding = _one(self.con, _on_rejects("archive_load_encoding_errors", table))
            if bad_encoding and encoding == "utf-8":
                outcome[part.number] = "retry"
            else:
                outcome[part.number] = encoding
                self.rejects[part.number] = table
                self.encoding_of[part.number] = encoding
        return outcome

    def quarantine_rejects(self) -> int:
        total = 0
        for part in self.contents.parts:
            table = self.rejects[part.number]
            total += _count(execute(self.con, _on_rejects("archive_load_rejects", table), {
                "file_id": self.file_id, "file_name": self.name.file_name, "part": part.member,
                "amount_columns": AMOUNT_COLUMNS, "date_columns": DATE_COLUMNS, "now": stored_now(),
            }))
        return total

    def drop_rejects(self) -> None:
        for i in range(1, self._n + 1):
            self.con.execute(f"DROP TABLE IF EXISTS _archive_rejects_{i}")
            self.con.execute(f"DROP TABLE IF EXISTS _archive_rejects_{i}_scan")

    def quarantine_problems(self) -> int:
        """Rows that parsed but cannot be stored (no key, no program, no date, ...). Rare, so finding their
        line numbers may cost a second read of their part."""
        rows = execute(self.con, sql_text("archive_load_problem_parts"), {"file_id": self.file_id}).fetchall()
        total = 0
        for part_number, _ in rows:
            part = next(p for p in self.contents.parts if p.number == part_number)
            total += self._quarantine_part_problems(part)
            execute(self.con, sql_text("archive_load_drop_problem_rows"), {"file_id": self.file_id, "part": part_number})
        return total

    def _quarantine_part_problems(self, part: ArchivePart) -> int:
        table = self.rejects[part.number]
        rejected_lines = [r[0] for r in execute(self.con, _on_rejects("archive_load_rejected_lines", table)).fetchall()]
        encoding = self.encoding_of[part.number]
        self._n += 1
        scratch = f"_archive_rejects_{self._n}"
        inner = part_select(part, 0, scratch, self.name.kind == "delta", raw_text=True)
        params = {"file_id": self.file_id, "file_date": self.name.file_date, "columns_0": reader_columns(part.header),
                  "encoding_0": encoding, "part_0": part.number}
        self.con.execute("SET preserve_insertion_order = true")  # row_number() must follow the file
        try:
            with PartFeed(self.contents.path, [part], self.tmp, self.transport) as paths:
                params["path_0"] = str(paths[0])
                found = execute(self.con, problem_rows_statement(inner), params).fetchall()
        finally:
            self.con.execute("SET preserve_insertion_order = false")
        now = stored_now()
        for n, problem, raw_text in found:
            reason, _, detail = problem.partition(DETAIL)
            execute(self.con, sql_text("archive_load_quarantine_problem"), {"file_id": self.file_id, "file_name": self.name.file_name, "part": part.member,
                 "line": record_line(n, rejected_lines), "reason": reason, "detail": detail[:1000] or None,
                 "raw": (raw_text or "")[:1000], "now": now})
        return len(found)


def record_line(ordinal: int, rejected_lines: Sequence[int]) -> int:
    """The line (header = 1) of the ``ordinal``-th record the reader accepted, given the lines of
    the records it rejected (which the accepted ordinals skip)."""
    line = ordinal + 1
    for r in rejected_lines:  # sorted
        if r <= line:
            line += 1
        else:
            break
    return line


# --- order and duplicates ----------------------------------------------------------------------


def _prior_loads(con: duckdb.DuckDBPyConnection, file_name: str) -> list[dict[str, Any]]:
    cur = execute(con, sql_text("archive_prior_loads"), {"file_name": file_name})
    return [dict(zip(("file_id", "sha256", "ingested_at"), r)) for r in cur.fetchall()]


def _check_order(con: duckdb.DuckDBPyConnection, name: ArchiveName, prior: list[dict[str, Any]]) -> None:
    if prior:
        raise ArchiveStoreError(
            f"{name.file_name}: a different file with this name was ingested on {prior[0]['ingested_at']:%Y-%m-%d} "
            "(checksums differ); archive files never change under one name, so this copy is suspect")
    if name.kind == "delta":
        newest = _one(con, sql_text("archive_newest_delta"))
        if newest and name.file_date <= newest:
            raise ArchiveStoreError(
                f"{name.file_name}: a Delta dated {newest:%Y-%m-%d} is already applied; Delta files apply "
                "in date order, so this older one cannot be applied after it")
    else:
        newest = _one(con, sql_text("archive_newest_full"), {"fiscal_year": name.fiscal_year})
        if newest and name.file_date <= newest:
            raise ArchiveStoreError(
                f"{name.file_name}: FY{name.fiscal_year} already holds a Full file dated {newest:%Y-%m-%d}; "
                "an older one would bring back older data")


def _order_warnings(con: duckdb.DuckDBPyConnection, name: ArchiveName) -> list[str]:
    if name.kind != "full":
        return []
    newest = _one(con, sql_text("archive_newest_delta"))
    if newest and newest > name.file_date:
        return [f"FY{name.fiscal_year} now reflects this Full file ({name.file_date:%Y-%m-%d}); changes to that "
                f"year from Delta files after it (newest applied: {newest:%Y-%m-%d}) are not re-applied"]
    return []


def _check_headers(contents: ArchiveContents, name: ArchiveName) -> None:
    for part in contents.parts:
        present = set(part.header)
        missing = [c for c in REQUIRED if not any(n in present for n in SOURCES[c][0])]
        if name.kind == "delta" and DELTA_INDICATOR not in present:
            missing.append(DELTA_INDICATOR)
        if missing:
            raise ArchiveError(f"{name.file_name}: part {part.member} has no {', '.join(missing)} column; "
                               "is it an assistance transactions file?")


# --- small helpers -----------------------------------------------------------------------------


class _ShaInBackground:
    """The file's sha256, computed beside the load (it is only needed to skip or to record)."""

    def __init__(self, path: Path) -> None:
        self._value: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            self._value = sha256_file(path)
        except BaseException as exc:  # re-raised by result()
            self._error = exc

    def result(self) -> str:
        self._thread.join()
        if self._error:
            raise self._error
        assert self._value is not None
        return self._value


def _on_rejects(name: str, table: str) -> str:
    """The SQL file ``name`` run on one part's rejects table (a name our code chose)."""
    return sql_text(name).replace("{rejects}", table)


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> Any:
    row = execute(con, sql, params).fetchone()
    return row[0] if row else None


def _count(cur: duckdb.DuckDBPyConnection) -> int:
    row = cur.fetchone()
    return int(row[0]) if row and row[0] is not None else 0
