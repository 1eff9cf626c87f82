"""The CSV parts inside an Award Data Archive zip, made readable by path without unpacking the zip.

DuckDB's own CSV reader is the fastest and lowest-memory way to parse the parts, but it cannot open a
zip member, and handing it a Python file object is very slow. So each part is inflated by a thread
into a named pipe (FIFO) that DuckDB reads like a file: no temporary copy of the CSV, memory bounded
by the pipe. Where FIFOs do not exist (Windows) the part is extracted to a temporary file instead.

Deflated parts (all real archive files) are inflated straight from the member's raw deflate stream
with ISA-L (the ``isal`` package; ~2.5x faster than zlib, and like zlib it runs without the GIL), or
zlib where ``isal`` is not installed, and their CRC-32 and size are checked against the central
directory exactly as ``zipfile`` would. Other compression methods go through ``zipfile``.

This module knows nothing of DuckDB: it hands out paths and reports what went wrong with the zip.
"""
from __future__ import annotations

import csv
import errno
import hashlib
import io
import os
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal

Transport = Literal["fifo", "extract"]
OnBytes = Callable[[int], None]  # called with each chunk's size, from feeder threads

try:  # ISA-L inflates ~2.5x faster than zlib; the same decompressobj/crc32 interface
    from isal import isal_zlib as _inflater
except ImportError:  # pragma: no cover - isal is a dependency, zlib is the fallback
    _inflater = zlib  # type: ignore[assignment]
_INFLATE_ERRORS: tuple[type[Exception], ...] = tuple({zlib.error, _inflater.error})

_CHUNK = 1 << 20
# Deflate bytes per inflate call (~280 KB of CSV out). Measured per part (1M rows) through a pipe:
# 16-48 KB cost the same, 64 KB and more up to 0.35 CPU-s more (bigger output buffers, which glibc
# may mmap() and page-fault afresh on every call), 8 KB and less more system calls.
_DEFLATE_IN = 32 << 10
_INFLATE_OUT = 1 << 20  # the most one call may return (a highly compressible stretch)
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... file name length, extra field length
_F_SETPIPE_SZ = 1031  # Linux: a 1 MB pipe means far fewer context switches than the default 64 KB
_PART_NUMBER = re.compile(r"_(\d+)\.csv$", re.IGNORECASE)
_SUPPORTED = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_HEADER_LIMIT = 1 << 20


class ArchiveError(Exception):
    """The zip (or one of its parts) is unreadable, truncated or corrupt. Names the file."""


class ArchiveCorrupt(ArchiveError):
    """The zip's bytes are damaged (a bad CRC-32, a broken deflate stream, a cut-off file): another
    copy of the same file may well be whole, unlike a zip that is well-formed but unusable."""


@dataclass(frozen=True)
class ArchivePart:
    member: str  # name inside the zip
    number: int  # the N of _N.csv (0 when the name has none)
    header: tuple[str, ...]
    size: int  # uncompressed bytes
    compressed_size: int


@dataclass(frozen=True)
class ArchiveContents:
    path: Path
    parts: tuple[ArchivePart, ...]
    ignored: tuple[str, ...] = ()  # members that are not CSV parts (e.g. a data dictionary)

    @property
    def size(self) -> int:
        return sum(p.size for p in self.parts)


def default_transport() -> Transport:
    return "fifo" if hasattr(os, "mkfifo") else "extract"


