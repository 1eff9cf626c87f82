"""The raw responses, each stored once: a body is cut into content-defined chunks, and a chunk or a
body already held is referenced instead of stored again.

Why chunks and not whole bodies: a run on unchanged data repeats every body, but a run in which 1% of
the figures moved changes most 100-listing pages a little. A chunk boundary depends only on the text
just before it, so an unchanged listing cuts into the same chunks wherever it stands on its page, and a
changed figure costs the one chunk that holds it. Concatenating a body's chunks in order gives back the
body exactly as the source sent it (the views raw.sam_pages, raw.usaspending_pages and
raw.sam_public_documents do that), so anything traced to a response can still be read verbatim.
"""
from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from warehouse.arrow_rows import insert_rows

# Candidate boundaries: just after an object that ends an array or object member ("}," then the next
# one), which in these sources is a listing, a financial line or a result row. One candidate in four
# is taken, chosen by a hash of the WINDOW characters before it, so the choice moves with the content,
# not with the position: chunks of about 0.5-2 KB.
_CANDIDATE = re.compile(r"\},\s*")
WINDOW = 48
_TAKE_MASK = 0b11
MAX_CHUNK = 64 * 1024  # a long stretch without candidates (one huge string) is cut here


def chunks_of(text: str) -> list[str]:
    """The body cut into chunks; ``"".join(chunks_of(t)) == t`` for every text, "" included."""
    chunks: list[str] = []
    start = 0
    for match in _CANDIDATE.finditer(text):
        end = match.end()
        while end - start > MAX_CHUNK:
            chunks.append(text[start:start + MAX_CHUNK])
            start += MAX_CHUNK
        window = text[max(start, end - WINDOW):end]
        if zlib.crc32(window.encode("utf-8", "surrogatepass")) & _TAKE_MASK == 0:
            chunks.append(text[start:end])
            start = end
    while len(text) - start > MAX_CHUNK:
        chunks.append(text[start:start + MAX_CHUNK])
        start += MAX_CHUNK
    if start < len(text) or not chunks:
        chunks.append(text[start:])
    return chunks


