"""Program documents of ``sam.mode: public``, kept so the next run fetches only what changed."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

import duckdb
import pyarrow as pa

from connectors.records import KnownDocument
from warehouse.arrow_rows import insert_rows
from warehouse.db import has_table
from warehouse.raw_store import store_bodies
from warehouse.timestamps import as_stored, as_utc

TABLE = "raw.sam_public_documents"


def known_documents(con: duckdb.DuckDBPyConnection) -> dict[str, KnownDocument]:
    """The latest stored document of every program_id; empty when no public run ever stored one.

    Works on a read-only connection to the published warehouse, which may predate the table.
    """
    if not has_table(con, "raw", "sam_public_documents"):
        return {}
    rows = con.execute(
        f"SELECT program_id, modified_date, body::VARCHAR, program_number, fetched_at FROM {TABLE} "
        "QUALIFY row_number() OVER (PARTITION BY program_id ORDER BY fetched_at DESC, run_id DESC) = 1"
    ).fetchall()
    return {
        program_id: KnownDocument(program_id, modified, body, number, as_utc(fetched))
        for program_id, modified, body, number, fetched in rows
    }


def load_public_documents(
    con: duckdb.DuckDBPyConnection, run_id: str, documents_fetched: Iterable[KnownDocument]
) -> int:
    """Append the documents this run fetched (never the reused ones: they are stored already)."""
    now = datetime.now(timezone.utc)
    documents = list(documents_fetched)
    keys, _ = store_bodies(con, [d.body for d in documents])
    rows = [
        (run_id, d.program_id, d.program_number, d.modified_date, as_stored(d.fetched_at or now), key)
        for d, key in zip(documents, keys)
    ]
    return insert_rows(con, "raw.sam_public_document_refs", {
        "run_id": pa.string(), "program_id": pa.string(), "program_number": pa.string(),
        "modified_date": pa.string(), "fetched_at": pa.timestamp("us"), "body_id": pa.int64(),
    }, rows)
