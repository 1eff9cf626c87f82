"""What every spendrecon command shares: the common options, one-line errors, usage errors and pipes.

Exit codes, as git, gh and dbt use them: 0 done; 1 an error (one ``error:`` line on stderr, the last
line printed); 2 a usage error (an unknown option, a value typed on the command line that is wrong:
the ``error:`` line, then one ``hint:`` line); 130 interrupted (Ctrl-C). A reader that closes the pipe
early (``| head -3``) ends the command quietly with 0: it got what it asked for.
"""
from __future__ import annotations

import errno
import functools
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

try:  # recent Typer releases bring their own copy of click, whose exceptions are not click's
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - a Typer that uses click itself
    from click import exceptions as click_errors  # type: ignore[no-redef]

from spendrecon.config import ConfigError
from spendrecon.console import console

F = TypeVar("F", bound=Callable[..., Any])
err = console(stderr=True)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", metavar="FILE",
                                                help="spendrecon.yaml to use (default: ./spendrecon.yaml if present)")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show the full traceback on errors")]

EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


class UsageError(ValueError):
    """A command-line value is wrong; the message starts with the option (``--fiscal-years: ...``).
    Shown as a usage error: the ``error:`` line, a ``hint:`` line, exit 2."""


def one_line_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, click_errors.ClickException, UsageError, BrokenPipeError):
            raise  # an exit code chosen on purpose, usage errors, a closed pipe: the group shows them
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:  # noqa: BLE001 - the CLI's job is to turn any error into one line
            if _is_closed_pipe(exc):
                raise BrokenPipeError(errno.EPIPE, "closed pipe") from None
            if kwargs.get("verbose"):
                err.print(_redacted(traceback.format_exc()), markup=False, highlight=False)
            # Plain write, not rich: the error must stay one line whatever the terminal width.
            sys.stderr.write(f"error: {_redacted(_one_line(exc))}\n")
            raise typer.Exit(EXIT_ERROR) from None
    return wrapper  # type: ignore[return-value]


class SpendreconGroup(TyperGroup):
    """The command group: lists its commands in the order they were added, and turns click's usage
    errors, a closed pipe and Ctrl-C into the exits above (click would print a box, or exit 1 on a
    closed pipe)."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        code = self.run_command(list(sys.argv[1:] if args is None else args), prog_name or "spendrecon", **extra)
        if not standalone_mode:
            return code
        try:
            sys.stdout.flush()
        except (BrokenPipeError, OSError):
            code = closed_pipe() if code == 0 else code
        sys.exit(code)

    def run_command(self, args: list[str], prog_name: str, **extra: Any) -> int:
        """Parse and run; the exit code. (click's own main would print a box for a usage error and exit 1
        on a closed pipe; typer's would too.)"""
        ctx = None
        try:
            with self.make_context(prog_name, args, **extra) as ctx:
                self.invoke(ctx)
            return 0
        except click_errors.NoArgsIsHelpError as exc:  # `spendrecon` alone: the help, as gh shows it
            typer.echo(exc.ctx.get_help() if exc.ctx else "")
            return 0
        except click_errors.UsageError as exc:
            return usage_error(exc.format_message(), exc.ctx.command_path if exc.ctx else prog_name)
        except UsageError as exc:  # a value one of our commands refused
            command = f"{prog_name} {ctx.invoked_subcommand}" if ctx and ctx.invoked_subcommand else prog_name
            return usage_error(_redacted(_one_line(exc)), command)
        except click_errors.ClickException as exc:
            sys.stderr.write(f"error: {_one_line_text(exc.format_message())}\n")
            return exc.exit_code
        except typer.Exit as exc:
            return int(exc.exit_code or 0)
        except (typer.Abort, KeyboardInterrupt):
            sys.stderr.write("interrupted\n")
            return EXIT_INTERRUPTED
        except OSError as exc:
            if not _is_closed_pipe(exc):
                raise
            return closed_pipe()


def usage_error(message: str, command_path: str) -> int:
    """The ``error:`` line and one ``hint:`` line; the exit code for a usage error."""
    text = _one_line_text(message).replace("Value error, ", "")  # Typer's parameter checks, via pydantic
    sys.stderr.write(f"error: {text[:1].lower() + text[1:]}\n")
    what = "the commands" if " " not in command_path else "its options and an example"
    sys.stderr.write(f"hint: '{command_path} --help' shows {what}\n")
    return EXIT_USAGE


def closed_pipe() -> int:
    """The reader went away (`| head -3`): nothing more to say, and nothing went wrong. Point stdout at
    /dev/null so that the interpreter's last flush at exit does not complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (a test's captured stdout)
        pass
    return 0


def _is_closed_pipe(exc: BaseException) -> bool:
    return isinstance(exc, BrokenPipeError) or (isinstance(exc, OSError) and exc.errno == errno.EPIPE)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, ConfigError):
        return text.replace("\n", "; ")
    return " ".join(text.split())


def _one_line_text(text: str) -> str:
    return " ".join(text.split())


def _redacted(text: str) -> str:
    from spendrecon.redaction import redact

    return redact(text)
