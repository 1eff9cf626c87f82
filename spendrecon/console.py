"""The one kind of rich Console this app prints through: every string literal text.

Shared by the CLI (its tables, notes and errors) and the run's progress lines (run_progress.py),
which sits below the CLI and must not borrow from it.
"""
from __future__ import annotations

from typing import Any

from rich.console import Console


def console(*, stderr: bool = False, **kwargs: Any) -> Console:
    """A rich console that treats every string as literal text: no markup, no emoji codes, no
    highlighting. Style deliberately with :class:`rich.text.Text`."""
    return Console(stderr=stderr, markup=False, emoji=False, highlight=False, **kwargs)
