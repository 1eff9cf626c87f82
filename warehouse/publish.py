"""Publishing the warehouse file atomically.

A run never writes to the published file. It copies it, works on the copy, and renames the copy
over the original only when everything succeeded. So:

- a failed run leaves the published tables exactly as they were, still queryable;
- an analyst holding the file open ``read_only`` keeps reading the version they opened (POSIX keeps
  the old inode alive), with no lock conflict, and sees the new one once every connection of theirs
  to the file is closed (DuckDB shares one open database among a process's connections to a path);
- two runs cannot interleave: a lock file beside the warehouse serialises writers.

Copying is cheap because the file stays small: raw responses are stored once (warehouse/raw_store.py),
history grows with changes only, and the copy is compacted before it is published whenever a run's
rewrites left more free space in it than data (or it still has an older release's large blocks).
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from warehouse.db import BLOCK_SIZE, connect, ensure_schema


class WarehouseBusy(Exception):
    """Another run holds the writer lock on this warehouse."""


def lock_path(published: Path) -> Path:
    return published.with_name(published.name + ".lock")


def building_path(published: Path, run_id: str) -> Path:
    return published.with_name(f".{published.name}.{run_id}.building")


@contextmanager
def writer_lock(published: Path, *, wait_seconds: float = 0.0, holder: str | None = None,
                on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the warehouse's writer lock, waiting up to ``wait_seconds`` for another writer to finish.

    ``holder`` (what is writing: "spendrecon run <id>", "spendrecon annotate") is written into the lock
    file with the process id and the time, so that a writer kept waiting can say who holds the lock
    and since when: ``on_wait`` is called once with that text when the lock is found held."""
    published.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(published), os.O_CREAT | os.O_RDWR, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        told = False
        while not _try_lock(fd):
            if not told and on_wait is not None:
                on_wait(_held_by(fd))
                told = True
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"another spendrecon run is writing {published} ({_held_by(fd)}; lock {lock_path(published)}); "
                    "wait for it to finish"
                )
            time.sleep(0.2)
        _write_holder(fd, holder)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _write_holder(fd: int, holder: str | None) -> None:
    since = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    text = json.dumps({"holder": holder or "spendrecon", "pid": os.getpid(), "since": since})
    os.ftruncate(fd, 0)
    os.pwrite(fd, text.encode("utf-8"), 0)


def _held_by(fd: int) -> str:
    """Who holds the lock, as its holder wrote it: 'held by spendrecon run X (pid 123) since ...'."""
    try:
        found = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
        return f"held by {found['holder']} (pid {found['pid']}) since {found['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "held by another process"  # a writer from before holders were recorded


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


@contextmanager
def building(published: Path, run_id: str, notices: list[str] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a read-write connection to a private copy of the warehouse; publish it on success.

    The caller must hold ``writer_lock``. On any exception the copy is deleted and the published
    file is untouched. What migrating the copy's schema did that a user should hear of is appended to
    ``notices``.
    """
    tmp = building_path(published, run_id)
    # Copies left by a run that was killed outright; with the lock held, none of them is live.
    for stale in published.parent.glob(f".{published.name}.*.building"):
        _remove(stale)
    if published.exists():
        shutil.copyfile(published, tmp)
    con = connect(tmp)
    try:
        told = ensure_schema(con)
        block_size = _size(con).block_size
        if block_size != BLOCK_SIZE:
            told.append(f"the warehouse file is rewritten once with {BLOCK_SIZE // 1024} KB blocks instead of "
                        f"{block_size // 1024} KB, which roughly halves it ({published.stat().st_size / 1e6:.1f} MB "
                        "before this run)")
        if notices is not None:
            notices.extend(told)
        yield con
        con.execute("CHECKPOINT")
        size = _size(con)
        con.close()
        if size.block_size != BLOCK_SIZE or size.free_blocks > size.used_blocks:
            _compact(tmp, building_path(published, f"{run_id}.compact"))
    except BaseException:
        con.close()
        _remove(tmp)
        _remove(building_path(published, f"{run_id}.compact"))
        raise
    _swap_in(tmp, published)


@dataclass(frozen=True)
class FileSize:
    block_size: int
    used_blocks: int
    free_blocks: int


def _size(con: duckdb.DuckDBPyConnection) -> FileSize:
    row = con.execute("SELECT block_size, used_blocks, free_blocks FROM pragma_database_size() "
                      "WHERE database_name = current_database()").fetchall()[0]
    return FileSize(int(row[0]), int(row[1]), int(row[2]))


def _compact(path: Path, scratch: Path) -> None:
    """Rewrite ``path`` without its free blocks, with BLOCK_SIZE blocks: every table, view and row as it
    was (DuckDB's COPY FROM DATABASE), in a scratch file that then takes its place."""
    _remove(scratch)
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH {_quoted(path)} AS compact_from (READ_ONLY)")
        con.execute(f"ATTACH {_quoted(scratch)} AS compact_to (BLOCK_SIZE {BLOCK_SIZE})")
        con.execute("COPY FROM DATABASE compact_from TO compact_to")
        con.execute("DETACH compact_to")
        con.execute("DETACH compact_from")
    except BaseException:
        con.close()
        _remove(scratch)
        raise
    con.close()
    os.replace(scratch, path)


def _quoted(path: Path) -> str:
    """A path as an SQL string literal (ATTACH takes no bound parameters); the path may hold any text."""
    return "'" + str(path).replace("'", "''") + "'"


def _swap_in(tmp: Path, published: Path) -> None:
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, published)
    dir_fd = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
