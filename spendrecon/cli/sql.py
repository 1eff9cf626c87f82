"""`spendrecon sql`: SQL on the warehouse, read-only, printed as every listing command prints rows.

`pip install duckdb` (which spendrecon installs) brings DuckDB's Python module, not its command-line
shell; this command is the shell that comes with spendrecon. The warehouse is opened read-only, as
reports and analysts open it, so a run is never in its way and nothing here can change it; the
macros the SQL files use (at_stake, counts_as_open, money_text, ...) are defined, as in every
connection spendrecon opens.

- ``spendrecon sql "SELECT ..."``: run the statement(s); the last one's rows are printed.
- ``spendrecon sql < queries.sql``: the same, the SQL read from stdin.
- ``spendrecon sql`` on a terminal: an interactive prompt; a statement ends with ``;``.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer

from spendrecon.cli.common import ConfigOpt, VerboseOpt, one_line_errors
from spendrecon.cli.output import Column, Format, FormatOpt, emit, resolve_format
from spendrecon.config import load_settings
from spendrecon.console import console

out = console(soft_wrap=True)
TABLE_ROWS = 1000  # on a terminal; tsv, csv and json give every row
PROMPT, MORE = "spendrecon> ", "       ...> "


def register(app: typer.Typer) -> None:
    app.command("sql")(one_line_errors(sql))


def sql(
    query: Annotated[str | None, typer.Argument(metavar="QUERY", hidden=True)] = None,
    warehouse: Annotated[Path | None, typer.Option("--warehouse", metavar="PATH",
                                                   help="The DuckDB file (default: the configured warehouse)")] = None,
    fmt: FormatOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Run SQL on the DuckDB file, opened read-only; rows print as the other commands print them.

    QUERY is one or more statements (the last one's rows are printed); without it the SQL is read from
    stdin, or, on a terminal, typed at a prompt. (`pip install duckdb` brings no DuckDB shell; this is one.)

    \b
    Examples:
      spendrecon sql "SELECT rule_id, count(*) AS open FROM recon.findings WHERE counts_as_open(status, out_of_window, rule_disabled) GROUP BY ALL"
      spendrecon sql -f csv "SELECT * FROM recon.program_year WHERE program_number = '97.102'" > 97102.csv
      spendrecon sql                     # an interactive prompt: end a statement with ';', .quit to leave
    """
    from spendrecon.findings_query import NoWarehouse
    from warehouse.db import connect

    path = warehouse if warehouse is not None else load_settings(config).warehouse_path
    if not Path(path).exists():
        raise NoWarehouse(f"no warehouse at {path}: run `spendrecon run --demo` (or `spendrecon run`) first")
    con = connect(path, read_only=True)
    try:
        if query is None and sys.stdin.isatty():
            shell(con, path, fmt)
            return
        text = query if query is not None else sys.stdin.read()
        if not text.strip():
            raise ValueError("no SQL given: spendrecon sql \"SELECT ...\"")
        print_result(con, text, resolve_format(fmt))
    finally:
        con.close()


def print_result(con: duckdb.DuckDBPyConnection, text: str, shown_as: Format) -> None:
    cur = con.execute(text)
    if cur.description is None:
        return  # a statement with no rows to show (SET, a temporary table)
    names = _unique([d[0] for d in cur.description])
    limit = TABLE_ROWS if shown_as == "table" else None
    records = cur.fetchmany(limit + 1) if limit else cur.fetchall()
    more = limit is not None and len(records) > limit
    rows = [dict(zip(names, r)) for r in records[:limit]]
    columns = [Column(n, n, "key" if i == 0 else ("number" if _numeric(rows, n) else "text"),
                      priority=i) for i, n in enumerate(names)]
    if shown_as == "json":
        from spendrecon.json_rows import to_json

        sys.stdout.write(to_json(rows) + "\n")
    elif shown_as == "csv":
        from spendrecon.csv_cells import csv_text

        sys.stdout.write(csv_text(names, ([r[n] for n in names] for r in rows)))
    else:
        emit(rows, columns, shown_as, title=f"{len(rows):,}{'+' if more else ''} rows", out=out)
        if more:
            out.print(f"the first {TABLE_ROWS:,} rows; --format tsv, csv or json gives every row")


def _unique(names: Sequence[str]) -> list[str]:
    """Column names as keys: a repeated name (two `count(*)`) gets a suffix rather than hiding the other."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return unique


def _numeric(rows: Sequence[dict[str, Any]], name: str) -> bool:
    values = [r[name] for r in rows if r[name] is not None]
    return bool(values) and all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in values)


def shell(con: duckdb.DuckDBPyConnection, path: Path, fmt: Any,
          read: Callable[[str], str] = input) -> None:
    """The interactive prompt: statements end with ';'; an error is one line and the prompt comes back."""
    try:
        import readline  # noqa: F401 - line editing and history for input(), where the platform has it
    except ImportError:  # pragma: no cover
        pass
    shown_as = resolve_format(fmt) if fmt is not None else "table"
    out.print(f"{path} (read-only). End a statement with ';'. .tables lists the tables, .quit leaves.")
    pending: list[str] = []
    while True:
        try:
            line = read(MORE if pending else PROMPT)
        except EOFError:
            out.print("")
            return
        except KeyboardInterrupt:  # Ctrl-C drops the statement being typed, as other shells do
            out.print("")
            pending = []
            continue
        stripped = line.strip()
        if not pending and stripped in (".quit", ".exit", "\\q", "quit", "exit"):
            return
        if not pending and stripped == ".tables":
            stripped = ("SELECT table_schema || '.' || table_name AS \"table\" FROM information_schema.tables "
                        "WHERE table_catalog = current_database() ORDER BY 1;")
        if not stripped and not pending:
            continue
        pending.append(stripped)
        if not stripped.endswith(";"):
            continue
        text, pending = "\n".join(pending), []
        try:
            print_result(con, text, shown_as)
        except duckdb.Error as exc:
            sys.stderr.write(f"error: {' '.join(str(exc).split())}\n")
