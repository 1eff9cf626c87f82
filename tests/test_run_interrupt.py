"""One Ctrl-C stops `spendrecon run` within seconds at any step, with exit code 130 and one message,
and the published warehouse stays whole: the real command, in a process group of its own, sent
SIGINT as a terminal sends it (to the whole group, Prefect's temporary server included)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from cli_testkit import clean_env

pytestmark = pytest.mark.flow  # each starts Prefect's temporary server, as a person's run does
STOPPED_WITHIN = 15.0  # seconds from Ctrl-C to exit, on a loaded 2-core machine (the grace is 4 s)


def _figures(warehouse: Path) -> tuple[list[tuple], list[tuple], list[tuple]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return (con.execute("SELECT * FROM recon.findings ORDER BY ALL").fetchall(),
                con.execute("SELECT * FROM recon.program_year ORDER BY ALL").fetchall(),
                con.execute("SELECT run_id, status FROM meta.runs WHERE status = 'succeeded' ORDER BY 1").fetchall())
    finally:
        con.close()


def _interrupt(folder: Path, ready: Callable[[], bool]) -> tuple[int, str, float]:
    """Start a demo run in ``folder``, send SIGINT to its process group once ``ready()``; return its exit
    code, its stderr and the seconds from the signal to its exit."""
    proc = subprocess.Popen([sys.executable, "-m", "spendrecon.cli", "run", "--demo"], cwd=folder,
                            env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    while not ready():
        assert proc.poll() is None, f"the run ended before the moment to interrupt it: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "the moment to interrupt never came"
        time.sleep(0.02)
    sent = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    try:
        code = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    stopped = time.monotonic() - sent
    assert proc.stderr is not None
    return code, proc.stderr.read(), stopped


@pytest.fixture
def folder(tmp_path: Path, demo_warehouse_path: Path) -> Path:
    """A folder as after `make demo`: one demo run published."""
    (tmp_path / "data").mkdir()
    shutil.copyfile(demo_warehouse_path, tmp_path / "data" / "spendrecon.duckdb")
    return tmp_path


def _spool_run(folder: Path) -> bool:
    spool = folder / "data" / ".spendrecon.duckdb.spool"
    return spool.is_dir() and any(spool.iterdir())


def _building(folder: Path) -> bool:
    return any((folder / "data").glob(".spendrecon.duckdb.*.building"))


def _started(seconds: float) -> Callable[[], bool]:
    at = time.monotonic() + seconds
    return lambda: time.monotonic() >= at


@pytest.mark.parametrize("step, said", [
    ("starting Prefect", "interrupted"),
    ("extracting", "stopped before publishing; the published warehouse is as it was"),
    ("load and reconcile", "stopped before publishing; the published warehouse is as it was"),
])
def test_one_ctrl_c_stops_the_run_within_seconds_and_leaves_the_warehouse_whole(folder, step, said):
    warehouse = folder / "data" / "spendrecon.duckdb"
    before = _figures(warehouse)
    ready = {"starting Prefect": _started(3.0), "extracting": lambda: _spool_run(folder),
             "load and reconcile": lambda: _building(folder)}[step]
    code, stderr, stopped = _interrupt(folder, ready)
    assert code == 130, stderr
    assert stopped < STOPPED_WITHIN, f"{stopped:.1f}s after Ctrl-C: {stderr}"
    lines = stderr.splitlines()
    assert sum("interrupted" in line for line in lines) == 1, stderr
    assert lines[-1].startswith("interrupted") and said in lines[-1], stderr
    assert not any(line.startswith(("error:", "Traceback")) for line in lines), stderr
    assert _figures(warehouse) == before  # every figure and finding, and no new succeeded run
    # The next run goes ahead: whatever the interrupted one left (a spool, a copy) is taken care of.
    again = subprocess.run([sys.executable, "-m", "spendrecon.cli", "runs", "-f", "tsv"], cwd=folder,
                           env=clean_env(), capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
