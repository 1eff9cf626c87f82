"""The one kind of rich Console this app prints through: every string literal text.

Shared by the CLI (its tables, notes and errors) and the run's progress lines (run_progress.py),
which sits below the CLI and must not borrow from it.
"""
from __future__ import annotations

import errno
from typing import Any

from rich.console import Console


class _LiteralConsole(Console):
    def on_broken_pipe(self) -> None:
        """The reader went away (`| head -3`). rich would exit 1 here; the CLI ends with 0, quietly,
        as a command whose reader has what it wanted (spendrecon/cli/common.py)."""
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "the reader closed the pipe")


def console(*, stderr: bool = False, **kwargs: Any) -> Console:
    """A rich console that treats every string as literal text: no markup, no emoji codes, no
    highlighting. Style deliberately with :class:`rich.text.Text`."""
    return _LiteralConsole(stderr=stderr, markup=False, emoji=False, highlight=False, **kwargs)
