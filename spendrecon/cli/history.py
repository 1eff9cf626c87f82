"""`spendrecon history`: what each source said about a program, run by run (changes only)."""
from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from spendrecon.cli.common import ConfigOpt, VerboseOpt, one_line_errors
from spendrecon.cli.output import Column, FormatOpt, emit, resolve_format
from spendrecon.config import load_settings
from spendrecon.console import console

out = console(soft_wrap=True)
SOURCE_LABEL = {"sam": "SAM.gov", "usaspending": "USAspending"}


def register(app: typer.Typer) -> None:
    app.command("history")(one_line_errors(history))


def _value_cell(value: Any) -> str:
    from warehouse.money import format_money

    return format_money(value)


def _columns(lines: bool) -> tuple[Column, ...]:
    # Keys and the figure are never cut; the fetch time and the note give way first on a narrow terminal.
    return (
        Column("fiscal_year", "FY", "key"),
        Column("source", "source", "key", display=lambda s: SOURCE_LABEL.get(s, s)),
        *([Column("line", "line", "key")] if lines else []),
        Column("measure", "figure", "key"),
        Column("value", "value", "money", display=_value_cell, priority=1),
        # The run ids are long: on a narrow terminal the figure matters more than where it came from.
        Column("valid_from_run", "from run", whole=True, priority=2),
        Column("valid_to_run", "until run", whole=True, priority=3, display=lambda r: r or "(current)"),
        Column("fetched_at", "fetched (UTC)", whole=True, priority=5,
               display=lambda t: f"{t:%Y-%m-%d %H:%M}" if t else ""),
        Column("listing_id", "listing id", whole=True, priority=6, display=lambda i: i or ""),
        Column("closed_reason", "closed", priority=7, display=lambda r: r or ""),
        Column("carried_forward", "note", wrap=True, priority=4,
               display=lambda c: "carried forward: no longer shown by the source" if c else ""),
    )


def history(
    program: Annotated[str, typer.Argument(metavar="ALN", hidden=True)],
    fiscal_year: Annotated[int | None, typer.Option("--fiscal-year", "-y", metavar="YEAR", help="Only this fiscal year")] = None,
    lines: Annotated[bool, typer.Option("--lines", help="Also each SAM.gov assistance-type line")] = False,
    fmt: FormatOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Each source's figures for a program per run, changes only (from recon.figure_history).

    ALN is the program, e.g. 97.102.

    \b
    Examples:
      spendrecon history 97.102
      spendrecon history 97.102 -y 2019 --lines -f json
    """
    from spendrecon.history_query import query_history, to_csv
    from spendrecon.json_rows import to_json

    shown_as = resolve_format(fmt)
    settings = load_settings(config)
    rows = query_history(settings.warehouse_path, program.strip(), fiscal_year, lines)
    if shown_as == "json":
        sys.stdout.write(to_json(rows) + "\n")
    elif shown_as == "csv":
        sys.stdout.write(to_csv(rows))
    elif not rows and shown_as == "table":
        out.print(f"no figures recorded for {program}" + (f" FY{fiscal_year}" if fiscal_year else ""))
    else:
        emit(rows, _columns(lines), shown_as, title=f"{program} — {len(rows):,} figure versions", out=out)
