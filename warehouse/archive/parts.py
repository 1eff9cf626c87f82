"""One CSV part of an archive file as SQL: read_csv's column spec, the SELECT of the columns the
store keeps, and the CASE that names what is wrong with a row.

Built in code rather than kept in a .sql file because the columns of a part vary from file to file
(old and new names, Delta's extra column); every identifier comes from ``columns.SOURCES`` (our
code), never from the file, and every value (paths, column specs) is a bound parameter.
"""
from __future__ import annotations

from collections.abc import Sequence

from warehouse.archive.columns import READ_AMOUNT, SOURCES, STORED_AMOUNT
from warehouse.archive.reader import ArchivePart

# Stored columns in table order; the statement fills them from the part selects.
STORED = (*SOURCES.keys(), "file_id", "file_date", "part", "load_problem")
# What the statement selects for each but load_problem: amounts cut to the stored scale, which is
# exact for every row kept (a row with more decimals is a problem row and is not kept).
STORED_EXPRS = tuple(f"CAST({c} AS {STORED_AMOUNT}) AS {c}" if c in SOURCES and SOURCES[c][1] == READ_AMOUNT else c
                     for c in STORED[:-1])
_AMOUNTS = [c for c, (_, t) in SOURCES.items() if t == READ_AMOUNT]

_TEXT = "__text"  # suffix of the column holding an amount's text as the file spells it


def _amount_problems(c: str) -> tuple[str, str]:
    """(WHEN clause for an unreadable amount, WHEN clauses for one that cannot be stored as it is).

    A text that does not parse is a bad amount, named with its column and text (the quarantine's
    detail; see warehouse.archive.ingest). ``x % 0.01`` (exact int64 decimal arithmetic)
    catches a third or fourth decimal; the pattern, anything past the fourth, and it runs only on
    texts that pass the cheap LIKE/contains test first (CASE and AND evaluate in order, row by row):
    ``12.3``, ``-5`` and ``1234.56`` never reach it. An exponent ("1e-5") is refused as a bad amount:
    the archive never writes one, and rounding it to the reader's scale could hide digits.
    """
    t = f"{c}{_TEXT}"
    bad = (f"    WHEN {c} IS NULL AND {t} IS NOT NULL AND trim({t}) <> '' "
           f"THEN 'bad amount{DETAIL}{c}: ' || {t} || ' is not a number'\n")
    unstorable = (
        f"    WHEN {c} % 0.01 <> 0 THEN '{c} has more than 2 decimal places'\n"
        f"    WHEN ({t} LIKE '%.___%' OR contains({t}, 'e') OR contains({t}, 'E'))"
        f" AND regexp_matches({t}, '[eE]|[.][0-9][0-9]0*[1-9]')\n"
        f"        THEN CASE WHEN regexp_matches({t}, '[eE]') THEN 'bad amount{DETAIL}{c}: ' || {t} || "
        f"' is in exponent form' ELSE '{c} has more than 2 decimal places' END\n")
    return bad, unstorable


DETAIL = " | "  # separates a problem's reason from its detail in load_problem
# Without its award key a row would load but count toward no award (award_count), so it is a bad
# row too. Delta D rows carry only the transaction key, program and a few award ids, never the
# award key: they are exempt, as from the program and date checks. An unreadable amount comes first,
# as it did when the CSV reader itself refused it.
PROBLEM = "CASE\n" + "".join(_amount_problems(c)[0] for c in _AMOUNTS) + """\
    WHEN assistance_transaction_unique_key IS NULL THEN 'missing transaction key'
    WHEN correction_delete_ind IS NOT NULL AND correction_delete_ind NOT IN ('', 'C', 'D')
        THEN 'unknown correction_delete_ind'
    WHEN coalesce(correction_delete_ind, '') <> 'D' AND assistance_award_unique_key IS NULL THEN 'missing award key'
    WHEN coalesce(correction_delete_ind, '') <> 'D' AND cfda_number IS NULL THEN 'missing program number'
    WHEN coalesce(correction_delete_ind, '') <> 'D' AND action_date_fiscal_year IS NULL THEN 'missing action date'
""" + "".join(_amount_problems(c)[1] for c in _AMOUNTS) + """END"""


def trimmed(text: str) -> str:
    """``trim(text)``, without its cost where it cannot change anything.

    DuckDB's trim removes spaces and the other Unicode space separators (U+00A0, U+3000, ...) from
    both ends, looking each character up in Unicode's tables: ~0.17 CPU-s per million keys, the
    dearest step of the key normalisation. A text of ASCII only (as many bytes as characters) that
    neither starts nor ends with a space is exactly what trim returns, and is checked in a few byte
    comparisons; anything else goes through trim itself, so the result is always trim's."""
    return (f"CASE WHEN strlen({text}) = length({text}) AND NOT (prefix({text}, ' ') OR suffix({text}, ' ')) "
            f"THEN {text} ELSE trim({text}) END")


