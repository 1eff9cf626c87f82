"""What Prefect may print on the console.

Installed through Prefect's own override variable (PREFECT_LOGGING_HANDLERS_CONSOLE_CLASS):

- by default, :class:`QuietConsoleHandler`: Prefect's own lines (server start and stop, flow and
  task states, the run's INFO and ERROR lines) stay off the console; the run shows its step lines
  (spendrecon.run_progress) and the CLI its one ``error:`` line. Prefect's API handler is a separate
  handler, so every record still reaches the Prefect server: nothing is lost, only not repeated.
- with --verbose, Prefect's own handler: every line, tracebacks included.

:class:`OneLineConsoleHandler` (every line, no tracebacks) remains for callers that want it.
"""
from __future__ import annotations

import logging

from prefect.logging.handlers import PrefectConsoleHandler

# Loggers that belong to Prefect and its server rather than to spendrecon.
_PREFECT_LOGGERS = ("prefect", "uvicorn", "fastapi", "httpx", "httpcore", "alembic", "sqlalchemy", "docket")


class OneLineConsoleHandler(PrefectConsoleHandler):
    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.exc_text or record.stack_info:
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None,
                                            "stack_info": None})
        super().emit(record)


class QuietConsoleHandler(OneLineConsoleHandler):
    """Only spendrecon's own warnings, one line each; Prefect's lines go to the server alone."""

    def emit(self, record: logging.LogRecord) -> None:
        name = record.name
        if record.levelno < logging.WARNING or any(name == p or name.startswith(p + ".") for p in _PREFECT_LOGGERS):
            return
        super().emit(record)
