"""Prefect's console output without tracebacks, so a failed run ends in the CLI's one clear line.

Installed through Prefect's own override variable (PREFECT_LOGGING_HANDLERS_CONSOLE_CLASS) unless
--verbose is given. Only the console copy of a record loses its traceback; the Prefect server still
receives the full record.
"""
from __future__ import annotations

import logging

from prefect.logging.handlers import PrefectConsoleHandler


class OneLineConsoleHandler(PrefectConsoleHandler):
    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.exc_text or record.stack_info:
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None,
                                            "stack_info": None})
        super().emit(record)