def digest(text: str) -> str:
    """How a body or a chunk is recognised: 128 bits of BLAKE2b over its UTF-8 bytes, as hex."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Stored:
    bodies: int  # bodies given
    new_bodies: int  # of which not held before
    new_chunks: int  # chunks stored anew
    new_bytes: int  # UTF-8 bytes of those chunks


def store_bodies(con: duckdb.DuckDBPyConnection, texts: Sequence[str]) -> tuple[list[int], Stored]:
    """Store each body once (raw.bodies, raw.body_chunks); returns their body ids, in order, and counts.

    Bodies and chunks are found again by their hash, but referenced by a number given in the order they
    were first stored: a body's list of chunk ids then runs mostly in sequence (its chunks were new
    together, and a later version of the page shares all but a few), which DuckDB packs into a few bits
    each, where a list of hashes would cost 16 random bytes a chunk for every page that changed at all.
    """
    hashes = [digest(t) for t in texts]
    wanted = dict(zip(hashes, texts))
    body_ids = _held(con, "raw.bodies", "body_hash", "body_id", list(wanted))
    pieces_of = {h: chunks_of(wanted[h]) for h in wanted if h not in body_ids}
    chunk_texts: dict[str, str] = {}
    for pieces in pieces_of.values():
        chunk_texts.update((digest(p), p) for p in pieces)
    chunk_ids = _held(con, "raw.body_chunks", "chunk_hash", "chunk_id", list(chunk_texts))
    new_chunks = [h for h in chunk_texts if h not in chunk_ids]
    chunk_ids.update(zip(new_chunks, _next_ids(con, "raw.body_chunks", "chunk_id", len(new_chunks))))
    new_bodies = list(pieces_of)
    body_ids.update(zip(new_bodies, _next_ids(con, "raw.bodies", "body_id", len(new_bodies))))
    insert_rows(con, "raw.body_chunks", {"chunk_id": pa.int64(), "chunk_hash": pa.string(), "text": pa.string()},
                [(chunk_ids[h], h, chunk_texts[h]) for h in new_chunks])
    insert_rows(con, "raw.bodies", {"body_id": pa.int64(), "body_hash": pa.string(),
                                    "chunk_ids": pa.list_(pa.int64()), "length": pa.int64()},
                [(body_ids[h], h, [chunk_ids[digest(p)] for p in pieces_of[h]], len(wanted[h]))
                 for h in new_bodies])
    new_bytes = sum(len(chunk_texts[h].encode("utf-8", "surrogatepass")) for h in new_chunks)
    return [body_ids[h] for h in hashes], Stored(len(texts), len(new_bodies), len(new_chunks), new_bytes)


def _held(con: duckdb.DuckDBPyConnection, table: str, key: str, id_column: str, hashes: list[str]) -> dict[str, int]:
    """The ids of those ``hashes`` already in ``table`` (names are ours)."""
    if not hashes:
        return {}
    batch = pa.table({"k": pa.array(hashes, pa.string())})
    con.register("_raw_store_keys", batch)
    try:
        return dict(con.execute(f"SELECT {key}, {id_column} FROM {table} SEMI JOIN _raw_store_keys ON {key} = k")
                    .fetchall())
    finally:
        con.unregister("_raw_store_keys")


def _next_ids(con: duckdb.DuckDBPyConnection, table: str, id_column: str, n: int) -> range:
    """``n`` ids after the largest held: one writer at a time (the warehouse's lock), so no sequence needed."""
    top = con.execute(f"SELECT coalesce(max({id_column}), 0) FROM {table}").fetchall()[0][0]
    return range(top + 1, top + 1 + n)


# --- the layout before bodies were stored once ---------------------------------------------------------
# Until this release the three raw tables held each body inline, a full copy per run. The first run of
# this release moves them: every row keeps its columns, its body goes to the store, and the table's
# name becomes the view over the store. Nothing is lost; the bodies read back byte for byte.

INLINE_TABLES = {
    # old table: (reference table, the columns besides the body)
    "sam_pages": ("sam_page_refs", ("run_id", "page_number", "url", "status_code", "fetched_at")),
    "usaspending_pages": ("usaspending_page_refs", ("run_id", "fiscal_year", "page_number", "url",
                                                    "request_body", "status_code", "fetched_at")),
    "sam_public_documents": ("sam_public_document_refs", ("run_id", "program_id", "program_number",
                                                          "modified_date", "fetched_at")),
}


@dataclass(frozen=True)
class Moved:
    responses: int
    bytes_before: int
    bytes_after: int

    def message(self) -> str:
        return (f"moved {self.responses:,} stored responses into the raw store, once: each body is now kept "
                f"once ({_mb(self.bytes_before)} of response text before, {_mb(self.bytes_after)} after)")


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def inline_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The raw tables still in the old layout (a base table with a ``body`` column)."""
    rows = con.execute(
        "SELECT t.table_name FROM information_schema.tables t JOIN information_schema.columns c "
        "ON c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'body' "
        "WHERE t.table_schema = 'raw' AND t.table_type = 'BASE TABLE'").fetchall()
    return sorted(name for (name,) in rows if name in INLINE_TABLES)


def move_inline_bodies(con: duckdb.DuckDBPyConnection, batch_rows: int = 2_000) -> Moved | None:
    """Move the old layout's tables into the store (the reference tables must exist). None: nothing to move."""
    tables = inline_tables(con)
    if not tables:
        return None
    responses = before = 0
    for old in tables:
        refs, columns = INLINE_TABLES[old]
        cols = ", ".join(columns)
        # Names are ours (INLINE_TABLES), never input. rowid pages through the table in storage order.
        total = con.execute(f"SELECT count(*) FROM raw.{old}").fetchall()[0][0]
        for offset in range(0, total, batch_rows):
            rows = con.execute(f"SELECT {cols}, body::VARCHAR FROM raw.{old} ORDER BY rowid "
                               f"LIMIT {batch_rows} OFFSET {offset}").fetchall()
            bodies = [r[-1] for r in rows]
            keys, _ = store_bodies(con, bodies)
            before += sum(len(b.encode("utf-8", "surrogatepass")) for b in bodies)
            _insert_refs(con, refs, columns, [(*r[:-1], k) for r, k in zip(rows, keys)])
        responses += total
        con.execute(f"DROP TABLE raw.{old}")
    after = con.execute("SELECT coalesce(sum(strlen(text)), 0) FROM raw.body_chunks").fetchall()[0][0]
    return Moved(responses, before, int(after))


def _insert_refs(con: duckdb.DuckDBPyConnection, table: str, columns: Iterable[str],
                 rows: list[tuple[object, ...]]) -> None:
    if not rows:
        return
    names = [*columns, "body_id"]
    batch = pa.Table.from_pylist([dict(zip(names, r)) for r in rows])
    con.register("_raw_store_refs", batch)
    try:
        con.execute(f"INSERT INTO raw.{table} ({', '.join(names)}) SELECT {', '.join(names)} FROM _raw_store_refs")
    finally:
        con.unregister("_raw_store_refs")
