"""The analyst's review notes.

The source of truth is an append-only JSON Lines file in the data folder (one review per line, the
latest per finding wins), not the DuckDB file: notes then survive any run, a reload, and even a
warehouse rebuilt from nothing. Every run and every `annotate` mirrors the file into
recon.annotations and onto recon.findings.review_status / review_note.
"""
from __future__ import annotations

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

STATUSES = ("accepted", "disputed", "needs-review")


class AnnotationError(ValueError):
    pass


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


def read_log(path: Path) -> list[Annotation]:
    if not path.exists():
        return []
    found = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if not isinstance(raw.get("program_number"), str):
                # A JSON number would turn 10.100 into 10.1: refuse rather than guess.
                raise ValueError("program_number must be a string, e.g. \"10.100\"")
            found.append(Annotation(
                program_number=raw["program_number"], fiscal_year=int(raw["fiscal_year"]),
                status=raw["status"], note=raw.get("note"),
                annotated_at=datetime.fromisoformat(raw["annotated_at"]),
                rule_id=raw.get("rule_id"), author=raw.get("author"),
            ))
        except (ValueError, KeyError, TypeError) as exc:
            raise AnnotationError(f"{path}:{n}: not a valid annotation ({exc})") from None
    return found


def append_log(path: Path, annotation: Annotation) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    record = asdict(annotation)
    record["annotated_at"] = annotation.annotated_at.astimezone(timezone.utc).isoformat()
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def sync_annotations(con: duckdb.DuckDBPyConnection, annotations: Sequence[Annotation]) -> int:
    con.execute("DELETE FROM recon.annotations")
    n = insert_rows(con, "recon.annotations", {
        "program_number": pa.string(), "fiscal_year": pa.int32(), "rule_id": pa.string(), "status": pa.string(),
        "note": pa.string(), "annotated_at": pa.timestamp("us"), "author": pa.string(),
    }, [
        (a.program_number, a.fiscal_year, a.rule_id, a.status, a.note,
         a.annotated_at.astimezone(timezone.utc).replace(tzinfo=None), a.author)
        for a in annotations
    ])
    run_file(con, "recon_findings_review")
    return n
