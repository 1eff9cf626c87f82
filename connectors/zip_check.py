"""Is a file a whole zip? A cheap check for downloads, made before a file is kept under its final name.

A download cut short without a Content-Length to tell (a proxy, a dropped connection on an
HTTP/1.0-style response) looks complete to HTTP. A zip can tell: its central directory is the last
thing in the file, and it says where every member starts and how long it is. So a file is taken as
whole when its directory reads, every member's local header is where the directory says, and every
member's compressed data ends before the directory starts.

What this does not do is inflate the members to check their CRC-32s: that is a full read of a
multi-gigabyte file, the same read ingest makes anyway, and ingest (warehouse.archive.reader.PartFeed)
checks each part's CRC-32 and size as it streams it into DuckDB, failing the file before anything from
it is committed. Truncation, the common failure, always loses the directory; bytes damaged in the
middle are caught there.
"""
from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... file name length, extra field length


def zip_defect(path: Path) -> str | None:
    """Why ``path`` is not a whole zip file, or None when it is (as far as the directory can tell)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            directory_at = int(getattr(zf, "start_dir", path.stat().st_size))
        with open(path, "rb") as f:
            for info in infos:
                f.seek(info.header_offset)
                header = f.read(_LOCAL_HEADER.size)
                if len(header) != _LOCAL_HEADER.size:
                    return f"{info.filename}: local header beyond the end of the file"
                signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
                if signature != b"PK\x03\x04":
                    return f"{info.filename}: no local header where the directory says it starts"
                data_end = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length + info.compress_size
                if data_end > directory_at:
                    return f"{info.filename}: its data runs past the start of the central directory"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        return f"not a readable zip file ({exc})"
    return None
