"""Times are stored as UTC without a zone, whatever zone they arrive in, and read back as UTC."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from warehouse.timestamps import as_stored, as_utc, stored_now


def test_an_aware_time_is_stored_as_the_same_instant_in_utc_without_its_zone() -> None:
    eastern = timezone(timedelta(hours=-5))
    assert as_stored(datetime(2026, 12, 1, 7, 30, tzinfo=eastern)) == datetime(2026, 12, 1, 12, 30)


def test_a_naive_time_is_taken_as_utc_already_and_none_stays_none() -> None:
    assert as_stored(datetime(2026, 12, 1, 12, 30)) == datetime(2026, 12, 1, 12, 30)
    assert as_stored(None) is None
    assert as_utc(None) is None


def test_a_stored_time_reads_back_as_the_instant_it_was() -> None:
    moment = datetime(2026, 12, 1, 23, 59, 59, 123456, tzinfo=timezone(timedelta(hours=9)))
    assert as_utc(as_stored(moment)) == moment
    assert as_utc(as_stored(moment)).tzinfo is timezone.utc  # type: ignore[union-attr]


def test_now_is_stored_without_a_zone() -> None:
    before = datetime.now(timezone.utc).replace(tzinfo=None)
    now = stored_now()
    assert now.tzinfo is None
    assert before <= now <= datetime.now(timezone.utc).replace(tzinfo=None)
