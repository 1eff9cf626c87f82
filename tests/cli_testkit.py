"""Shared by the CLI tests: a demo warehouse behind a spendrecon.yaml, and the real command in a pty."""
from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

from spendrecon.config import load_settings

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)")


def demo_config(folder: Path, demo_warehouse: Path) -> Path:
    """A spendrecon.yaml in ``folder`` whose warehouse holds one demo run: a copy of the session's
    ``demo_warehouse`` (conftest's fixture), not another run."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "spendrecon.yaml"
    config.write_text("fiscal_years: 2019-2023\n", encoding="utf-8")
    target = load_settings(config, environ={}).warehouse_path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_warehouse, target)
    return config


def clean_env(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SPENDRECON_", "SAM_API"))}
    env.update(more)
    return env


def spendrecon_in_pty(cwd: Path, *args: str, columns: int = 80, timeout: float = 120) -> tuple[int, str]:
    """Run the real CLI with a terminal as stdout (as a person would), ``columns`` wide.
    Returns the exit code and what the terminal showed, without colour codes."""
    master, slave = pty.openpty()
    env = clean_env(COLUMNS=str(columns), LINES="50", TERM="xterm-256color")
    proc = subprocess.Popen([sys.executable, "-m", "spendrecon.cli", *args], cwd=cwd, env=env,
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                proc.kill()
                raise TimeoutError(f"spendrecon {' '.join(args)} gave no output for {timeout}s")
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    code = proc.wait(timeout=timeout)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return code, ANSI.sub("", text)
