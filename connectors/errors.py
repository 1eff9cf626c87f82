"""The errors every source raises: one family, one line each, never a secret in the text.

Callers tell them apart by class: a refusal (``ClientError``) is not worth asking again, a
transient failure that outlasted the retries (``RetriesExhausted``) may be, a spent budget
(``BudgetExceeded``) waits for tomorrow, and a payload we cannot read (``MalformedPayload``) needs
a person.
"""
from __future__ import annotations

from typing import Any

from connectors.secrets import redact


def one_line(text: str) -> str:
    """``text`` with every run of whitespace, newlines included, as one space."""
    return " ".join(text.split())


class SourceError(Exception):
    """A source could not deliver.  ``str(exc)`` is one line and never contains a secret."""

    def __init__(self, message: str, *, source: str, status_code: int | None = None) -> None:
        self.source = source
        self.status_code = status_code
        self.message = one_line(redact(message))
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions are pickled from their args alone, which would lose the keyword-only fields
        # (and fail): Prefect pickles task exceptions into its states.
        return (_rebuild_error, (type(self), self.message, self.source, self.status_code))


def _rebuild_error(cls: type[SourceError], message: str, source: str, status_code: int | None) -> SourceError:
    return cls(message, source=source, status_code=status_code)


class ClientError(SourceError):
    """The server refused the request (4xx other than 429); asking again would not help."""


class RetriesExhausted(SourceError):
    """A transient failure (429, 5xx, network) that outlasted the retry policy."""


class BudgetExceeded(SourceError):
    """Making the next request would spend more than the request budget allows."""


class MalformedPayload(SourceError):
    """The source answered, but not with what we can read."""


class Unreachable(RetriesExhausted):
    """The source's host could not be reached at all (its name does not resolve, or the connection is
    refused): retried briefly, then final -- this machine is offline or the URL is wrong, and waiting
    minutes would not change that."""
