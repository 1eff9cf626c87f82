"""Bulk inserts through Arrow: exact DECIMALs, no per-row round trips."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pyarrow as pa

MONEY = pa.decimal128(18, 2)


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Mapping[str, pa.DataType],
    rows: Sequence[Sequence[Any]],
) -> int:
    """Insert rows (tuples in ``columns`` order) into ``table``'s columns of the same names."""
    if not rows:
        return 0
    names = list(columns)
    arrays = [pa.array([r[i] for r in rows], type=columns[n]) for i, n in enumerate(names)]
    batch = pa.Table.from_arrays(arrays, names=names)
    view = f"_incoming_{table.replace('.', '_')}"
    con.register(view, batch)
    try:
        # Identifiers here come from our own code, never from data.
        con.execute(f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(names)} FROM {view}")
    finally:
        con.unregister(view)
    return len(rows)
