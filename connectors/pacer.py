"""A shared pace between request starts, for sources that ask to be treated gently.

The keyless SAM.gov endpoints are unmetered, so nothing stops a run from hammering them but us: a
``Pacer`` spaces request starts across every worker thread that shares it.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """At least ``interval`` seconds between request starts, across every thread sharing it.

    Each caller reserves the next free start time under the lock and sleeps outside it, so waiting
    threads never hold each other up beyond their own slot.  Retries inside SourceClient are not
    paced here: they already wait out their backoff.
    """

    def __init__(
        self,
        interval: float,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if interval < 0:
            raise ValueError(f"pace must not be negative, got {interval}")
        self.interval = interval
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._next: float | None = None

    def wait(self) -> None:
        if self.interval <= 0:
            return
        with self._lock:
            now = self._clock()
            start = now if self._next is None else max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)
