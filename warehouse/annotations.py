"""The analyst's review notes.

The source of truth is an append-only JSON Lines file in the data folder (one review per line, the
latest per finding wins), not the DuckDB file: notes then survive any run, a reload, and even a
warehouse rebuilt from nothing. Every run and every `annotate` mirrors the file into
recon.annotations and onto recon.findings.review_status / review_note.

A review is of something: `annotate` records on its line the run whose figures it saw and each finding
it covers as it stood (status, amounts, difference), so that a later run can tell when the review no
longer applies (recon_findings_review.sql). Lines written before that carry neither, and still read.
"""
from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.arrow_rows import MONEY, insert_rows
from warehouse.db import run_file
from warehouse.timestamps import as_stored

STATUSES = ("accepted", "disputed", "needs-review")
FINDING_STATUSES = ("new", "open", "reopened", "resolved")  # recon.findings.status
# A review goes stale when its finding's difference moves past both, as amount_mismatch judges a gap
# (spendrecon.yaml reviews.abs_tolerance / rel_tolerance).
ABS_TOLERANCE = Decimal("1000")
REL_TOLERANCE = Decimal("0.05")
# Money on a review line: exact text, as DECIMAL(18,2) holds it ("-1234.50"); never a JSON number,
# which other tools read as a float.
_MONEY_TEXT = re.compile(r"^-?\d{1,16}(\.\d{1,2})?$")


class AnnotationError(ValueError):
    pass


