"""Prefect settings that must be in the environment before `import prefect`.

Prefect reads its settings at import time, so the CLI calls this first. Every value can still be
overridden by setting the variable yourself.
"""
from __future__ import annotations

import os
from pathlib import Path


def configure_prefect(data_dir: Path, *, verbose: bool = False) -> None:
    defaults = {
        # Keep Prefect's database and logs in the project's data folder, not ~/.prefect.
        "PREFECT_HOME": str((data_dir / "prefect").resolve()),
        # Offline machines: no telemetry attempts, no error line about them.
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        # A fresh temporary server on 2 cores can take ~18 s to start; the default 20 s is too tight.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        "PREFECT_LOGGING_LEVEL": os.environ.get("PREFECT_LOGGING_LEVEL", "INFO"),
    }
    if not verbose:
        # Prefect's lines go to its server only; the console shows the run's step lines.
        defaults["PREFECT_LOGGING_HANDLERS_CONSOLE_CLASS"] = "spendrecon.console_logging.QuietConsoleHandler"
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
