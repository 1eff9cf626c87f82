"""The warehouse as it stood right after an earlier run, rebuilt in a private copy.

`spendrecon report --run-id` of an older run reads this copy: findings take the status and amounts
their events gave them up to that run (recon.finding_events), program-years the figures the sources
had said by then (recon.figure_history). The published file is only read.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.db import connect, ensure_schema, has_column, has_table, run_file


@contextmanager
def warehouse_as_of(published: Path, run_id: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="spendrecon-as-of-") as folder:
        copy = Path(folder) / published.name
        shutil.copyfile(published, copy)
        con = connect(copy)
        try:
            ensure_schema(con)  # an older file gains the tables the SQL below names
            run_file(con, "as_of_run", {"run_id": run_id})
            # Each program-year's one amount and bucket as that run's findings give them.
            run_file(con, "recon_program_year_triage")
            history = con.execute("SELECT count(*) FROM recon.figure_history").fetchone()
            if (history and history[0] and has_table(con, "recon", "program_year")
                    and has_column(con, "recon", "program_year", "sam_carried_forward")):
                run_file(con, "as_of_program_year", {"run_id": run_id})
            con.execute("CHECKPOINT")
        finally:
            con.close()
        yield copy