def reader_columns(header: Sequence[str]) -> dict[str, str]:
    """The read_csv columns spec for a part: every header column, typed where we read it."""
    # Amounts as text: parsed and checked in SQL (PROBLEM), where no digit is rounded unseen.
    types = {n: ("VARCHAR" if t == READ_AMOUNT else t) for names, t in SOURCES.values() for n in names}
    spec: dict[str, str] = {}
    for i, raw in enumerate(header):
        name = raw or f"column_{i + 1}"
        while name in spec:  # DuckDB needs unique names; a repeat is never one we read
            name += "_"
        spec[name] = types.get(name, "VARCHAR") if name == raw else "VARCHAR"
    return spec


def part_select(part: ArchivePart, i: int, rejects: str, is_delta: bool, *, raw_text: bool = False) -> str:
    """SELECT of the stored columns from one part's read_csv. Identifiers come from SOURCES (our
    code), never from the file; values (paths, column specs) are bound parameters."""
    present = set(part.header)

    def src(column: str) -> str | None:
        for n in SOURCES[column][0]:
            if n in present:
                return '"' + n.replace('"', '""') + '"'
        return None

    def col(column: str, cast: str) -> str:
        s = src(column)
        return s if s else f"NULL::{cast}"

    date_expr = col("action_date", "DATE")
    exprs = {
        "assistance_transaction_unique_key": f"nullif(upper({trimmed(col('assistance_transaction_unique_key', 'VARCHAR'))}), '')",
        "assistance_award_unique_key": f"nullif(upper({trimmed(col('assistance_award_unique_key', 'VARCHAR'))}), '')",
        "cfda_number": f"nullif({trimmed(col('cfda_number', 'VARCHAR'))}, '')",
        "action_date_fiscal_year": (
            f"coalesce({col('action_date_fiscal_year', 'INTEGER')}, "
            f"year({date_expr}) + CASE WHEN month({date_expr}) >= 10 THEN 1 ELSE 0 END)"),
        "last_modified_date": f"TRY_CAST({col('last_modified_date', 'VARCHAR')} AS TIMESTAMP)",
        "correction_delete_ind": (f"coalesce(upper(trim({col('correction_delete_ind', 'VARCHAR')})), '')"
                                  if is_delta else "NULL::VARCHAR"),
    }
    items = []
    for column, (_, typ) in SOURCES.items():
        if typ == READ_AMOUNT:
            text = col(column, "VARCHAR")
            items += [f"TRY_CAST({text} AS {READ_AMOUNT}) AS {column}", f"{text} AS {column}{_TEXT}"]
            continue
        expr = exprs.get(column) or col(column, typ)
        items.append(f"{expr} AS {column}")
    items += ["$file_id AS file_id", "$file_date::DATE AS file_date", f"$part_{i} AS part"]
    if raw_text:
        kept = [s for s in (src(c) for c in SOURCES) if s]
        items.append(f"concat_ws(',', {', '.join(kept)}) AS raw_text")
    return (f"SELECT {', '.join(items)} FROM read_csv($path_{i}, columns = $columns_{i}, header = true, "
            f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', encoding = $encoding_{i}, "
            f"store_rejects = true, rejects_table = '{rejects}', rejects_scan = '{rejects}_scan')")


def insert_statement(selects: Sequence[str]) -> str:
    """INSERT of every row of the parts' SELECTs (see :func:`part_select`) into raw.archive_transactions."""
    return (f"INSERT INTO raw.archive_transactions ({', '.join(STORED)}) "
            f"SELECT {', '.join(STORED_EXPRS)}, {PROBLEM} AS load_problem FROM ("
            + " UNION ALL ".join(selects) + ")")


def problem_rows_statement(inner: str) -> str:
    """(n, load_problem, raw_text) of the problem rows of one part's SELECT, ``n`` counting every row
    the reader accepted, in file order. The record text is built only for problem rows, below the
    window that numbers every row."""
    sql = (f"SELECT row_number() OVER () AS n, load_problem, raw_text FROM ("
           f"SELECT load_problem, CASE WHEN load_problem IS NOT NULL THEN raw_text END AS raw_text FROM ("
           f"SELECT {PROBLEM} AS load_problem, raw_text FROM ({inner})))")
    return f"SELECT n, load_problem, raw_text FROM ({sql}) WHERE load_problem IS NOT NULL"
