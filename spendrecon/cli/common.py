"""What every spendrecon command shares: the common options and one-line errors."""
from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from spendrecon.console import console
from spendrecon.config import ConfigError

F = TypeVar("F", bound=Callable[..., Any])
err = console(stderr=True)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="spendrecon.yaml to use (default: ./spendrecon.yaml if present)")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show the full traceback on errors")]


class UsageError(ValueError):
    """A command-line value is wrong; the message starts with the option (``--fiscal-years: ...``)."""


def one_line_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - the CLI's job is to turn any error into one line
            if kwargs.get("verbose"):
                err.print(_redacted(traceback.format_exc()), markup=False, highlight=False)
            # Plain write, not rich: the error must stay one line whatever the terminal width.
            sys.stderr.write(f"error: {_redacted(_one_line(exc))}\n")
            raise typer.Exit(1) from None
    return wrapper  # type: ignore[return-value]


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, ConfigError):
        return text.replace("\n", "; ")
    return " ".join(text.split())


def _redacted(text: str) -> str:
    from spendrecon.redaction import redact

    return redact(text)


