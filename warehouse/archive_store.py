"""The archive store: Award Data Archive transactions in their own DuckDB file.

Applying one archive file is one transaction: every part is parsed by DuckDB straight from the zip
(through :class:`connectors.archive_reader.PartFeed`), checked, and reconciled with what is stored;
if anything fails -- a corrupt part, a full disk -- the store is left exactly as it was.

What wins when two files speak of the same transaction (see the archive_load_*.sql files):
a Full file replaces its fiscal year; a Delta replaces (C, "") or deletes (D) by key; a file never
overrides rows written by a newer file; within a file the newest last_modified_date wins.
"""
from __future__ import annotations

import re
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from connectors.archive_files import ArchiveName, parse_archive_name, sha256_file
from connectors.archive_reader import (
    ArchiveContents,
    ArchiveError,
    ArchivePart,
    OnBytes,
    PartFeed,
    Transport,
    default_transport,
    read_archive,
)
from connectors.archive_columns import DELTA_INDICATOR
from warehouse.db import connect, execute, has_column, run_file, sql_text

SCHEMA_FILES = (
    "archive_schemas",
    "archive_raw_transactions",
    "archive_raw_quarantine",
    "archive_meta_files",
    "archive_staging_transactions",
    "archive_staging_program_year",
)

# Amounts are stored to the cent, but a reader told "DECIMAL" rounds every digit past the scale it is
# given: as DECIMAL(18,2) "12.345" would silently become 12.35, as DECIMAL(18,4) "12.00001" 12.00 and
# "12.99995" 13.00. So the reader hands amounts over as text; SQL parses them as DECIMAL(18,4)
# (int64-backed; the range, under 1e14, is far beyond any one transaction) and quarantines (_PROBLEM)
# a text that does not parse, that is in exponent form, or that has a non-zero digit past the second
# decimal -- checked on the text itself, with a pattern run only on the rare texts with three or
# more characters after the point (or an "e"): every digit is seen, whatever its place. Reading a
# wider DECIMAL(38,24) instead was measured at ~1.3 CPU-s more per million rows (128-bit
# arithmetic); this costs a fraction of that (bench/README.md).
_AMOUNT = "DECIMAL(18,2)"
_READ_AMOUNT = "DECIMAL(18,4)"
# Stored column -> (names it may have in a file, the type DuckDB's CSV reader parses it as).
# Typed columns are parsed by the reader itself, so an unparseable value rejects the record with
# its line number instead of silently becoming NULL.
SOURCES: dict[str, tuple[tuple[str, ...], str]] = {
    "assistance_transaction_unique_key": (("assistance_transaction_unique_key",), "VARCHAR"),
    "assistance_award_unique_key": (("assistance_award_unique_key",), "VARCHAR"),
    "cfda_number": (("cfda_number", "assistance_listing_number"), "VARCHAR"),
    "cfda_title": (("cfda_title", "assistance_listing_title"), "VARCHAR"),
    "action_date": (("action_date",), "DATE"),
    "action_date_fiscal_year": (("action_date_fiscal_year",), "INTEGER"),
    "assistance_type_code": (("assistance_type_code",), "VARCHAR"),
    "federal_action_obligation": (("federal_action_obligation",), _READ_AMOUNT),
    "original_loan_subsidy_cost": (("original_loan_subsidy_cost",), _READ_AMOUNT),
    "face_value_of_loan": (("face_value_of_loan",), _READ_AMOUNT),
    "generated_pragmatic_obligations": (("generated_pragmatic_obligations", "generated_pragmatic_obligation"), _READ_AMOUNT),
    "awarding_agency_code": (("awarding_agency_code",), "VARCHAR"),
    "awarding_agency_name": (("awarding_agency_name",), "VARCHAR"),
    "funding_agency_code": (("funding_agency_code",), "VARCHAR"),
    "funding_agency_name": (("funding_agency_name",), "VARCHAR"),
    "record_type_code": (("record_type_code",), "VARCHAR"),
    "recipient_name": (("recipient_name",), "VARCHAR"),
    "transaction_description": (("transaction_description",), "VARCHAR"),
    # The award's own description (its base transaction's); NULL from files that lack the column.
    "award_description": (("prime_award_base_transaction_description",), "VARCHAR"),
    # Provenance only: kept as text by the reader and parsed leniently, so an odd timestamp never
    # costs a transaction its place in the totals.
    "last_modified_date": (("last_modified_date",), "VARCHAR"),
    "correction_delete_ind": ((DELTA_INDICATOR,), "VARCHAR"),
}
# A file without one of these columns is refused whole: every row of it would be quarantined.
REQUIRED = ("assistance_transaction_unique_key", "cfda_number", "action_date", "assistance_award_unique_key")
AMOUNT_COLUMNS = [n for c, (names, t) in SOURCES.items() if t == _READ_AMOUNT for n in names]
DATE_COLUMNS = ["action_date"]
ENCODINGS = ("utf-8", "latin-1")


