"""Ingesting Award Data Archive files as plain functions: order the files, fetch URLs, apply each.

flows/archive.py wraps these in Prefect tasks (one per file); the benchmark and tests call them
directly.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from connectors.archive_download import Progress, download, download_name, mask_url_in, safe_url
from connectors.records import ArchiveName, ingest_order, is_url, name_of, parse_archive_name
from spendrecon.config import Settings
from warehouse.archive.ingest import IngestResult, ingest_file
from warehouse.archive.reader import ArchiveCorrupt, OnBytes, Transport
from warehouse.archive.store import open_store


@dataclass(frozen=True)
class ArchiveConfig:
    store: Path
    download_dir: Path
    workers: int = 2
    memory_limit: str = "1GB"
    transport: Transport | None = None  # None: a FIFO where the platform has them
    timeout_seconds: float = 60.0
    attempts: int = 5


@dataclass
class IngestOutcome:
    results: list[IngestResult] = field(default_factory=list)
    failed: str | None = None  # file name
    error: str | None = None
    not_attempted: list[str] = field(default_factory=list)

    def as_dict(self, store: Path) -> dict[str, Any]:
        return {"store": str(store), "results": [r.as_dict() for r in self.results], "failed": self.failed,
                "error": self.error, "not_attempted": list(self.not_attempted)}


def archive_config(settings: Settings) -> ArchiveConfig:
    u = settings.usaspending
    store = settings.path(u.archive_store) if u.archive_store else settings.data_path / "usaspending_archive.duckdb"
    downloads = settings.path(u.archive_download_dir) if u.archive_download_dir else settings.data_path / "archive_downloads"
    return ArchiveConfig(store=store, download_dir=downloads, workers=u.archive_workers,
                         memory_limit=u.archive_memory_limit, timeout_seconds=settings.http.timeout_seconds,
                         attempts=settings.http.max_attempts)


def plan_sources(sources: Sequence[str]) -> list[tuple[ArchiveName, str]]:
    """Validate every name up front (a bad one fails the run before anything loads) and put the
    files in the order they must apply in. A file named twice is applied once."""
    by_name: dict[str, tuple[ArchiveName, str]] = {}
    for source in sources:
        # A URL's name is what its download will be saved as: checked here too, so a link whose name
        # would land outside the download folder fails the plan before anything loads.
        name = parse_archive_name(download_name(source) if is_url(source) else name_of(source))
        by_name.setdefault(name.file_name, (name, source))
    ordered = ingest_order(n for n, _ in by_name.values())
    return [by_name[n.file_name] for n in ordered]


def fetch(source: str, cfg: ArchiveConfig, progress: Progress | None = None) -> Path:
    """A local path for the source: the file itself, or its (possibly resumed) download."""
    if is_url(source):
        return download(source, cfg.download_dir, progress=progress, timeout_seconds=cfg.timeout_seconds,
                        attempts=cfg.attempts)
    path = Path(source).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{safe_url(source)}: no such file")  # an ftp:// or s3:// URL lands here
    return path


def ingest_source(source: str, cfg: ArchiveConfig, *, on_download: Progress | None = None,
                  on_start: Callable[[int], None] | None = None, on_bytes: OnBytes | None = None) -> IngestResult:
    path = fetch(source, cfg, on_download)
    con = open_store(cfg.store, threads=cfg.workers, memory_limit=cfg.memory_limit)
    try:
        # meta.archive_files.source is read by anyone with the store: the URL without its credentials.
        return ingest_file(con, path, source=safe_url(source), transport=cfg.transport, workers=cfg.workers,
                           workdir=cfg.store.parent, on_bytes=on_bytes, on_start=on_start)
    except ArchiveCorrupt as exc:
        if not is_url(source):
            raise
        # A download whose bytes are damaged (a CRC-32 only shows once a part is inflated) would be
        # reused by every later run: remove it, so the next run fetches the file again.
        path.unlink(missing_ok=True)
        raise ArchiveCorrupt(f"{exc}; the downloaded copy was removed and the next run fetches it again") from None
    finally:
        con.close()


def log_result(logger: logging.Logger | logging.LoggerAdapter[Any], result: IngestResult) -> None:
    """One file's outcome in the log, the same with or without Prefect."""
    logger.info("%s: %s (%s rows loaded, %s deleted, %s quarantined, %s) in %.1f s", result.file_name, result.status,
                f"{result.rows_loaded:,}", f"{result.rows_deleted:,}", f"{result.rows_quarantined:,}",
                result.encoding or "-", result.seconds)
    for warning in result.warnings:
        logger.warning("%s: %s", result.file_name, warning)


class FileProgress(Protocol):
    """Progress per file (the CLI's bars). Called from worker threads."""

    def download(self, file_name: str, done: int, total: int | None) -> None: ...
    def start(self, file_name: str, csv_bytes: int) -> None: ...
    def advance(self, file_name: str, nbytes: int) -> None: ...


def ingest_sources(sources: Sequence[str], cfg: ArchiveConfig, *, progress: FileProgress | None = None,
                   apply: Callable[[ArchiveName, str], IngestResult] | None = None) -> IngestOutcome:
    """Apply the files in order. The first failure stops the rest: a later Delta applied over a
    missing earlier one could never be corrected (older Deltas are refused once a newer is in).

    ``apply`` applies one file (default: :func:`ingest_source` here); the Prefect flow passes its
    per-file task, so both paths share this order, stop and error handling."""
    outcome = IngestOutcome()
    plan = plan_sources(sources)
    for i, (name, source) in enumerate(plan):
        try:
            if apply is not None:
                result = apply(name, source)
            else:
                result = ingest_source(source, cfg, **_callbacks(name.file_name, progress))
        except Exception as exc:  # noqa: BLE001 - reported, and the rest not attempted
            outcome.failed, outcome.error = name.file_name, mask_url_in(str(exc), source)
            outcome.not_attempted = [n.file_name for n, _ in plan[i + 1:]]
            break
        outcome.results.append(result)
    return outcome


def _callbacks(file_name: str, progress: FileProgress | None) -> dict[str, Any]:
    if progress is None:
        return {}
    return {"on_download": lambda done, total: progress.download(file_name, done, total),
            "on_start": lambda n: progress.start(file_name, n),
            "on_bytes": lambda n: progress.advance(file_name, n)}