# JSON may carry these raw inside a string, but str.splitlines() and many editors end a line at
# them: written raw, one note would read back as two broken lines. json.dumps already escapes
# every control character below U+0020.
_LINE_ENDS = str.maketrans({"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
_PROBLEM_DETAIL_MAX = 200  # a broken line may be long: its warning names the reason, not the whole line


@dataclass(frozen=True)
class ReviewedFinding:
    """A finding as the review saw it: its rule, status and figures when the review was given."""
    rule_id: str
    status: str
    sam_amount: Decimal | None
    usaspending_amount: Decimal | None
    difference: Decimal | None

    def __post_init__(self) -> None:
        if not isinstance(self.rule_id, str):
            raise AnnotationError("findings: rule_id must be text")
        if self.status not in FINDING_STATUSES:
            raise AnnotationError(f"findings: status must be one of {', '.join(FINDING_STATUSES)}, "
                                  f"not {self.status!r}")
        for name in ("sam_amount", "usaspending_amount", "difference"):
            if not isinstance(getattr(self, name), (Decimal, type(None))):
                raise AnnotationError(f"findings: {name} must be an amount")

    def as_json(self) -> dict[str, str | None]:
        return {"rule_id": self.rule_id, "status": self.status, "sam_amount": _money_out(self.sam_amount),
                "usaspending_amount": _money_out(self.usaspending_amount),
                "difference": _money_out(self.difference)}


def _money_out(amount: Decimal | None) -> str | None:
    return None if amount is None else format(amount.quantize(Decimal("0.01")), "f")


def _money_in(value: object, name: str) -> Decimal | None:
    """An amount of a review line: null, or exact text; anything else is refused, never guessed."""
    if value is None:
        return None
    if not isinstance(value, str) or not _MONEY_TEXT.match(value):
        raise ValueError(f"findings: {name} must be an amount written as text, e.g. \"1000000.00\", "
                         f"not {value!r}")
    return Decimal(value)


@dataclass(frozen=True)
class Annotation:
    program_number: str
    fiscal_year: int
    status: str
    note: str | None
    annotated_at: datetime
    rule_id: str | None = None
    author: str | None = None
    # What the review saw: the latest run then, and each finding it covers as it stood. None on lines
    # written before reviews recorded them (they are checked against the record as of annotated_at).
    run_id: str | None = None
    findings: tuple[ReviewedFinding, ...] | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise AnnotationError(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}")
        if not isinstance(self.program_number, str):
            # A JSON number would turn 10.100 into 10.1: refuse rather than guess.
            raise AnnotationError("program_number must be a string, e.g. \"10.100\"")
        if isinstance(self.fiscal_year, bool) or not isinstance(self.fiscal_year, int) \
                or not 1000 <= self.fiscal_year <= 9999:
            raise AnnotationError(f"fiscal_year must be a four-digit year, not {self.fiscal_year!r}")
        for name in ("program_number", "note", "rule_id", "author", "run_id"):
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
        if self.findings is not None and (not isinstance(self.findings, tuple)
                                          or not all(isinstance(f, ReviewedFinding) for f in self.findings)):
            raise AnnotationError("findings must be the findings the review saw")


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
        rule_id=raw.get("rule_id"), author=raw.get("author"), run_id=raw.get("run_id"),
        findings=_findings_in(raw.get("findings")),
    )


def _findings_in(value: object) -> tuple[ReviewedFinding, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(f, dict) for f in value):
        raise ValueError("findings must be a list of objects")
    return tuple(ReviewedFinding(rule_id=f["rule_id"], status=f["status"],
                                 sam_amount=_money_in(f.get("sam_amount"), "sam_amount"),
                                 usaspending_amount=_money_in(f.get("usaspending_amount"), "usaspending_amount"),
                                 difference=_money_in(f.get("difference"), "difference"))
                 for f in value)


def format_line(annotation: Annotation) -> str:
    """The annotation as one line of JSON (no line end); refused unless it reads back identically."""
    record: dict[str, object] = {
        "program_number": annotation.program_number, "fiscal_year": annotation.fiscal_year,
        "status": annotation.status, "note": annotation.note,
        "annotated_at": annotation.annotated_at.astimezone(timezone.utc).isoformat(),
        "rule_id": annotation.rule_id, "author": annotation.author,
    }
    if annotation.run_id is not None or annotation.findings is not None:  # what the review saw, after the rest
        record["run_id"] = annotation.run_id
        record["findings"] = None if annotation.findings is None else [f.as_json() for f in annotation.findings]
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


def with_what_it_saw(con: duckdb.DuckDBPyConnection, annotation: Annotation) -> Annotation:
    """The review with what it is a review of: the warehouse's latest succeeded run and every finding it
    covers (the program-year's, or its rule's) as it stands in the warehouse of ``con``."""
    latest = con.execute("SELECT run_id FROM meta.runs WHERE status = 'succeeded' "
                         "ORDER BY started_at DESC, run_id DESC LIMIT 1").fetchone()
    rows = con.execute(
        "SELECT rule_id, status, sam_amount, usaspending_amount, difference FROM recon.findings "
        "WHERE program_number = $p AND fiscal_year = $fy AND ($rule IS NULL OR rule_id = $rule) ORDER BY rule_id",
        {"p": annotation.program_number, "fy": annotation.fiscal_year, "rule": annotation.rule_id}).fetchall()
    return replace(annotation, run_id=latest[0] if latest else None,
                   findings=tuple(ReviewedFinding(*row) for row in rows))


_SEEN = pa.list_(pa.struct([("rule_id", pa.string()), ("status", pa.string()), ("sam_amount", MONEY),
                            ("usaspending_amount", MONEY), ("difference", MONEY)]))


def sync_annotations(con: duckdb.DuckDBPyConnection, annotations: Sequence[Annotation], *,
                     abs_tolerance: Decimal = ABS_TOLERANCE, rel_tolerance: Decimal = REL_TOLERANCE) -> int:
    """Mirror the log into recon.annotations and put each finding's latest review on it; a review that no
    longer applies (its finding's difference moved past both tolerances since, it reopened, or it did
    not exist then) makes the finding needs-review, the old review beside it."""
    con.execute("DELETE FROM recon.annotations")
    n = insert_rows(con, "recon.annotations", {
        "program_number": pa.string(), "fiscal_year": pa.int32(), "rule_id": pa.string(), "status": pa.string(),
        "note": pa.string(), "annotated_at": pa.timestamp("us"), "author": pa.string(), "run_id": pa.string(),
        "findings": _SEEN,
    }, [
        (a.program_number, a.fiscal_year, a.rule_id, a.status, a.note,
         as_stored(a.annotated_at), a.author, a.run_id,
         None if a.findings is None else [vars(f) for f in a.findings])
        for a in annotations
    ])
    run_file(con, "recon_findings_review", {"abs_tolerance": abs_tolerance, "rel_tolerance": rel_tolerance})
    return n
