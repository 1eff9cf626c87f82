"""`spendrecon history`: what each source said about a program, run by run (changes only)."""
from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from spendrecon.cli_common import ConfigOpt, VerboseOpt, one_line_errors
from spendrecon.config import load_settings

# Wide when piped: run ids must never be cut short.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
SOURCE_LABEL = {"sam": "SAM.gov", "usaspending": "USAspending"}


def register(app: typer.Typer) -> None:
    app.command("history")(one_line_errors(history))


def history(
    program: Annotated[str, typer.Argument(help="ALN, e.g. 97.102")],
    fiscal_year: Annotated[int | None, typer.Option("--fiscal-year")] = None,
    lines: Annotated[bool, typer.Option("--lines", help="Also each SAM.gov assistance-type line")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Each source's figures for a program per run, changes only (from recon.figure_history)."""
    from spendrecon.history_query import query_history, to_csv, to_json
    from warehouse.money import format_money

    if fmt not in ("table", "csv", "json"):
        raise ValueError(f"--format must be table, csv or json, not {fmt!r}")
    settings = load_settings(config)
    rows = query_history(settings.warehouse_path, program.strip(), fiscal_year, lines)
    if fmt == "json":
        sys.stdout.write(to_json(rows) + "\n")
        return
    if fmt == "csv":
        sys.stdout.write(to_csv(rows))
        return
    table = Table(title=f"{program} — {len(rows):,} figure versions")
    for name in ("FY", "source", *(["line"] if lines else []), "figure"):
        table.add_column(name, no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    for name in ("from run", "until run", "fetched (UTC)", "note"):
        table.add_column(name, no_wrap=True)
    for r in rows:
        note = "carried forward: no longer shown by the source" if r["carried_forward"] else ""
        table.add_row(str(r["fiscal_year"]), SOURCE_LABEL.get(r["source"], r["source"]),
                      *([r["line"]] if lines else []), r["measure"],
                      format_money(r["value"]) if r["value"] is not None else "not reported",
                      r["valid_from_run"], r["valid_to_run"] or "(current)",
                      f"{r['fetched_at']:%Y-%m-%d %H:%M}" if r["fetched_at"] else "", note)
    if not rows:
        out.print(f"no figures recorded for {program}" + (f" FY{fiscal_year}" if fiscal_year else ""), markup=False)
        return
    out.print(table)
