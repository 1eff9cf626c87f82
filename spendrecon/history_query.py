"""Reading figure history back out of the published warehouse, for the CLI (read_only, always)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spendrecon.csv_cells import csv_text
from spendrecon.findings_query import NoWarehouse, check_year_known, known_program
from warehouse.db import open_published

COLUMNS = (
    "source", "program_number", "fiscal_year", "line", "measure", "value",
    "valid_from_run", "valid_to_run", "fetched_at", "listing_id", "closed_reason", "carried_forward",
)


def query_history(warehouse: Path, program: str, fiscal_year: int | None = None,
                  lines: bool = False) -> list[dict[str, Any]]:
    """Each source's figures for one ALN, one row per change (oldest first). ``listing_id``: the SAM.gov
    listing whose statement opened the version; ``closed_reason``: why it closed with no successor
    (``renumbered``); ``carried_forward``: the figure is still the one in recon.program_year, although the
    source has stopped showing it."""
    con = open_published(warehouse, NoWarehouse, needs=("recon.figure_history", "recon.program_year"),
                         missing="has no figure history yet: run `spendrecon run` (or --demo) first")
    try:
        program = known_program(con, program)  # a typo (97.10) is named with the closest ALNs, never an empty table
        if fiscal_year is not None:
            check_year_known(con, fiscal_year)
        cur = con.execute(
            """
            SELECT h.source, h.program_number, h.fiscal_year, h.line, h.measure, h.value,
                   h.valid_from_run, h.valid_to_run, h.fetched_at, h.listing_id, h.closed_reason,
                   h.valid_to_run IS NULL AND CASE h.source WHEN 'sam' THEN coalesce(p.sam_carried_forward, false)
                                                            ELSE coalesce(p.usaspending_carried_forward, false) END
                       AS carried_forward
            FROM recon.figure_history AS h
            LEFT JOIN recon.program_year AS p USING (program_number, fiscal_year)
            WHERE h.program_number = $program
              AND ($fiscal_year IS NULL OR h.fiscal_year = $fiscal_year)
              AND ($lines OR h.line = 'total')
            ORDER BY h.fiscal_year, h.source, h.line = 'total' DESC, h.line, h.measure, h.valid_from_run
            """,
            {"program": program, "fiscal_year": fiscal_year, "lines": lines},
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    return csv_text(COLUMNS, ([row[c] for c in COLUMNS] for row in rows))
