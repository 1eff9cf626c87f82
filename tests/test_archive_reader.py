"""The zip member feeder: deflated parts are inflated from their raw stream (ISA-L, or zlib when the
``isal`` package is missing) and checked as zipfile would check them: CRC-32, size, complete stream."""
from __future__ import annotations

import random
import warnings
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

import warehouse.archive.reader as reader
from warehouse.archive.reader import ArchiveError, PartFeed, read_archive

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


class _CountingInflater:
    """The inflater module in use, counting every byte its decompressors produce."""

    def __init__(self, module: object) -> None:
        self.module, self.produced = module, 0
        self.error, self.crc32 = module.error, module.crc32  # type: ignore[attr-defined]

    def decompressobj(self, wbits: int) -> object:
        inner, outer = self.module.decompressobj(wbits), self  # type: ignore[attr-defined]

        class Counted:
            @property
            def eof(self) -> bool:
                return bool(inner.eof)

            @property
            def unconsumed_tail(self) -> bytes:
                return bytes(inner.unconsumed_tail)

            def decompress(self, data: bytes, max_length: int = 0) -> bytes:
                out = inner.decompress(data, max_length)
                outer.produced += len(out)
                return bytes(out)

            def flush(self) -> bytes:
                out = inner.flush()
                outer.produced += len(out)
                return bytes(out)

        return Counted()


def test_a_member_inflating_past_its_declared_size_is_stopped_at_once(tmp_path: Path, inflater: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A zip bomb: 64 MB of one repeated line, deflated to ~60 KB, declaring 1,000,000 bytes."""
    line = b"K0000001,97.102,100.00\n"
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = line * ((1 << 20) // len(line))
    deflated = b"".join(c.compress(chunk) for _ in range(64)) + c.flush()
    declared = 1_000_000
    path = _raw_zip(tmp_path / "bomb.zip", "bomb_1.csv", deflated, crc=0, size=declared)
    counting = _CountingInflater(reader._inflater)
    monkeypatch.setattr(reader, "_inflater", counting)
    emitted: list[int] = []
    contents = read_archive(path)
    with pytest.raises(ArchiveError, match=r"bomb\.zip: part bomb_1\.csv .*inflates past the 1,000,000 bytes"):
        with PartFeed(path, contents.parts, tmp_path / "feed", "extract", on_bytes=emitted.append):
            pass
    assert sum(emitted) <= declared  # nothing past the declared size reached the reader
    assert counting.produced <= declared + 1  # and inflation stopped one byte past it, not at 64 MB


def test_two_members_with_one_name_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "FY2023_All_Assistance_Full_20240115.zip"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is asked to write
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("FY2023_All_Assistance_Full_20240115_1.csv", _csv(10, seed=1))
            zf.writestr("FY2023_All_Assistance_Full_20240115_1.csv", _csv(10, seed=2))
    with pytest.raises(ArchiveError, match=r"FY2023_All_Assistance_Full_20240115\.zip: holds more than one member "
                                           r"named 'FY2023_All_Assistance_Full_20240115_1\.csv'"):
        read_archive(path)
