"""The warehouse as it stood right after an earlier run, rebuilt in a private copy.

`spendrecon report --run-id` of an earlier run reads this copy. A run that recorded versions
(meta.runs.versioned, warehouse/versions.py) comes back whole: its findings, program-years, triage and
the reviews it knew are the versions valid at that run, so its report is the one it wrote. A run of a
release before the versions comes back from its findings' events (status and amounts) and the triage log,
with today's messages, severity, reviews and agencies: ``AsOf.from_versions`` is then False, and the
report says so. The published file is only read.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.db import connect, ensure_schema, has_column, has_table, run_file


@dataclass(frozen=True)
class AsOf:
    path: Path  # the private copy
    from_versions: bool  # rebuilt from the run's versions (exact); False: from its events (a run before them)


@contextmanager
def warehouse_as_of(published: Path, run_id: str) -> Iterator[AsOf]:
    with tempfile.TemporaryDirectory(prefix="spendrecon-as-of-") as folder:
        copy = Path(folder) / published.name
        shutil.copyfile(published, copy)
        con = connect(copy)
        try:
            ensure_schema(con)  # an older file gains the tables the SQL below names
            exact = recorded_versions(con, run_id)
            run_file(con, "as_of_runs", {"run_id": run_id})
            if exact:
                run_file(con, "as_of_figures")
                run_file(con, "as_of_versions", {"run_id": run_id})
                run_file(con, "recon_agency_year")
            else:
                _from_events(con, run_id)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        yield AsOf(copy, exact)


def recorded_versions(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """Whether the run recorded what its report read as versions (meta.runs.versioned)."""
    if not has_column(con, "meta", "runs", "versioned"):
        return False
    row = con.execute("SELECT versioned FROM meta.runs WHERE run_id = $r", {"r": run_id}).fetchone()
    return bool(row and row[0])


def _from_events(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    run_file(con, "as_of_events", {"run_id": run_id})
    # Each program-year's one amount and bucket as that run's findings give them.
    run_file(con, "recon_program_year_triage")
    history = con.execute("SELECT count(*) FROM recon.figure_history").fetchone()
    if (history and history[0] and has_table(con, "recon", "program_year")
            and has_column(con, "recon", "program_year", "sam_carried_forward")):
        run_file(con, "as_of_figures")
        run_file(con, "as_of_program_year")
