"""`spendrecon verify`: the record's own checks (warehouse/verify.py) on a published warehouse."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spendrecon.cli.common import ConfigOpt, VerboseOpt, one_line_errors
from spendrecon.console import console

out = console(soft_wrap=True)
NEEDS = ("meta.runs", "recon.program_year", "recon.figure_history", "recon.finding_events")


def register(app: typer.Typer) -> None:
    app.command("verify")(one_line_errors(verify))


def verify(
    warehouse: Annotated[Path | None, typer.Option("--warehouse", metavar="PATH", help="The DuckDB file to check (default: the configured warehouse)")] = None,
    all_runs: Annotated[bool, typer.Option("--all-runs", help="Check the resolutions of every run, not only the latest")] = False,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Check that the current figures equal the history's and that every resolution has a cause (exit 1 if not).

    \b
    Examples:
      spendrecon verify
      spendrecon verify --all-runs --warehouse data/spendrecon.duckdb
    """
    from spendrecon.config import load_settings
    from spendrecon.findings_query import NoWarehouse
    from warehouse.db import open_published
    from warehouse.verify import verify as check

    path = warehouse if warehouse is not None else load_settings(config).warehouse_path
    con = open_published(path, NoWarehouse, needs=NEEDS)
    try:
        result = check(con, all_runs=all_runs)
    finally:
        con.close()
    runs = "every run" if all_runs else (f"run {result.run_id}" if result.run_id else "no succeeded run")
    out.print(f"{path}: {runs}")
    for line in result.summary_lines():
        out.print(line)
    if result.ok:
        return
    shown = len(result.cases)
    out.print(f"{result.violations:,} violation{'s' if result.violations != 1 else ''}"
              + (f", the first {shown}:" if shown < result.violations else ":"))
    for case in result.cases:
        out.print(f"  {case.line()}")
    raise typer.Exit(1)
