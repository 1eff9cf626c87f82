"""One line per step of a run, for the person watching: SAM.gov, USAspending, load and reconcile,
report. Prefect's own log lines go to the Prefect server (and to the console with --verbose);
these are what the console shows by default.

On a terminal, a live bar shows the step in progress and disappears; each finished step leaves one
line. Down a pipe (or under `serve`), only the finished lines, so a log file reads the same.
Called from Prefect's worker threads: rich's Progress is thread-safe, and line output is locked.
"""
from __future__ import annotations

import threading

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from spendrecon.console import console

PROGRESS_ENV = "SPENDRECON_PROGRESS"  # "lines": runs print their step lines (set by `serve`)


class RunProgress:
    """Silent: what a run reports to when nobody is watching (tests, library use)."""

    def waiting(self, label: str) -> None:
        """Something before the first step (Prefect starting): shown until the first step begins."""

    def begin(self, step: str, label: str, total: int | None = None) -> None:
        pass

    def update(self, step: str, completed: int, total: int | None = None, detail: str = "") -> None:
        pass

    def finish(self, step: str, text: str) -> None:
        pass

    def close(self) -> None:
        pass


class LineProgress(RunProgress):
    """One line per finished step."""

    def __init__(self, out: Console | None = None) -> None:
        self.out = out or console(stderr=True, soft_wrap=True)
        self._labels: dict[str, str] = {}
        self._lock = threading.Lock()

    def begin(self, step: str, label: str, total: int | None = None) -> None:
        with self._lock:
            self._labels[step] = label

    def finish(self, step: str, text: str) -> None:
        with self._lock:
            label = self._labels.pop(step, step)
        self._print(Text(f"{label}: {text}"))

    def _print(self, line: Text) -> None:
        with self._lock:
            self.out.print(line)


class BarProgress(LineProgress):
    """A live bar per step in progress (transient), and the same finished lines as LineProgress."""

    def __init__(self, out: Console | None = None) -> None:
        super().__init__(out)
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                                 TextColumn("{task.fields[detail]}", markup=False), TimeElapsedColumn(),
                                 console=self.out, transient=True)
        self._tasks: dict[str, object] = {}
        self.progress.start()

    def waiting(self, label: str) -> None:
        with self._lock:
            self._tasks["_waiting"] = self.progress.add_task(label, total=None, detail="")

    def begin(self, step: str, label: str, total: int | None = None) -> None:
        super().begin(step, label, total)
        with self._lock:
            waiting = self._tasks.pop("_waiting", None)
            if waiting is not None:
                self.progress.remove_task(waiting)  # type: ignore[arg-type]
            if step not in self._tasks:
                self._tasks[step] = self.progress.add_task(label, total=total, detail="")

    def update(self, step: str, completed: int, total: int | None = None, detail: str = "") -> None:
        task = self._tasks.get(step)
        if task is not None:
            shown = f"{completed:,} of {total:,} {detail}" if total else f"{completed:,} {detail}"
            self.progress.update(task, completed=completed, total=total, detail=shown)  # type: ignore[arg-type]

    def finish(self, step: str, text: str) -> None:
        with self._lock:
            task = self._tasks.pop(step, None)
        if task is not None:
            self.progress.remove_task(task)  # type: ignore[arg-type]
        super().finish(step, text)

    def _print(self, line: Text) -> None:
        self.progress.console.print(line)  # above the live bars

    def close(self) -> None:
        self.progress.stop()


def for_stderr() -> LineProgress:
    """Bars on a terminal, plain lines otherwise."""
    out = console(stderr=True, soft_wrap=True)
    return BarProgress(out) if out.is_terminal else LineProgress(out)