class ArchiveStoreError(Exception):
    """The store cannot take this file (order, duplicates) or cannot be used. Worded for the user."""


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


# --- opening -----------------------------------------------------------------------------------


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
) -> IngestResult:
    """Apply one archive zip to the store, atomically. Returns what it did.

    Raises ArchiveError for an unreadable zip and ArchiveStoreError for a file that must not be
    applied (out of order, or a different file under a name already applied); either way nothing
    of this file is stored.
    """
    started = time.perf_counter()
    name = parse_archive_name(zip_path.name)
    sha = _ShaInBackground(zip_path)
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
            file_id = _apply(con, name, contents, result, Path(tmp), transport, max(1, workers), on_bytes)
        result.seconds = round(time.perf_counter() - started, 3)
        execute(con, """
            INSERT INTO meta.archive_files
            VALUES ($file_id, $file_name, $sha256, $kind, $file_date, $fiscal_year, $parts, $size_bytes,
                    $csv_bytes, $rows_loaded, $rows_deleted, $rows_skipped, $rows_quarantined, $encoding,
                    $source, $now, $seconds)""", {
            "file_id": file_id, "file_name": name.file_name, "sha256": sha.result(),
            "kind": name.kind, "file_date": name.file_date, "fiscal_year": name.fiscal_year,
            "parts": result.parts, "size_bytes": zip_path.stat().st_size, "csv_bytes": result.csv_bytes,
            "rows_loaded": result.rows_loaded, "rows_deleted": result.rows_deleted,
            "rows_skipped": result.rows_skipped, "rows_quarantined": result.rows_quarantined,
            "encoding": result.encoding, "source": source or str(zip_path), "now": _utcnow(),
            "seconds": result.seconds,
        })
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def _apply(con: duckdb.DuckDBPyConnection, name: ArchiveName, contents: ArchiveContents, result: IngestResult,
           tmp: Path, transport: Transport, workers: int, on_bytes: OnBytes | None) -> int:
    file_id = int(_one(con, "SELECT coalesce(max(file_id), 0) + 1 FROM meta.archive_files"))
    ids = {"file_id": file_id, "file_date": name.file_date}
    if name.kind == "full":
        result.rows_deleted += _count(execute(con, sql_text("archive_load_clear_year"),
                                              {"fiscal_year": name.fiscal_year}))
    loader = _PartLoader(con, name, contents, file_id, tmp, transport, on_bytes)
    encodings: dict[int, str] = {}
    parts = list(contents.parts)
    # A few parts per statement: DuckDB parses them side by side (one thread each) while feeder
    # threads inflate them; more at once would only add buffers.
    for batch in _batches(parts, workers + 1):
        encodings.update(loader.load(batch, "utf-8"))
    redo = [p for p in parts if encodings[p.number] == "retry"]
    if redo:
        for p in redo:
            execute(con, "DELETE FROM raw.archive_transactions WHERE file_id = $file_id AND part = $part",
                    {"file_id": file_id, "part": p.number})
        for batch in _batches(redo, workers + 1):
            encodings.update(loader.load(batch, "latin-1"))
    result.encoding = _describe_encodings(parts, encodings)
    result.rows_quarantined = loader.quarantine_rejects()
    result.rows_quarantined += loader.quarantine_problems()
    loader.drop_rejects()
    result.rows_skipped += _count(execute(con, sql_text("archive_load_repeated_keys"), ids))
    if name.kind == "delta":
        result.rows_skipped += _count(execute(con, sql_text("archive_load_stale_delta_rows"), ids))
    others = _one(con, "SELECT count(*) FROM raw.archive_transactions WHERE file_id <> $file_id", ids)
    if others:
        result.rows_skipped += _count(execute(con, sql_text("archive_load_newer_stored"), ids))
        result.rows_deleted += _count(execute(con, sql_text("archive_load_replace_keys"), ids))
    if name.kind == "delta":
        execute(con, sql_text("archive_load_drop_deletions"), ids)
    result.rows_loaded = _one(con, "SELECT count(*) FROM raw.archive_transactions WHERE file_id = $file_id", ids)
    return file_id


