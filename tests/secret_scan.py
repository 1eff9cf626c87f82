"""One search for secrets in everything a run leaves behind, shared by the tests that promise none leak.

A plain byte search is not proof: SQLite and DuckDB pages may split or compress a string, and Prefect
stores a failed run's exception as a base64 pickle under PREFECT_HOME/storage. So every file's bytes
are searched, the base64 runs inside them decoded, and every row of every SQLite and DuckDB file read.
"""
from __future__ import annotations

import base64
import binascii
import re
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb

_BASE64_RUN = re.compile(rb"[A-Za-z0-9+/]{24,}={0,2}")


def _decoded_runs(data: bytes) -> Iterator[bytes]:
    """Base64 inside ``data``, decoded."""
    for m in _BASE64_RUN.finditer(re.sub(rb"\s+", b"", data) if len(data) < 1 << 20 else data):
        run = m.group().rstrip(b"=")
        for shift in range(4):  # the run may begin with a few letters that are not part of the base64
            chunk = run[shift:]
            try:
                yield base64.b64decode(chunk[: len(chunk) // 4 * 4])
            except (binascii.Error, ValueError):
                continue


def leaks(text: bytes | str, secrets: Iterable[str]) -> set[str]:
    """The secrets found in ``text``, as written or base64-encoded."""
    wanted = tuple(secrets)
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    found = {s for s in wanted if s.encode() in data}
    for decoded in _decoded_runs(data):
        found |= {s for s in wanted if s.encode() in decoded}
    return found


def leaks_in_file(path: Path, secrets: Iterable[str]) -> set[str]:
    """One file: its bytes (and base64 within them), and its rows if it is a SQLite or DuckDB file."""
    wanted = tuple(secrets)
    data = path.read_bytes()
    found = leaks(data, wanted)
    if data.startswith(b"SQLite format 3\x00"):
        found |= leaks("\n".join(_sqlite_rows(path)), wanted)
    elif path.suffix == ".duckdb":
        found |= leaks("\n".join(_duckdb_rows(path)), wanted)
    return found


def leaks_under(root: Path, secrets: Iterable[str]) -> dict[str, set[str]]:
    """Every file under ``root`` with the secrets found in it (by path relative to ``root``)."""
    wanted = tuple(secrets)
    found: dict[str, set[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        hits = leaks_in_file(path, wanted)
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


def _sqlite_rows(path: Path) -> Iterator[str]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            for row in con.execute(f'SELECT * FROM "{table}"'):
                yield repr(row)
    finally:
        con.close()


def _duckdb_rows(path: Path) -> Iterator[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                             "WHERE table_type = 'BASE TABLE'").fetchall()
        for schema, table in tables:
            for row in con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall():
                yield repr(row)
    finally:
        con.close()
