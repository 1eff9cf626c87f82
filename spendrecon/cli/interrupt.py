"""One Ctrl-C stops `spendrecon run` within seconds, whatever step it is at, with exit code 130.

Python raises KeyboardInterrupt only when the main thread next runs Python code, and a run spends its
time elsewhere: in Prefect's worker threads (the extractions), in DuckDB (load and reconcile), and in
Prefect's engine, which turns a KeyboardInterrupt into an error of its own. A terminal's Ctrl-C also
reaches Prefect's temporary server (a child process, same process group), which then shuts down, and
Prefect's client would retry the dead server for minutes.

So the signal is not left to Python's default: while a run is going, SIGINT wakes a watcher thread
(through ``signal.set_wakeup_fd``, which the interpreter writes to at once, whatever the main thread
is doing). The watcher asks the run to stop (``RunPlan.interrupt``: the extractions stop at their
next page or pause, DuckDB's running statement is interrupted, publish refuses to swap the new file
in) and gives it a few seconds to record itself as failed. Then, done or not, it prints one line and
ends the process. The published warehouse is whole either way: a run only ever replaces it with one
atomic rename, and a run stopped before recording its failure is recorded by the next run, from its
spool, as one that never finished. A second Ctrl-C ends the process at once.
"""
from __future__ import annotations

import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from spendrecon.cli.common import EXIT_INTERRUPTED

GRACE_SECONDS = 4.0  # for the run to record itself as failed, after the first Ctrl-C
_POLL_SECONDS = 0.2


@contextmanager
def stop_on_first_interrupt(on_exit: Callable[[], None] = lambda: None) -> Iterator[None]:
    """While the block runs, Ctrl-C stops the run as described above; ``on_exit`` restores the terminal
    (the live progress bars) before the last line is printed."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals go to the main thread only: nothing to set up (a run started from a thread)
        return
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    previous_handler = signal.signal(signal.SIGINT, _ignore)  # the watcher acts; Python raises nothing
    stopping = threading.Event()
    watcher = threading.Thread(target=_watch, args=(read_end, stopping, on_exit), name="spendrecon-ctrl-c",
                               daemon=True)
    watcher.start()
    try:
        yield
    finally:
        if stopping.is_set():
            watcher.join()  # it ends the process: the run's own error line must not come first
        signal.signal(signal.SIGINT, previous_handler)
        signal.set_wakeup_fd(previous_fd)
        os.close(write_end)  # the watcher's read sees the end and returns


def _ignore(signum: int, frame: object) -> None:
    """Python-level handler: the work is the watcher's (set_wakeup_fd needs a handler to be set)."""


def _watch(read_end: int, stopping: threading.Event, on_exit: Callable[[], None]) -> None:
    try:
        while signal.SIGINT not in _read(read_end):  # other signals (Prefect's SIGTERM handler) pass by
            pass
    except _Closed:
        os.close(read_end)
        return
    stopping.set()
    from spendrecon.pipeline import started_runs

    runs = started_runs()
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline and any(not plan.finished.is_set() for plan in runs):
        for plan in runs:
            plan.interrupt()  # again each time: a statement may have begun since the last call
        ready, _, _ = select.select([read_end], [], [], _POLL_SECONDS)
        if ready:
            try:
                if signal.SIGINT in _read(read_end):
                    break  # a second Ctrl-C: now
            except _Closed:
                pass
    _end(runs, on_exit)


class _Closed(Exception):
    pass


def _read(fd: int) -> bytes:
    data = os.read(fd, 64)
    if not data:
        raise _Closed
    return data


def _end(runs: list, on_exit: Callable[[], None]) -> None:  # type: ignore[type-arg]
    try:
        on_exit()
    except Exception:  # noqa: BLE001 - the exit matters more than a tidy terminal
        pass
    sys.stderr.write(f"{interrupted_line(runs)}\n")
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    _stop_children()
    os._exit(EXIT_INTERRUPTED)


def interrupted_line(runs: list) -> str:  # type: ignore[type-arg]
    """The one line a Ctrl-C leaves, saying what became of the run."""
    if not runs:
        return "interrupted: the run had not begun; nothing was written"
    plan = runs[-1]
    run_id = plan.run.run_id
    if plan.published:
        return (f"interrupted: run {run_id} was already published; its report may be missing "
                "(`spendrecon report` writes it)")
    recorded = plan.failure_recorded
    return (f"interrupted: run {run_id} stopped before publishing; the published warehouse is as it was"
            + ("" if recorded else " (the next run records this one as failed)"))


def _stop_children() -> None:
    """os._exit skips Prefect's own clean-up: stop what this process started (its temporary server)."""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 1 and fields[1] == me:
            try:
                os.kill(int(stat.parent.name), signal.SIGTERM)
            except (OSError, ValueError):
                pass