def _batches(parts: Sequence[ArchivePart], most: int) -> list[list[ArchivePart]]:
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
            selects.append(_part_select(part, i, table, self.name.kind == "delta"))
            params.update({f"columns_{i}": _reader_columns(part.header), f"encoding_{i}": encoding,
                           f"part_{i}": part.number})
        insert = (f"INSERT INTO raw.archive_transactions ({', '.join(_STORED)}) "
                  f"SELECT {', '.join(_STORED_EXPRS)}, {_PROBLEM} AS load_problem FROM ("
                  + " UNION ALL ".join(selects) + ")")
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
            bad_encoding = _one(self.con, f"SELECT count(*) FROM {table} WHERE error_type = 'INVALID ENCODING'")
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
            sql = sql_text("archive_load_rejects").replace("{rejects}", table)
            total += _count(execute(self.con, sql, {
                "file_id": self.file_id, "file_name": self.name.file_name, "part": part.member,
                "amount_columns": AMOUNT_COLUMNS, "date_columns": DATE_COLUMNS, "now": _utcnow(),
            }))
        return total

    def drop_rejects(self) -> None:
        for i in range(1, self._n + 1):
            self.con.execute(f"DROP TABLE IF EXISTS _archive_rejects_{i}")
            self.con.execute(f"DROP TABLE IF EXISTS _archive_rejects_{i}_scan")

    def quarantine_problems(self) -> int:
        """Rows that parsed but cannot be stored (no key, no program, no date, ...). Rare, so finding their
        line numbers may cost a second read of their part."""
        rows = self.con.execute(
            "SELECT part, count(*) FROM raw.archive_transactions "
            "WHERE file_id = $file_id AND load_problem IS NOT NULL GROUP BY part ORDER BY part",
            {"file_id": self.file_id}).fetchall()
        total = 0
        for part_number, _ in rows:
            part = next(p for p in self.contents.parts if p.number == part_number)
            total += self._quarantine_part_problems(part)
            execute(self.con, "DELETE FROM raw.archive_transactions "
                              "WHERE file_id = $file_id AND part = $part AND load_problem IS NOT NULL",
                    {"file_id": self.file_id, "part": part_number})
        return total

    def _quarantine_part_problems(self, part: ArchivePart) -> int:
        table = self.rejects[part.number]
        rejected_lines = [r[0] for r in self.con.execute(f"SELECT DISTINCT line FROM {table} ORDER BY line").fetchall()]
        encoding = self.encoding_of[part.number]
        self._n += 1
        scratch = f"_archive_rejects_{self._n}"
        inner = _part_select(part, 0, scratch, self.name.kind == "delta", raw_text=True)
        # The record text is built only for problem rows, below the window that numbers every row.
        sql = (f"SELECT row_number() OVER () AS n, load_problem, raw_text FROM ("
               f"SELECT load_problem, CASE WHEN load_problem IS NOT NULL THEN raw_text END AS raw_text FROM ("
               f"SELECT {_PROBLEM} AS load_problem, raw_text FROM ({inner})))")
        params = {"file_id": self.file_id, "file_date": self.name.file_date, "columns_0": _reader_columns(part.header),
                  "encoding_0": encoding, "part_0": part.number}
        self.con.execute("SET preserve_insertion_order = true")  # row_number() must follow the file
        try:
            with PartFeed(self.contents.path, [part], self.tmp, self.transport) as paths:
                params["path_0"] = str(paths[0])
                found = execute(self.con, f"SELECT n, load_problem, raw_text FROM ({sql}) WHERE load_problem IS NOT NULL",
                                params).fetchall()
        finally:
            self.con.execute("SET preserve_insertion_order = false")
        now = _utcnow()
        for n, problem, raw_text in found:
            reason, _, detail = problem.partition(_DETAIL)
            execute(self.con, """
                INSERT INTO raw.quarantine VALUES ($file_id, $file_name, $part, $line, $reason, $detail, $raw, $now)""",
                {"file_id": self.file_id, "file_name": self.name.file_name, "part": part.member,
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


# Stored columns in table order; the statement fills them from the part selects.
_STORED = (*SOURCES.keys(), "file_id", "file_date", "part", "load_problem")
# What the statement selects for each but load_problem: amounts cut to the stored scale, which is
# exact for every row kept (a row with more decimals is a problem row and is not kept).
_STORED_EXPRS = tuple(f"CAST({c} AS {_AMOUNT}) AS {c}" if c in SOURCES and SOURCES[c][1] == _READ_AMOUNT else c
                      for c in _STORED[:-1])
_AMOUNT_STORED = [c for c, (_, t) in SOURCES.items() if t == _READ_AMOUNT]

_TEXT = "__text"  # suffix of the column holding an amount's text as the file spells it


def _amount_problems(c: str) -> tuple[str, str]:
    """(WHEN clause for an unreadable amount, WHEN clauses for one that cannot be stored as it is).

    A text that does not parse is a bad amount, named with its column and text (the quarantine's
    detail; see _PartLoader._quarantine_part_problems). ``x % 0.01`` (exact int64 decimal arithmetic)
    catches a third or fourth decimal; the pattern, anything past the fourth, and it runs only on
    texts that pass the cheap LIKE/contains test first (CASE and AND evaluate in order, row by row):
    ``12.3``, ``-5`` and ``1234.56`` never reach it. An exponent ("1e-5") is refused as a bad amount:
    the archive never writes one, and rounding it to the reader's scale could hide digits.
    """
    t = f"{c}{_TEXT}"
    bad = (f"    WHEN {c} IS NULL AND {t} IS NOT NULL AND trim({t}) <> '' "
           f"THEN 'bad amount{_DETAIL}{c}: ' || {t} || ' is not a number'\n")
    unstorable = (
        f"    WHEN {c} % 0.01 <> 0 THEN '{c} has more than 2 decimal places'\n"
        f"    WHEN ({t} LIKE '%.___%' OR contains({t}, 'e') OR contains({t}, 'E'))"
        f" AND regexp_matches({t}, '[eE]|[.][0-9][0-9]0*[1-9]')\n"
        f"        THEN CASE WHEN regexp_matches({t}, '[eE]') THEN 'bad amount{_DETAIL}{c}: ' || {t} || "
        f"' is in exponent form' ELSE '{c} has more than 2 decimal places' END\n")
    return bad, unstorable


_DETAIL = " | "  # separates a problem's reason from its detail in load_problem
# Without its award key a row would load but count toward no award (award_count), so it is a bad
# row too. Delta D rows carry only the transaction key, program and a few award ids, never the
# award key: they are exempt, as from the program and date checks. An unreadable amount comes first,
# as it did when the CSV reader itself refused it.
_PROBLEM = "CASE\n" + "".join(_amount_problems(c)[0] for c in _AMOUNT_STORED) + """\
    WHEN assistance_transaction_unique_key IS NULL THEN 'missing transaction key'
    WHEN correction_delete_ind IS NOT NULL AND correction_delete_ind NOT IN ('', 'C', 'D')
        THEN 'unknown correction_delete_ind'
    WHEN coalesce(correction_delete_ind, '') <> 'D' AND assistance_award_unique_key IS NULL THEN 'missing award key'
    WHEN coalesce(correction_delete_ind, '') <> 'D' AND cfda_number IS NULL THEN 'missing program number'
    WHEN coalesce(correction_delete_ind, '') <> 'D' AND action_date_fiscal_year IS NULL THEN 'missing action date'
""" + "".join(_amount_problems(c)[1] for c in _AMOUNT_STORED) + """END"""


def _reader_columns(header: Sequence[str]) -> dict[str, str]:
    """The read_csv columns spec for a part: every header column, typed where we read it."""
    # Amounts as text: parsed and checked in SQL (_amount_exprs), where no digit is rounded unseen.
    types = {n: ("VARCHAR" if t == _READ_AMOUNT else t) for names, t in SOURCES.values() for n in names}
    spec: dict[str, str] = {}
    for i, raw in enumerate(header):
        name = raw or f"column_{i + 1}"
        while name in spec:  # DuckDB needs unique names; a repeat is never one we read
            name += "_"
        spec[name] = types.get(name, "VARCHAR") if name == raw else "VARCHAR"
    return spec


def _part_select(part: ArchivePart, i: int, rejects: str, is_delta: bool, *, raw_text: bool = False) -> str:
    """SELECT of the stored columns from one part's read_csv. Identifiers come from SOURCES (our
    code), never from the file; values (paths, column specs) are bound parameters."""
    present = set(part.header)

    def src(column: str) -> str | None:
        for n in SOURCES[column][0]:
            if n in present:
                return '"' + n.replace('"', '""') + '"'
        return None

    def col(column: str, cast: str) -> str:
        s = src(column)
        return s if s else f"NULL::{cast}"

    date_expr = col("action_date", "DATE")
    exprs = {
        "assistance_transaction_unique_key": f"nullif(upper(trim({col('assistance_transaction_unique_key', 'VARCHAR')})), '')",
        "assistance_award_unique_key": f"nullif(upper(trim({col('assistance_award_unique_key', 'VARCHAR')})), '')",
        "cfda_number": f"nullif(trim({col('cfda_number', 'VARCHAR')}), '')",
        "action_date_fiscal_year": (
            f"coalesce({col('action_date_fiscal_year', 'INTEGER')}, "
            f"year({date_expr}) + CASE WHEN month({date_expr}) >= 10 THEN 1 ELSE 0 END)"),
        "last_modified_date": f"TRY_CAST({col('last_modified_date', 'VARCHAR')} AS TIMESTAMP)",
        "correction_delete_ind": (f"coalesce(upper(trim({col('correction_delete_ind', 'VARCHAR')})), '')"
                                  if is_delta else "NULL::VARCHAR"),
    }
    items = []
    for column, (_, typ) in SOURCES.items():
        if typ == _READ_AMOUNT:
            text = col(column, "VARCHAR")
            items += [f"TRY_CAST({text} AS {_READ_AMOUNT}) AS {column}", f"{text} AS {column}{_TEXT}"]
            continue
        expr = exprs.get(column) or col(column, typ)
        items.append(f"{expr} AS {column}")
    items += ["$file_id AS file_id", "$file_date::DATE AS file_date", f"$part_{i} AS part"]
    if raw_text:
        kept = [s for s in (src(c) for c in SOURCES) if s]
        items.append(f"concat_ws(',', {', '.join(kept)}) AS raw_text")
    return (f"SELECT {', '.join(items)} FROM read_csv($path_{i}, columns = $columns_{i}, header = true, "
            f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', encoding = $encoding_{i}, "
            f"store_rejects = true, rejects_table = '{rejects}', rejects_scan = '{rejects}_scan')")


# --- order and duplicates ----------------------------------------------------------------------


def _prior_loads(con: duckdb.DuckDBPyConnection, file_name: str) -> list[dict[str, Any]]:
    cur = con.execute("SELECT file_id, sha256, ingested_at FROM meta.archive_files WHERE file_name = $n",
                      {"n": file_name})
    return [dict(zip(("file_id", "sha256", "ingested_at"), r)) for r in cur.fetchall()]


def _check_order(con: duckdb.DuckDBPyConnection, name: ArchiveName, prior: list[dict[str, Any]]) -> None:
    if prior:
        raise ArchiveStoreError(
            f"{name.file_name}: a different file with this name was ingested on {prior[0]['ingested_at']:%Y-%m-%d} "
            "(checksums differ); archive files never change under one name, so this copy is suspect")
    if name.kind == "delta":
        newest = _one(con, "SELECT max(file_date) FROM meta.archive_files WHERE kind = 'delta'")
        if newest and name.file_date <= newest:
            raise ArchiveStoreError(
                f"{name.file_name}: a Delta dated {newest:%Y-%m-%d} is already applied; Delta files apply "
                "in date order, so this older one cannot be applied after it")
    else:
        newest = _one(con, "SELECT max(file_date) FROM meta.archive_files WHERE kind = 'full' "
                           "AND fiscal_year = $fy", {"fy": name.fiscal_year})
        if newest and name.file_date <= newest:
            raise ArchiveStoreError(
                f"{name.file_name}: FY{name.fiscal_year} already holds a Full file dated {newest:%Y-%m-%d}; "
                "an older one would bring back older data")


def _order_warnings(con: duckdb.DuckDBPyConnection, name: ArchiveName) -> list[str]:
    if name.kind != "full":
        return []
    newest = _one(con, "SELECT max(file_date) FROM meta.archive_files WHERE kind = 'delta'")
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


# --- reading -----------------------------------------------------------------------------------


def program_years(con: duckdb.DuckDBPyConnection, fiscal_years: Sequence[int],
                  programs: Sequence[str] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(
        "SELECT * FROM staging.archive_program_year WHERE in_scope($fy, $programs, fiscal_year, program_number) "
        "ORDER BY program_number, fiscal_year",
        {"fy": list(fiscal_years), "programs": list(programs or [])})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def top_transactions(con: duckdb.DuckDBPyConnection, program: str, fiscal_year: int, top: int = 20) -> list[dict[str, Any]]:
    # A store made before award_description existed gains it when next opened for writing; until
    # then (read-only, e.g. `spendrecon awards` first) it is shown as empty rather than failing.
    award_description = ("award_description" if has_column(con, "raw", "archive_transactions", "award_description")
                         else "NULL::VARCHAR")
    sql = sql_text("archive_top_transactions").replace("{award_description}", award_description)
    cur = execute(con, sql, {"program": program, "fiscal_year": fiscal_year, "top": top})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def ingested_files(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cur = con.execute("SELECT * FROM meta.archive_files ORDER BY file_id")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


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


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> Any:
    row = execute(con, sql, params).fetchone()
    return row[0] if row else None


def _count(cur: duckdb.DuckDBPyConnection) -> int:
    row = cur.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
