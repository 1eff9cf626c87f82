"""How times are stored: DuckDB TIMESTAMP columns hold UTC without a zone.

Every aware datetime is turned to UTC and loses its zone on the way in (a naive one is taken to be
UTC already); read back, a stored time gets its UTC zone again. One definition, so no table ends up
in local time.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import overload


@overload
def as_stored(ts: datetime) -> datetime: ...
@overload
def as_stored(ts: None) -> None: ...
def as_stored(ts: datetime | None) -> datetime | None:
    """``ts`` as a TIMESTAMP column holds it: UTC, without a zone."""
    if ts is None or ts.tzinfo is None:
        return ts
    return ts.astimezone(timezone.utc).replace(tzinfo=None)


def stored_now() -> datetime:
    """Now, as a TIMESTAMP column holds it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def as_utc(ts: datetime | None) -> datetime | None:
    """A stored (naive, UTC) time read back as an aware one."""
    return None if ts is None else ts.replace(tzinfo=timezone.utc)
