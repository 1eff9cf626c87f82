"""`spendrecon runs`: the runs so far, newest first -- the run ids `findings --changed-since` and
`report --run-id` take, without writing SQL."""
from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated, Any

import typer

from spendrecon.cli.common import ConfigOpt, VerboseOpt, one_line_errors
from spendrecon.cli.output import Column, FormatOpt, emit, resolve_format
from spendrecon.config import load_settings
from spendrecon.console import console

out = console(soft_wrap=True)


class RunStatus(str, Enum):
    succeeded = "succeeded"
    failed = "failed"


def register(app: typer.Typer) -> None:
    app.command("runs")(one_line_errors(runs))


def _count(value: Any) -> str:
    return "" if value is None else f"{value:,}"


def _years(value: Any) -> str:
    from spendrecon.fiscal import fiscal_years_text

    return fiscal_years_text(value) if value else ""


# The id, time and status are never cut; the counts come next; a failed run's error wraps, last.
COLUMNS = (
    Column("run_id", "run", "key"),
    Column("started_at", "started (UTC)", "key", display=lambda t: f"{t:%Y-%m-%d %H:%M}" if t else ""),
    Column("status", "status", "key"),
    Column("mode", "mode", whole=True, priority=1),
    Column("findings_new", "new", "number", display=_count, priority=2),
    Column("findings_open", "open", "number", display=_count, priority=3),
    Column("findings_resolved", "resolved", "number", display=_count, priority=4),
    Column("fiscal_years", "fiscal years", whole=True, display=_years, priority=5),
    Column("program_years", "program-years", "number", display=_count, priority=6),
    Column("as_of", "as of", whole=True, display=lambda d: f"{d:%Y-%m-%d}" if d else "", priority=7),
    Column("error", "error", wrap=True, priority=8, display=lambda e: e or ""),
)


def runs(
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, metavar="N",
                                       help="How many, newest first (default 20; 0 for all)")] = 20,
    status: Annotated[RunStatus | None, typer.Option("--status", "-s", help="Only runs that ended so")] = None,
    fmt: FormatOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """List the runs recorded in the DuckDB file (meta.runs), newest first: id, time, status, mode and counts.

    \\b
    Examples:
      spendrecon runs
      spendrecon runs -n 1 -s succeeded -f tsv | cut -f1      # the latest succeeded run's id
      spendrecon findings --changed-since "$(spendrecon runs -n 2 -f tsv | tail -1 | cut -f1)"
    """
    from spendrecon.json_rows import to_json
    from spendrecon.runs_query import COLUMNS as FIELDS, query_runs

    shown_as = resolve_format(fmt)
    settings = load_settings(config)
    rows = query_runs(settings.warehouse_path, limit or None, status.value if status else None)
    if shown_as == "json":
        sys.stdout.write(to_json(rows) + "\n")
    elif shown_as == "csv":
        from spendrecon.csv_cells import csv_text

        sys.stdout.write(csv_text(FIELDS, ([r[c] for c in FIELDS] for r in rows)))
    elif not rows and shown_as == "table":
        out.print("no runs" + (f" that {status.value}" if status else "") + " yet")
    else:
        emit(rows, COLUMNS, shown_as, title=f"{len(rows):,} runs, newest first", out=out)
