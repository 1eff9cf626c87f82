"""The zip member feeder: deflated parts are inflated from their raw stream (ISA-L, or zlib when the
``isal`` package is missing) and checked as zipfile would check them: CRC-32, size, complete stream."""
from __future__ import annotations

import random
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

import connectors.archive_reader as reader
from connectors.archive_reader import ArchiveError, PartFeed, read_archive

INFLATERS = ["isal", "zlib"]


@pytest.fixture(params=INFLATERS)
def inflater(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "isal":
        isal_zlib = pytest.importorskip("isal.isal_zlib")
        monkeypatch.setattr(reader, "_inflater", isal_zlib)
    else:
        monkeypatch.setattr(reader, "_inflater", zlib)
    monkeypatch.setattr(reader, "_INFLATE_ERRORS", (zlib.error, reader._inflater.error))
    return str(request.param)


def _csv(rows: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    lines = ["key,program,amount"] + [f"K{i:07d},{rng.randint(10, 99)}.{rng.randint(1, 999):03d},"
                                      f"{rng.randint(-10**6, 10**7) / 100:.2f}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _feed(zip_path: Path, tmp_path: Path, transport: str = "extract") -> list[bytes]:
    """Every part's bytes as a reader sees them (a FIFO is read to its end, as DuckDB reads it)."""
    contents = read_archive(zip_path)
    with PartFeed(zip_path, contents.parts, tmp_path / "feed", transport) as paths:  # type: ignore[arg-type]
        return [p.read_bytes() for p in paths]


def _raw_zip(path: Path, member: str, deflated: bytes, *, crc: int, size: int) -> Path:
    """A one-member zip written byte by byte, so its directory can say what we like."""
    name = member.encode()
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, zipfile.ZIP_DEFLATED, 0, 0x21,
                        crc, len(deflated), size, len(name), 0) + name
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, zipfile.ZIP_DEFLATED, 0, 0x21,
                          crc, len(deflated), size, len(name), 0, 0, 0, 0, 0, 0) + name
    directory_at = len(local) + len(deflated)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), directory_at, 0)
    path.write_bytes(local + deflated + central + end)
    return path


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


@pytest.mark.parametrize("transport", ["fifo", "extract"])
def test_parts_come_out_byte_for_byte(tmp_path: Path, inflater: str, transport: str) -> None:
    big, small = _csv(60_000), _csv(10, seed=2)  # the big one spans many inflate steps and reads
    path = tmp_path / "FY2023_All_Assistance_Full_20240115.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("FY2023_All_Assistance_Full_20240115_1.csv", big)
        zf.writestr("FY2023_All_Assistance_Full_20240115_2.csv", small, compress_type=zipfile.ZIP_STORED)
    assert _feed(path, tmp_path, transport) == [big, small]


def test_a_wrong_crc_is_caught(tmp_path: Path, inflater: str) -> None:
    data = _csv(20_000)  # past the first 64 KB, which read_archive already inflates for the header
    path = _raw_zip(tmp_path / "a.zip", "a_1.csv", _deflate(data), crc=zlib.crc32(data) ^ 1, size=len(data))
    with pytest.raises(ArchiveError, match=r"a\.zip: part a_1\.csv is corrupt or truncated \(Bad CRC-32"):
        _feed(path, tmp_path)


def test_a_wrong_size_is_caught(tmp_path: Path, inflater: str) -> None:
    data = _csv(20_000)  # past the first 64 KB, which read_archive already inflates for the header
    path = _raw_zip(tmp_path / "a.zip", "a_1.csv", _deflate(data), crc=zlib.crc32(data), size=len(data) + 1)
    with pytest.raises(ArchiveError, match="is corrupt or truncated"):
        _feed(path, tmp_path)


def test_a_deflate_stream_cut_short_is_caught(tmp_path: Path, inflater: str) -> None:
    data = _csv(20_000)
    deflated = _deflate(data)
    path = _raw_zip(tmp_path / "a.zip", "a_1.csv", deflated[: len(deflated) * 3 // 4], crc=zlib.crc32(data),
                    size=len(data))
    with pytest.raises(ArchiveError, match="is corrupt or truncated"):
        _feed(path, tmp_path)


def test_damaged_deflate_data_is_caught(tmp_path: Path, inflater: str) -> None:
    data = _csv(20_000)
    deflated = bytearray(_deflate(data))
    for i in range(len(deflated) // 2, len(deflated) // 2 + 64):
        deflated[i] ^= 0x5A
    path = _raw_zip(tmp_path / "a.zip", "a_1.csv", bytes(deflated), crc=zlib.crc32(data), size=len(data))
    with pytest.raises(ArchiveError, match="is corrupt or truncated"):
        _feed(path, tmp_path)


def test_a_stream_without_its_end_marker_is_caught(tmp_path: Path, inflater: str) -> None:
    """All the data, right size and CRC, but the deflate stream never ends: the zip was cut."""
    data = _csv(20_000)
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    unfinished = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    path = _raw_zip(tmp_path / "a.zip", "a_1.csv", unfinished, crc=zlib.crc32(data), size=len(data))
    with pytest.raises(ArchiveError, match="is corrupt or truncated"):
        _feed(path, tmp_path)
