"""Repairing a warehouse an earlier release wrote, once, on its next run.

Releases up to cf07e8a read a program-year's SAM.gov figures from one listing id: when SAM.gov
republished a revised listing under a new id, the years the revision no longer carried vanished from
recon.program_year (their lines were still in staging, carried forward), findings resolved with no
cause, and first reports were counted as restatements. Today's staging views and restatement views read
those rows right again; what a run must still do once is say so: the findings it reopens and resolves
because of that carry reason ``repair`` (recon_findings_merge.sql), and meta.repairs records what changed.
"""
from __future__ import annotations

import duckdb

from warehouse.db import execute, has_table, sql_text

REPAIR = "listing_revisions"


def needs_repair(con: duckdb.DuckDBPyConnection) -> bool:
    """A warehouse with runs of an earlier release (they recorded no run date) and no repair yet."""
    ((old_runs, repairs),) = con.execute(
        "SELECT (SELECT count(*) FROM meta.runs WHERE status = 'succeeded' AND as_of IS NULL), "
        "(SELECT count(*) FROM meta.repairs WHERE repair = $r)", {"r": REPAIR}).fetchall()
    return old_runs > 0 and repairs == 0


def remember_before_repair(con: duckdb.DuckDBPyConnection) -> None:
    """Keep recon.program_year's SAM.gov figures as the earlier release left them, to count what comes back."""
    source = ("SELECT program_number, fiscal_year, sam_actual, sam_estimate FROM recon.program_year"
              if has_table(con, "recon", "program_year") else
              "SELECT NULL::VARCHAR AS program_number, NULL::INTEGER AS fiscal_year, NULL::DECIMAL(18,2) AS sam_actual, "
              "NULL::DECIMAL(18,2) AS sam_estimate WHERE false")
    con.execute(f"CREATE OR REPLACE TEMP TABLE repair_program_year_before AS {source}")


def record_repair(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """Count what the repair run changed, record it in meta.repairs, and word it for the run's summary."""
    ((restored, reopened, resolved),) = execute(con, sql_text("repair_counts"), {"run_id": run_id}).fetchall()
    detail = (f"repaired a warehouse written before listing revisions were read by ALN: {restored:,} "
              f"program-year(s) have their SAM.gov figures back, {reopened:,} finding(s) resolved without a cause "
              f"reopened, {resolved:,} finding(s) that stood on a first report counted as a restatement resolved "
              "(reason repair); reviews are kept")
    execute(con, "INSERT INTO meta.repairs VALUES ($run_id, $repair, $restored, $reopened, $resolved, $detail)",
            {"run_id": run_id, "repair": REPAIR, "restored": restored, "reopened": reopened, "resolved": resolved,
             "detail": detail})
    con.execute("DROP TABLE IF EXISTS repair_program_year_before")
    return [detail]