def read_archive(path: Path) -> ArchiveContents:
    """List the CSV parts (ordered by part number) with their header rows.

    Reads only the central directory and the first line of each part, so a truncated zip (its
    central directory is at the end) fails here, before anything is loaded.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _refuse_repeated_names(path, infos)
            parts, ignored = [], []
            for info in infos:
                if info.is_dir():
                    continue
                if not info.filename.lower().endswith(".csv"):
                    ignored.append(info.filename)
                    continue
                if info.flag_bits & 0x1:
                    raise ArchiveError(f"{path.name}: {info.filename} is encrypted")
                if info.compress_type not in _SUPPORTED:
                    raise ArchiveError(f"{path.name}: {info.filename} uses unsupported compression "
                                       f"method {info.compress_type}")
                header = _read_header(zf, info)
                m = _PART_NUMBER.search(info.filename)
                parts.append(ArchivePart(info.filename, int(m.group(1)) if m else 0, header,
                                         info.file_size, info.compress_size))
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError) as exc:
        raise ArchiveCorrupt(f"{path.name}: not a readable zip file ({exc})") from None
    if not parts:
        raise ArchiveError(f"{path.name}: holds no CSV part")
    parts.sort(key=lambda p: (p.number, p.member))
    if len({p.number for p in parts}) < len(parts) or any(p.number < 1 for p in parts):
        # Names without a distinct _N: number them in order, so every part has its own number.
        parts = [ArchivePart(p.member, i, p.header, p.size, p.compressed_size) for i, p in enumerate(parts, 1)]
    return ArchiveContents(path, tuple(parts), tuple(ignored))


def _refuse_repeated_names(path: Path, infos: Sequence[zipfile.ZipInfo]) -> None:
    """Two members under one name: ``zipfile`` looks members up by name and finds the last, so the
    first would be silently dropped (or read twice). Which one the producer meant cannot be known."""
    seen: set[str] = set()
    for info in infos:
        if info.filename in seen:
            raise ArchiveError(f"{path.name}: holds more than one member named {info.filename!r}; "
                               "refusing an ambiguous zip")
        seen.add(info.filename)


def _read_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, ...]:
    head = b""
    try:
        with zf.open(info) as f:
            while b"\n" not in head and len(head) < _HEADER_LIMIT:
                chunk = f.read(1 << 16)
                if not chunk:
                    break
                head += chunk
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ArchiveCorrupt(f"{Path(str(zf.filename)).name}: part {info.filename} is corrupt or truncated ({exc})") from None
    line = head.split(b"\n", 1)[0].rstrip(b"\r")
    if not line:
        raise ArchiveError(f"{info.filename}: empty part (no header row)")
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = line.decode("latin-1")
    return tuple(c.strip() for c in next(csv.reader(io.StringIO(text))))


@dataclass
class PartFeed:
    """Context manager: paths DuckDB can read, one per part, fed from the zip while it reads.

    Use one feed per SQL statement: each FIFO can be read once. After the statement, leaving the
    ``with`` block stops and joins the feeders; then call :meth:`raise_for_errors` *before*
    committing anything read through the feed: a CRC mismatch or a truncated part only shows once
    the part has been read to its end.
    """

    zip_path: Path
    parts: Sequence[ArchivePart]
    workdir: Path
    transport: Transport = "fifo"
    on_bytes: OnBytes | None = None
    _paths: list[Path] = field(default_factory=list, init=False)
    _threads: list[threading.Thread] = field(default_factory=list, init=False)
    _errors: list[ArchiveError] = field(default_factory=list, init=False)
    _cancel: threading.Event = field(default_factory=threading.Event, init=False)

    def __enter__(self) -> list[Path]:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for i, part in enumerate(self.parts):
            path = self.workdir / f"part{i}_{part.number}.csv"
            path.unlink(missing_ok=True)
            if self.transport == "fifo":
                os.mkfifo(path)
            self._paths.append(path)
        for part, path in zip(self.parts, self._paths):
            t = threading.Thread(target=self._feed, args=(part, path), daemon=True,
                                 name=f"archive-feed-{part.number}")
            self._threads.append(t)
            t.start()
        if self.transport == "extract":
            # Files must be whole before DuckDB opens them.
            for t in self._threads:
                t.join()
            self.raise_for_errors()
        return list(self._paths)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._cancel.set()
        for t, path in zip(self._threads, self._paths):
            if self.transport == "fifo":
                _release(t, path)
            t.join()
        for path in self._paths:
            path.unlink(missing_ok=True)

    def raise_for_errors(self) -> None:
        if self._errors:
            raise self._errors[0]

    def _feed(self, part: ArchivePart, path: Path) -> None:
        fd: int | None = None
        try:
            # Open our end first, before anything that can fail: DuckDB's open of a FIFO blocks
            # until a writer appears, and closing ours is how it learns the part has ended.
            fd = _open_writer(path, self._cancel) if self.transport == "fifo" else \
                os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            if fd is None:
                return
            with zipfile.ZipFile(self.zip_path) as zf:
                info = zf.getinfo(part.member)
                if info.compress_type == zipfile.ZIP_DEFLATED:
                    self._inflate(info, fd)
                else:
                    with zf.open(info) as src:
                        while not self._cancel.is_set():
                            chunk = src.read(_CHUNK)  # at the end of the part zipfile checks the CRC-32
                            if not chunk:
                                break
                            self._emit(fd, chunk)
        except BrokenPipeError:
            pass  # the reader stopped early: its own error says why
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, *_INFLATE_ERRORS) as exc:
            self._errors.append(ArchiveCorrupt(
                f"{self.zip_path.name}: part {part.member} is corrupt or truncated ({exc})"))
        finally:
            if fd is not None:
                os.close(fd)

    def _emit(self, fd: int, data: bytes) -> None:
        _write_all(fd, data)
        if self.on_bytes:
            self.on_bytes(len(data))

    def _inflate(self, info: zipfile.ZipInfo, fd: int) -> None:
        """Inflate a deflated member's raw stream into ``fd``, checking what ``zipfile`` checks: the
        local header, and at the end that the stream is complete, its size and its CRC-32."""
        with open(self.zip_path, "rb") as f:
            f.seek(info.header_offset)
            header = f.read(_LOCAL_HEADER.size)
            if len(header) != _LOCAL_HEADER.size:
                raise EOFError("truncated local file header")
            signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
            if signature != b"PK\x03\x04":
                raise zipfile.BadZipFile("bad magic number for file header")
            name = f.read(name_length)
            if name.decode("utf-8" if info.flag_bits & 0x800 else "cp437") != info.orig_filename:
                raise zipfile.BadZipFile(f"file name in directory {info.orig_filename!r} and header {name!r} differ")
            f.seek(extra_length, os.SEEK_CUR)
            inflater = _inflater.decompressobj(-15)  # raw deflate, as stored in zips
            crc, size, left = 0, 0, info.compress_size
            declared = info.file_size

            def take(out: bytes) -> None:
                """Inflated bytes: refused past the declared size (a zip bomb), else counted and written."""
                nonlocal crc, size
                if size + len(out) > declared:
                    raise _oversized(info)
                if out:
                    crc = _inflater.crc32(out, crc)
                    size += len(out)
                    self._emit(fd, out)

            while left > 0 and not inflater.eof:
                if self._cancel.is_set():
                    return
                block = f.read(min(_CHUNK, left))
                if not block:
                    break
                left -= len(block)
                view = memoryview(block)
                for start in range(0, len(view), _DEFLATE_IN):
                    data: bytes | memoryview = view[start:start + _DEFLATE_IN]
                    while data and not inflater.eof:
                        # Never ask for more than one byte past the declared size: a member that
                        # inflates beyond it (a zip bomb) is stopped there, having cost nothing.
                        take(inflater.decompress(data, min(_INFLATE_OUT, declared - size + 1)))
                        data = inflater.unconsumed_tail
            take(inflater.flush())  # all input is consumed here: only what zlib still holds
        if not inflater.eof:
            raise EOFError("compressed data ended before the end-of-stream marker was reached")
        if size != info.file_size:
            raise zipfile.BadZipFile(f"size {size:,} of {info.filename!r} differs from the directory's {info.file_size:,}")
        if crc != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")


def _oversized(info: zipfile.ZipInfo) -> zipfile.BadZipFile:
    return zipfile.BadZipFile(f"{info.filename!r} inflates past the {info.file_size:,} bytes the directory "
                              "declares; stopped there")


def _open_writer(path: Path, cancel: threading.Event) -> int | None:
    """Open the FIFO for writing once a reader has it open (or give up when cancelled)."""
    while not cancel.is_set():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # no reader yet
                cancel.wait(0.002)
                continue
            raise
        os.set_blocking(fd, True)
        try:
            import fcntl

            fcntl.fcntl(fd, _F_SETPIPE_SZ, _CHUNK)
        except (ImportError, OSError):
            pass
        return fd
    return None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _release(thread: threading.Thread, path: Path) -> None:
    """Unblock a feeder whose reader is gone: open the read end ourselves and drain until it stops."""
    if not thread.is_alive():
        return
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return
    try:
        while thread.is_alive():
            try:
                os.read(fd, _CHUNK)
            except BlockingIOError:
                pass
            thread.join(0.005)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    """The file's SHA-256, hex: what tells two files under one name apart."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK * 8):
            h.update(chunk)  # hashlib releases the GIL on large buffers: this can run beside a load
    return h.hexdigest()
