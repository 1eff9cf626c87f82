"""The analyst's review notes.

The source of truth is an append-only JSON Lines file in the data folder (one review per line, the
latest per finding wins), not the DuckDB file: notes then survive any run, a reload, and even a
warehouse rebuilt from nothing. Every run and every `annotate` mirrors the file into
recon.annotations and onto recon.findings.review_status / review_note.
"""
from __future__ import annotations

import codecs
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.arrow_rows import insert_rows
from warehouse.db import run_file
from warehouse.timestamps import as_stored

STATUSES = ("accepted", "disputed", "needs-review")


class AnnotationError(ValueError):
    pass


# JSON may carry these raw inside a string, but str.splitlines() and many editors end a line at
# them: written raw, one note would read back as two broken lines. json.dumps already escapes
# every control character below U+0020.
_LINE_ENDS = str.maketrans({"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
_PROBLEM_DETAIL_MAX = 200  # a broken line may be long: its warning names the reason, not the whole line


@dataclass(frozen=True)
class Annotation:
    program_number: str
    fiscal_year: int
    status: str
    note: str | None
    annotated_at: datetime
    rule_id: str | None = None
    author: str | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise AnnotationError(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}")
        if not isinstance(self.program_number, str):
            # A JSON number would turn 10.100 into 10.1: refuse rather than guess.
            raise AnnotationError("program_number must be a string, e.g. \"10.100\"")
        if isinstance(self.fiscal_year, bool) or not isinstance(self.fiscal_year, int) \
                or not 1000 <= self.fiscal_year <= 9999:
            raise AnnotationError(f"fiscal_year must be a four-digit year, not {self.fiscal_year!r}")
        for name in ("program_number", "note", "rule_id", "author"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise AnnotationError(f"{name} must be text, not {type(value).__name__}")
            if value is not None:
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError as exc:
                    # A lone surrogate: what Python makes of bytes that were not UTF-8 (e.g. a terminal
                    # in another encoding). It can be neither stored nor shown.
                    raise AnnotationError(f"{name} is not valid text (character {exc.start + 1} is not Unicode; "
                                          "is the terminal's encoding UTF-8?)") from None
        if not isinstance(self.annotated_at, datetime) or self.annotated_at.tzinfo is None:
            raise AnnotationError("annotated_at must be a date and time with a time zone")


@dataclass(frozen=True)
class AnnotationLog:
    """What the file holds: every readable review, and one warning per line that is not one."""

    annotations: list[Annotation]
    problems: list[str]


def read_log(path: Path) -> AnnotationLog:
    """Read the file on "\\n" only, line by line; a bad line is reported and skipped, never fatal.

    A hand edit or a crash half-way through an append must not cost every other review, nor stop a
    scheduled run: the caller records the problems as the run's warnings. Nothing is rewritten.
    """
    if not path.exists():
        return AnnotationLog([], [])
    found: list[Annotation] = []
    problems: list[str] = []
    content = path.read_bytes()
    if content.startswith(codecs.BOM_UTF8):  # saved by an editor that marks UTF-8 (Notepad)
        content = content[len(codecs.BOM_UTF8):]
    for n, raw_line in enumerate(content.split(b"\n"), start=1):
        if not raw_line.strip():
            continue
        try:
            found.append(parse_line(raw_line.decode("utf-8")))
        except (ValueError, KeyError, TypeError) as exc:  # UnicodeDecodeError and JSONDecodeError too
            detail = str(exc) if not isinstance(exc, KeyError) else f"no {exc} key"
            if len(detail) > _PROBLEM_DETAIL_MAX:
                detail = detail[:_PROBLEM_DETAIL_MAX] + "…"
            problems.append(f"{path}:{n}: not a valid annotation ({detail}); that line is skipped, "
                            "every other review applies")
    return AnnotationLog(found, problems)


def parse_line(line: str) -> Annotation:
    raw = json.loads(line)
    if not isinstance(raw, dict):
        raise ValueError(f"a line must be a JSON object, not {type(raw).__name__}")
    year = raw["fiscal_year"]
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year)
    annotated_at = raw["annotated_at"]
    if not isinstance(annotated_at, str):
        raise ValueError("annotated_at must be an ISO date and time")
    at = datetime.fromisoformat(annotated_at)
    return Annotation(
        program_number=raw["program_number"], fiscal_year=year, status=raw["status"], note=raw.get("note"),
        annotated_at=at if at.tzinfo else at.replace(tzinfo=timezone.utc),  # the file's times are UTC
        rule_id=raw.get("rule_id"), author=raw.get("author"),
    )


def format_line(annotation: Annotation) -> str:
    """The annotation as one line of JSON (no line end); refused unless it reads back identically."""
    record = asdict(annotation)
    record["annotated_at"] = annotation.annotated_at.astimezone(timezone.utc).isoformat()
    # ensure_ascii=False keeps accented names readable in the file; the translation escapes the
    # characters that some readers take for line ends.
    line = json.dumps(record, ensure_ascii=False).translate(_LINE_ENDS)
    if "\n" in line or "\r" in line or parse_line(line) != annotation:
        raise AnnotationError("this review cannot be stored so that it reads back unchanged; nothing was written")
    return line


def append_log(path: Path, annotation: Annotation) -> None:
    line = format_line(annotation).encode("utf-8") + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() > 0:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                # A hand edit without a final newline: start a line of our own rather than glue
                # this review onto (and break) the last one. One write, so a crash cannot split it.
                line = b"\n" + line
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def sync_annotations(con: duckdb.DuckDBPyConnection, annotations: Sequence[Annotation]) -> int:
    con.execute("DELETE FROM recon.annotations")
    n = insert_rows(con, "recon.annotations", {
        "program_number": pa.string(), "fiscal_year": pa.int32(), "rule_id": pa.string(), "status": pa.string(),
        "note": pa.string(), "annotated_at": pa.timestamp("us"), "author": pa.string(),
    }, [
        (a.program_number, a.fiscal_year, a.rule_id, a.status, a.note,
         as_stored(a.annotated_at), a.author)
        for a in annotations
    ])
    run_file(con, "recon_findings_review")
    return n
