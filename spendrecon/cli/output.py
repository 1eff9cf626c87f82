"""Rows on the terminal or down a pipe: the one place every command prints tabular output.

Conventions follow `gh`: on a terminal, a table sized to the window; when stdout is not a terminal,
tab-separated lines with a header, one record per line, so `grep`, `cut` and `head` work; `--format`
overrides either (table, tsv, csv, json).

On a terminal, columns are laid out by what they hold, never by rich's even squeeze:

- ``key`` columns (program, fiscal year, rule, status, file name) are always shown whole, at their
  natural width. If even they do not fit, the table is printed wider than the window (the terminal
  wraps it) rather than cutting a key.
- the other columns get room by ``priority``: ``money``/``number`` columns and ``whole=True`` text
  (short codes) are shown whole or not at all -- an amount is never cut; free text gets at least a
  useful width, then ``wrap=True`` text wraps onto more lines and other text is cut to one line
  with an ellipsis. Columns that do not fit are dropped and named below the table.

Every value is shown literally: text from a source or an analyst is never read as rich markup.

A new command: describe its columns once, then

    fmt = resolve_format(fmt_option)          # the FormatOpt value: None means table/tsv by stdout
    emit(rows, COLUMNS, fmt, title="...")     # rows are dicts keyed by Column.key
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Literal, TextIO

import typer
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from spendrecon.console import console
from spendrecon.csv_cells import csv_text, plain

Kind = Literal["key", "money", "number", "text"]
Format = Literal["table", "tsv", "csv", "json"]
FORMATS: tuple[Format, ...] = ("table", "tsv", "csv", "json")



class OutputFormat(str, Enum):
    """--format's choices: click checks them (exit 2 on another) and help shows them."""
    table = "table"
    tsv = "tsv"
    csv = "csv"
    json = "json"


FormatOpt = Annotated[OutputFormat | None, typer.Option(
    "--format", "-f", help="How to print the rows (default: table on a terminal, tsv when piped)")]

_MIN_TEXT = 12  # narrower than this, a text column says too little to be worth its borders


@dataclass(frozen=True)
class Column:
    key: str                      # the row's field; also the TSV/CSV header
    header: str | None = None     # the table's header (default: key)
    kind: Kind = "text"
    wrap: bool = False            # text only: wrap onto more lines instead of cutting to one
    whole: bool = False           # text only: show whole or drop, never cut (short codes)
    display: Callable[[Any], str] | None = None  # table cell text (money: "$1,234.00"); TSV uses raw
    # money: the cell rounded to a unit ("$86.47B"), used only when the window is too narrow for the
    # exact amounts (the note under the table says so); never in tsv, csv or json.
    compact: Callable[[Any], str] | None = None
    # Non-key columns are given room in ascending priority (ties: left to right); what does not fit
    # is dropped. Key columns are always shown.
    priority: int = 0

    @property
    def title(self) -> str:
        return self.header or self.key

    @property
    def whole_or_nothing(self) -> bool:
        return self.kind != "text" or self.whole


def resolve_format(fmt: OutputFormat | str | None, *, option: str = "--format") -> Format:
    """The format asked for, or (None/"auto") a table when stdout is a terminal and TSV otherwise.

    Decided by isatty alone, as gh does: FORCE_COLOR and the like colour a table, they do not turn a
    pipe into one."""
    if fmt is None or fmt == "auto":
        return "table" if sys.stdout.isatty() else "tsv"
    value = getattr(fmt, "value", fmt)  # a typer Enum choice
    if value not in FORMATS:
        raise ValueError(f"{option}: must be table, tsv, csv or json, not {value!r}")
    return value  # type: ignore[return-value]


def emit(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], fmt: Format, *,
         title: str | None = None, out: Console | None = None, stream: TextIO | None = None) -> None:
    """Print ``rows`` in ``fmt``. Table and TSV show ``columns``; CSV and JSON show them too (a
    command that wants every field for csv/json writes those itself)."""
    if fmt == "table":
        print_table(rows, columns, title=title, out=out)
        return
    target = stream or sys.stdout
    if fmt == "tsv":
        target.write(to_tsv(rows, columns))
    elif fmt == "csv":
        target.write(to_csv(rows, [c.key for c in columns]))
    else:
        from spendrecon.json_rows import to_json

        target.write(to_json([{c.key: r.get(c.key) for c in columns} for r in rows]) + "\n")


# --- plain text for pipes ------------------------------------------------------------------------

def _one_field(text: str) -> str:
    # A tab or line break inside a value would split the record; no quoting in TSV, so replace them.
    return "".join(" " if (ch in "\t\r\n\v\f\x85\u2028\u2029" or ord(ch) < 32) else ch for ch in text)


