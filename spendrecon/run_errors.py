"""The errors a run's steps raise: each message says in one line why the run could not be done."""
from __future__ import annotations

from typing import Any


class RunError(Exception):
    """A run could not be done; the message says why in one line."""


class RunCancelled(RunError):
    """Another part of the run failed, so this part stopped early (the other part's error is the run's)."""


class ArchiveIngestFailed(RunError):
    """An Award Data Archive file could not be applied; the files after it were not attempted.

    Raised by the archive flow (flows/archive.py: ``spendrecon run``'s archive step and
    ``ingest-archive``); without Prefect (``ingest-archive --no-flow``) ``ingest_sources`` returns the
    same outcome instead. ``outcome`` is what was applied before the failure, for the CLI's table."""

    def __init__(self, outcome: dict[str, Any]) -> None:
        skipped = outcome["not_attempted"]
        super().__init__(f"archive file {outcome['failed']} could not be ingested: {outcome['error']}"
                         + (f" (not attempted: {', '.join(skipped)})" if skipped else ""))
        self.outcome = outcome


class RunInterrupted(RunCancelled):
    """The person running it pressed Ctrl-C: the run stopped before publishing."""
