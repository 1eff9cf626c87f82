"""The archive-ingestion flow: one Prefect task per Award Data Archive file, over the plain
functions in spendrecon.archive_ingest (which tests and the benchmark call directly).

Files apply one after another -- the store has a single writer and Deltas depend on what came
before -- and the first failure stops the rest.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import SecretStr

from connectors.archive_download import safe_url
from spendrecon.archive_ingest import (
    ArchiveConfig,
    FileProgress,
    archive_config,
    ingest_source,
    ingest_sources,
    log_result,
)
from spendrecon.config import load_settings
from spendrecon.run_errors import ArchiveIngestFailed
from warehouse.archive.ingest import IngestResult


_reporter: FileProgress | None = None


def set_reporter(reporter: FileProgress | None) -> None:
    """Where progress goes besides the log (the CLI's bars). Flow parameters must be serialisable,
    so a live progress display is handed over here rather than as a parameter."""
    global _reporter
    _reporter = reporter


def secret_sources(sources: Iterable[str]) -> list[SecretStr]:
    """Sources as the flow wants them. Archive URLs may carry credentials (``user:pass@``,
    ``?token=``, a pre-signed signature) and Prefect stores every flow parameter in its database as
    given by the caller, before validation: wrapped in SecretStr, a URL is stored as ``**********``
    while the flow in this process still gets the real value."""
    return [SecretStr(s) for s in sources]


# The source is a SecretStr for the same reason as the flow's: whatever Prefect records of a task's
# inputs (the run name is built from file_name only) must not hold a credential.
@task(name="ingest-archive-file", task_run_name="ingest-{file_name}", cache_policy=NO_CACHE)
def ingest_archive_file_task(file_name: str, source: SecretStr, cfg: ArchiveConfig) -> IngestResult:
    logger = get_run_logger()
    url = source.get_secret_value()
    logger.info("%s: from %s", file_name, safe_url(url))
    reporter = _reporter
    logged = [0]

    def on_download(done: int, total: int | None) -> None:
        if reporter:
            reporter.download(file_name, done, total)
        if total and done * 10 // total > logged[0]:  # every 10%
            logged[0] = done * 10 // total
            logger.info("%s: downloaded %d%%", file_name, logged[0] * 10)

    result = ingest_source(
        url, cfg, on_download=on_download,
        on_start=(lambda n: reporter.start(file_name, n)) if reporter else None,
        on_bytes=(lambda n: reporter.advance(file_name, n)) if reporter else None,
    )
    log_result(logger, result)
    return result


@flow(name="ingest-archive")
def ingest_archive_flow(sources: list[SecretStr], config_path: str | None = None,
                        workers: int | None = None) -> dict[str, Any]:
    """Apply Award Data Archive files (paths or URLs; the configured archive_sources when empty).

    Pass the sources through :func:`secret_sources`: Prefect validation turns plain strings into
    SecretStr too, but only after it has stored them as given.
    """
    settings = load_settings(config_path)
    cfg = archive_config(settings)
    if workers:
        cfg = replace(cfg, workers=workers)
    given = [s.get_secret_value() if isinstance(s, SecretStr) else s for s in sources]
    return apply_archive_files(given or settings.usaspending.archive_sources, cfg)


# Not validated: pydantic would turn the config's dataclass into a copy; the sources stay SecretStr.
# Named as the command's flow on purpose: in Prefect both are the archive's ingest (a run's flow runs
# are checked by that name in tests/test_archive_mode_run.py).
@flow(name="ingest-archive", validate_parameters=False)
def run_archive_flow(sources: list[SecretStr], cfg: ArchiveConfig) -> dict[str, Any]:
    """The run's archive step (``usaspending.mode: archive``): the same flow, for the run's own
    settings, which a plan made in memory (tests) has without a config file."""
    return apply_archive_files([s.get_secret_value() for s in sources], cfg)


def apply_archive_files(sources: list[str], cfg: ArchiveConfig) -> dict[str, Any]:
    """Inside a flow run: one task per file, in ingest order; raises ArchiveIngestFailed at the first
    failure (after the summary artifact)."""
    # The same order, stop-at-first-failure and credential-free errors as without Prefect; each file
    # is one task here.
    outcome = ingest_sources(sources, cfg,
                             apply=lambda name, source: ingest_archive_file_task(name.file_name, SecretStr(source), cfg),
                             ).as_dict(cfg.store)
    create_markdown_artifact(key="archive-ingest", markdown=_summary(outcome), description="Archive files applied")
    if outcome["failed"]:
        raise ArchiveIngestFailed(outcome)
    return outcome


def _summary(outcome: dict[str, Any]) -> str:
    lines = ["| file | status | loaded | deleted | quarantined | encoding | seconds |", "|---|---|---|---|---|---|---|"]
    for r in outcome["results"]:
        lines.append(f"| {r['file_name']} | {r['status']} | {r['rows_loaded']:,} | {r['rows_deleted']:,} | "
                     f"{r['rows_quarantined']:,} | {r['encoding'] or '-'} | {r['seconds']} |")
    if outcome["failed"]:
        lines.append(f"| {outcome['failed']} | failed: {outcome['error']} | | | | | |")
    for name in outcome["not_attempted"]:
        lines.append(f"| {name} | not attempted | | | | | |")
    return "\n".join(lines)