def to_tsv(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> str:
    lines = ["\t".join(c.key for c in columns)]
    lines += ["\t".join(_one_field(plain(r.get(c.key))) for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def to_csv(rows: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> str:
    # The one CSV writer: text cells are neutralised against spreadsheet formulas there.
    return csv_text(keys, ([r.get(k) for k in keys] for r in rows))


# --- tables for people ---------------------------------------------------------------------------

def cell_text(column: Column, value: Any) -> str:
    if column.display is not None:
        return column.display(value)
    return "" if value is None else plain(value)


_GAP = 3  # between two columns: padding either side and the (blank) rule


def layout(columns: Sequence[Column], cells: Sequence[Sequence[str]], width: int,
           skip: frozenset[int] | set[int] = frozenset()) -> dict[int, int]:
    """Width per shown column index: keys always, at their natural width; then the other columns by
    priority, whole (amounts, codes) or at a useful width (free text), while they fit; free text
    then shares what is left up to its natural width."""
    natural = [max([cell_len(c.title)] + [max((cell_len(line) for line in row[i].splitlines()), default=0)
                                           for row in cells]) for i, c in enumerate(columns)]
    shown = {i: natural[i] for i, c in enumerate(columns) if c.kind == "key"}
    used = sum(shown.values()) + _GAP * (len(shown) - 1)
    others = sorted((i for i, c in enumerate(columns) if c.kind != "key" and i not in skip),
                    key=lambda i: (columns[i].priority, i))
    for i in others:
        c = columns[i]
        least = natural[i] if c.whole_or_nothing else min(natural[i], max(_MIN_TEXT, cell_len(c.title)))
        if used + _GAP + least <= width:
            shown[i] = least
            used += _GAP + least
    for i in others:  # what is left goes to the cut or wrapped text, up to its natural width
        if i in shown and not columns[i].whole_or_nothing and used < width:
            extra = min(natural[i] - shown[i], width - used)
            shown[i] += extra
            used += extra
    return dict(sorted(shown.items()))


def print_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], *, title: str | None = None,
                out: Console | None = None, note: str | None = None) -> None:
    out = out or console()
    cells = [[cell_text(c, r.get(c.key)) for c in columns] for r in rows]
    # A column with nothing in it (no review notes yet) takes room and says nothing: left out, unnamed.
    empty = {i for i, c in enumerate(columns) if c.kind != "key" and rows and not any(row[i] for row in cells)}
    widths = layout(columns, cells, out.width, empty)
    rounded = False
    money = [i for i, c in enumerate(columns) if c.compact is not None and i not in empty]
    if any(i not in widths for i in money):
        # Too narrow for every exact amount: rounded ones ($86.47B) fit where exact ones would be dropped.
        compact = [[columns[i].compact(r.get(c.key)) if i in money else row[i]  # type: ignore[misc]
                    for i, c in enumerate(columns)] for r, row in zip(rows, cells)]
        compact_widths = layout(columns, compact, out.width, empty)
        if sum(i in compact_widths for i in money) > sum(i in widths for i in money):
            cells, widths, rounded = compact, compact_widths, True
    table = Table(title=Text(title) if title is not None else None, box=box.SIMPLE_HEAD, show_edge=False,
                  pad_edge=False)
    for i, w in widths.items():
        c = columns[i]
        right = c.kind in ("money", "number")
        if c.whole_or_nothing:
            table.add_column(Text(c.title), justify="right" if right else "left", width=w, no_wrap=True,
                             overflow="fold")
        elif c.wrap:
            table.add_column(Text(c.title), width=w, overflow="fold")
        else:
            table.add_column(Text(c.title), width=w, no_wrap=True, overflow="ellipsis")
    for row in cells:
        table.add_row(*(Text(row[i]) for i in widths))
    needed = sum(widths.values()) + _GAP * (len(widths) - 1)
    if needed > out.width:
        # Narrower than the keys and amounts: print wider than the window, cut nothing.
        saved = out.width
        out.width = needed
        try:
            out.print(table)
        finally:
            out.width = saved
    else:
        out.print(table)
    if rounded:
        out.print(Text("amounts rounded to fit this width; a wider window, or --format tsv, csv or json, "
                       "gives them exactly", style="dim"))
    hidden = [c.title for i, c in enumerate(columns) if i not in widths and i not in empty]
    if hidden:
        out.print(Text(f"not shown at this width: {', '.join(hidden)} (use --format tsv, csv or json "
                       "for every column)", style="dim"))
    if note:
        out.print(Text(note, style="dim"))
