"""What a run has fetched, kept on disk beside the warehouse until the run is recorded.

A run works on a private copy of the warehouse and publishes it only when everything succeeded, so
without this a failed or killed run would lose what the sources said that day (for SAM.gov, which
overwrites its figures, the only record) and a run killed outright would leave no trace at all, its
SAM.gov requests uncounted against the daily budget. So, while a run goes on, its folder here holds:

- ``run.json``: the run's record as it started;
- ``<source>.requests``: one byte per HTTP attempt, appended as it is made (a kill loses none);
- ``pages-<source>.jsonl``: every response the run received, a line each, appended as it arrives (an
  extraction that fails half-way keeps the pages it had; a retried one adds its second answers).

The run that next writes the warehouse (a success, or the recording of a failure) absorbs every
folder but its own: pages into raw (never into figures), a ``failed`` row into meta.runs saying the
run never finished. A run's own folder goes when its outcome is published.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from connectors.records import RawPage
from warehouse.runs import RunRecord

log = logging.getLogger("spendrecon")

RUN_FILE = "run.json"


def spool_root(published: Path) -> Path:
    """The spool folder of a warehouse file: hidden, beside it."""
    return published.with_name(f".{published.name}.spool")


@dataclass
class RunSpool:
    """One run's folder. Writes never fail the run: a spool that cannot be written is warned about."""

    folder: Path
    warned: bool = field(default=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def open(cls, published: Path, run: RunRecord) -> RunSpool:
        spool = cls(spool_root(published) / run.run_id)
        spool._guard(lambda: (spool.folder.mkdir(parents=True, exist_ok=True),
                              _write_atomic(spool.folder / RUN_FILE, json.dumps(_record_json(run)))))
        return spool

    def count_request(self, source: str) -> None:
        def append() -> None:
            with open(self.folder / f"{source}.requests", "ab") as f:
                f.write(b".")
        self._guard(append)

    def keep_page(self, page: RawPage) -> None:
        """One response, appended as one line (a line is written whole or, if killed mid-write, dropped
        when read back); the sources' threads call this concurrently."""
        line = (json.dumps(_page_json(page)) + "\n").encode("utf-8", "surrogatepass")

        def append() -> None:
            with self._lock, open(self.folder / f"pages-{page.source}.jsonl", "ab") as f:
                f.write(line)
        self._guard(append)

    def pages(self) -> list[RawPage]:
        return _read_pages(self.folder)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        try:
            self.folder.parent.rmdir()  # the spool folder itself, once no run is left in it
        except OSError:
            pass

    def _guard(self, write: Any) -> None:
        try:
            write()
        except OSError as exc:
            if not self.warned:
                self.warned = True
                log.warning("could not keep this run's fetched pages in %s (%s): if the run fails, "
                            "what it fetched is lost", self.folder, exc.strerror or exc)


@dataclass(frozen=True)
class LeftoverRun:
    """A run that never recorded its end: killed, or its machine went down."""

    spool: RunSpool
    record: RunRecord
    requests: dict[str, int]  # attempts per source

    def pages(self) -> list[RawPage]:
        return self.spool.pages()


def leftover_runs(published: Path, *, except_run: str | None = None) -> list[LeftoverRun]:
    """Every spooled run but ``except_run``, oldest first. Call with the writer lock held: then none of
    them is running. A folder whose run.json cannot be read is left alone, with a warning."""
    root = spool_root(published)
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name != except_run):
        try:
            record = _record_of(json.loads((folder / RUN_FILE).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("spool folder %s has no readable %s (%s); left as it is", folder, RUN_FILE, exc)
            continue
        requests = {f.name.removesuffix(".requests"): f.stat().st_size for f in folder.glob("*.requests")}
        found.append(LeftoverRun(RunSpool(folder), record, requests))
    return sorted(found, key=lambda r: (r.record.started_at, r.record.run_id))


def spooled_sam_requests_on(published: Path, day: date, source: str, *, except_run: str | None = None) -> int:
    """SAM.gov requests that runs not yet recorded (killed ones) spent on a UTC day against ``source``."""
    return sum(r.requests.get("sam", 0) for r in leftover_runs(published, except_run=except_run)
               if r.record.mode == "live" and r.record.sam_source == source
               and r.record.started_at.astimezone(timezone.utc).date() == day)


def as_never_finished(left: LeftoverRun, found_by: str) -> RunRecord:
    """The leftover run's record as meta.runs keeps it: failed, its requests counted, no end time."""
    run = left.record
    run.status, run.finished_at = "failed", None
    run.sam_requests = left.requests.get("sam", 0)
    run.usaspending_requests = left.requests.get("usaspending", 0)
    run.error = (f"the run never finished (stopped outright, or its machine went down); recorded by run "
                 f"{found_by}, with the {len(left.pages()):,} pages it had fetched")
    return run


# --- files --------------------------------------------------------------------------------------------

def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _read_pages(folder: Path) -> list[RawPage]:
    pages = []
    for part in sorted(folder.glob("pages-*.jsonl")):
        for line in part.read_text(encoding="utf-8", errors="surrogateescape").splitlines():
            if not line.strip():
                continue
            try:
                pages.append(_page_of(json.loads(line)))
            except (ValueError, TypeError, KeyError):
                # The last line of a run killed while writing it: the page was not kept whole.
                log.warning("spool %s: a page cut off while it was written is skipped", part)
    return pages


def _page_json(p: RawPage) -> dict[str, Any]:
    row = asdict(p)
    row["fetched_at"] = p.fetched_at.isoformat()
    return row


def _page_of(row: dict[str, Any]) -> RawPage:
    return RawPage(**{**row, "fetched_at": datetime.fromisoformat(row["fetched_at"])})


_DATETIMES = ("started_at", "finished_at")


def _record_json(run: RunRecord) -> dict[str, Any]:
    row = asdict(run)
    for key in _DATETIMES:
        row[key] = row[key].isoformat() if row[key] else None
    row["as_of"] = run.as_of.isoformat() if run.as_of else None
    return row


def _record_of(row: dict[str, Any]) -> RunRecord:
    for key in _DATETIMES:
        row[key] = datetime.fromisoformat(row[key]) if row.get(key) else None
    row["as_of"] = date.fromisoformat(row["as_of"]) if row.get("as_of") else None
    return RunRecord(**row)
