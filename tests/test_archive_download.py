"""Archive file names, and downloads from a local HTTP server (resume, reuse, skip)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote

import pytest

from archive_testkit import LocalServer, full_name, make_zip, txn
from connectors.archive_download import DownloadError, download
from connectors.records import ArchiveNameError, parse_archive_name
from spendrecon.archive_ingest import ArchiveConfig, ingest_source, ingest_sources, plan_sources
from warehouse.archive.reader import ArchiveError


def test_names_give_kind_date_and_fiscal_year() -> None:
    full = parse_archive_name("https://files.usaspending.gov/award_data_archive/FY2025_All_Assistance_Full_20251206.zip")
    assert (full.kind, full.file_date, full.fiscal_year) == ("full", date(2025, 12, 6), 2025)
    delta = parse_archive_name("/data/FY(All)_All_Assistance_Delta_20251206.zip")
    assert (delta.kind, delta.file_date, delta.fiscal_year) == ("delta", date(2025, 12, 6), None)
    assert parse_archive_name("FY%28All%29_All_Assistance_Delta_20251206.zip").kind == "delta"  # URL-encoded in links


@pytest.mark.parametrize(("name", "why"), [
    ("FY2025_All_Contracts_Full_20251206.zip", "is not an Award Data Archive assistance file name"),
    ("FY2025_012_Assistance_Full_20251206.zip", r"per-agency files \(012\) are not supported"),
    ("FY(All)_All_Assistance_Full_20251206.zip", r"Full files are per fiscal year and Delta files are FY\(All\)"),
    ("FY2025_All_Assistance_Delta_20251206.zip", r"Full files are per fiscal year and Delta files are FY\(All\)"),
    ("FY2025_All_Assistance_Full_20251306.zip", "20251306 is not a date"),
    ("notes.zip", "'notes.zip' is not an Award Data Archive assistance file name"),
])
def test_other_names_are_refused(name: str, why: str) -> None:
    with pytest.raises(ArchiveNameError, match=why):
        parse_archive_name(name)


def test_a_bad_name_fails_the_plan_before_anything_loads() -> None:
    with pytest.raises(ArchiveNameError, match="notes.zip"):
        plan_sources([full_name(2023, "20240115"), "notes.zip"])


# --- downloads ------------------------------------------------------------------------------------


class _Server(LocalServer):
    """Serves files with Range and If-Range support; can cut the first response short."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.requests: list[dict[str, str | None]] = []
        self.cut_first_after: int | None = None
        self.send_length = True  # False: no Content-Length, the body ends when the connection closes
        self.ranges = True  # False: Range is ignored, every answer is the whole file from byte 0
        self.cut_every_after: int | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                server.requests.append({"path": self.path, "range": self.headers.get("Range"),
                                        "if_range": self.headers.get("If-Range")})
                path = server.folder / unquote(self.path.lstrip("/"))
                if not path.is_file():
                    self.send_error(404)
                    return
                data = path.read_bytes()
                etag = f'"{len(data)}"'
                start = 0
                rng = self.headers.get("Range")
                if rng and server.ranges and self.headers.get("If-Range") in (None, etag):
                    start = int(rng.split("=")[1].split("-")[0])
                if start >= len(data) and rng:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.end_headers()
                    return
                self.send_response(206 if start else 200)
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                if server.send_length:
                    self.send_header("Content-Length", str(len(data) - start))
                self.send_header("ETag", etag)
                self.end_headers()
                body = data[start:]
                if server.cut_every_after is not None:
                    body = body[: server.cut_every_after]
                if server.cut_first_after is not None:
                    body, server.cut_first_after = body[: server.cut_first_after], None
                    self.wfile.write(body)
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        super().__init__(Handler)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[_Server]:
    with _Server(tmp_path / "served") as server:
        yield server


def _archive(folder: Path, rows: int = 2000) -> Path:
    return make_zip(folder, full_name(2023, "20240115"), [txn(f"K_{i}", amount=f"{i}.25") for i in range(rows)])


def test_an_interrupted_download_resumes_with_a_range_request(tmp_path: Path, served: _Server) -> None:
    source = _archive(served.folder)
    served.cut_first_after = 5000
    path = download(f"{served.url}/{source.name}", tmp_path / "downloads", backoff_seconds=0)
    assert path.read_bytes() == source.read_bytes()
    assert [r["range"] for r in served.requests] == [None, "bytes=5000-"]
    assert served.requests[1]["if_range"] == f'"{source.stat().st_size}"'
    assert not list((tmp_path / "downloads").glob("*.part*"))


def test_a_changed_file_is_fetched_again_not_spliced(tmp_path: Path, served: _Server) -> None:
    source = _archive(served.folder)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    (downloads / (source.name + ".part")).write_bytes(b"stale bytes of an older copy")
    (downloads / (source.name + ".part.json")).write_text('{"validator": "\\"1\\""}')
    path = download(f"{served.url}/{source.name}", downloads, backoff_seconds=0)
    assert path.read_bytes() == source.read_bytes()


def test_progress_is_reported(tmp_path: Path, served: _Server) -> None:
    source = _archive(served.folder)
    seen: list[tuple[int, int | None]] = []
    download(f"{served.url}/{source.name}", tmp_path / "d", progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (source.stat().st_size, source.stat().st_size)


def test_a_url_is_downloaded_once_and_skipped_when_already_ingested(tmp_path: Path, served: _Server) -> None:
    source = _archive(served.folder, rows=10)
    cfg = ArchiveConfig(store=tmp_path / "store.duckdb", download_dir=tmp_path / "downloads")
    url = f"{served.url}/{source.name}"
    first = ingest_source(url, cfg)
    assert first.status == "loaded" and first.rows_loaded == 10
    again = ingest_source(url, cfg)
    assert again.status == "skipped"
    assert len(served.requests) == 1  # the complete download was reused, then recognised by checksum


def test_a_missing_url_fails_with_the_status_and_stops_the_rest(tmp_path: Path, served: _Server) -> None:
    cfg = ArchiveConfig(store=tmp_path / "store.duckdb", download_dir=tmp_path / "downloads")
    later = make_zip(tmp_path, full_name(2024, "20240115"), [txn("A_1", fy=2024)])
    outcome = ingest_sources([f"{served.url}/{full_name(2023, '20240115')}", str(later)], cfg)
    assert outcome.failed == full_name(2023, "20240115") and "HTTP 404" in (outcome.error or "")
    assert outcome.not_attempted == [later.name] and outcome.results == []


# --- where a download is written ------------------------------------------------------------------


@pytest.mark.parametrize("segment", [
    "..%2F..%2Fescaped%2FFY2023_All_Assistance_Full_20240108.zip",  # a relative path, encoded
    "%2Ftmp%2Fabsolute%2FFY2023_All_Assistance_Full_20240108.zip",  # an absolute path, encoded
    "..%5CFY2023_All_Assistance_Full_20240108.zip",  # a Windows separator
    "FY2023_All_Assistance_Full_20240108.zip%0A",  # a trailing newline
    "..",
    "notes.zip",
])
def test_a_url_whose_name_is_not_a_plain_archive_name_is_refused(tmp_path: Path, segment: str) -> None:
    downloads = tmp_path / "a" / "b" / "downloads"
    url = f"https://user:secret-pass@127.0.0.1:9/x/{segment}?token=hunter22"
    with pytest.raises(ArchiveNameError) as exc:
        download(url, downloads, attempts=1)
    message = str(exc.value)
    assert "https://***:***@127.0.0.1:9/x/" in message and "token=***" in message  # the URL, masked
    assert "secret-pass" not in message and "hunter22" not in message
    assert not any(p.is_file() for p in tmp_path.rglob("*"))  # nothing written anywhere
    with pytest.raises(ArchiveNameError, match=r"https://\*\*\*:\*\*\*@127\.0\.0\.1:9/x/") as planned:
        plan_sources([url])  # and a run fails before anything loads
    assert str(planned.value) == message


def test_a_plain_name_is_saved_in_the_download_folder(tmp_path: Path, served: _Server) -> None:
    source = make_zip(served.folder, "FY(All)_All_Assistance_Delta_20240115.zip", [txn("K_1")])
    path = download(f"{served.url}/FY%28All%29_All_Assistance_Delta_20240115.zip", tmp_path / "d")
    assert path == tmp_path / "d" / source.name and path.read_bytes() == source.read_bytes()


# --- a download is whole before it is kept ---------------------------------------------------------


def test_a_body_cut_off_without_a_length_is_resumed_not_kept(tmp_path: Path, served: _Server) -> None:
    source = _archive(served.folder)
    served.send_length = False
    served.cut_first_after = 5000  # looks like a complete response: no length to compare with
    path = download(f"{served.url}/{source.name}", tmp_path / "downloads", backoff_seconds=0)
    assert path.read_bytes() == source.read_bytes()
    assert [r["range"] for r in served.requests] == [None, "bytes=5000-"]


def test_a_body_always_cut_off_is_never_renamed_into_place(tmp_path: Path, served: _Server) -> None:
    source = _archive(served.folder)
    served.send_length, served.ranges, served.cut_every_after = False, False, 5000
    downloads = tmp_path / "downloads"
    with pytest.raises(DownloadError, match="not a whole zip"):
        download(f"{served.url}/{source.name}", downloads, attempts=2, backoff_seconds=0)
    assert not (downloads / source.name).exists()
    assert (downloads / (source.name + ".part")).exists()  # kept, for the next run to resume


def test_a_cut_off_file_kept_by_an_earlier_run_is_fetched_again(tmp_path: Path, served: _Server) -> None:
    source = _archive(served.folder)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    (downloads / source.name).write_bytes(source.read_bytes()[:5000])
    path = download(f"{served.url}/{source.name}", downloads, backoff_seconds=0)
    assert path.read_bytes() == source.read_bytes()
    assert len(served.requests) == 1
    assert download(f"{served.url}/{source.name}", downloads) == path and len(served.requests) == 1  # now reused


def test_a_whole_length_that_is_not_a_zip_is_fetched_again_from_the_start(tmp_path: Path, served: _Server) -> None:
    source = _archive(served.folder)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    good = source.read_bytes()
    # A stale part of the right length (the server's 416 says "whole") but wrong bytes.
    (downloads / (source.name + ".part")).write_bytes(b"x" * len(good))
    path = download(f"{served.url}/{source.name}", downloads, backoff_seconds=0)
    assert path.read_bytes() == good
    assert [r["range"] for r in served.requests] == [f"bytes={len(good)}-", None]


def test_a_download_with_a_bad_crc_is_removed_so_the_next_run_fetches_it_again(tmp_path: Path, served: _Server) -> None:
    """The directory checks out, so the download is kept; the CRC-32 only fails once ingest inflates the
    part. The damaged copy must not be reused by every later run."""
    source = _archive(served.folder, rows=10)
    good = source.read_bytes()
    at = good.rindex(b"PK\x01\x02") + 16  # the central directory's CRC-32 of the (only) part
    source.write_bytes(good[:at] + bytes(b ^ 0xFF for b in good[at:at + 4]) + good[at + 4:])
    cfg = ArchiveConfig(store=tmp_path / "store.duckdb", download_dir=tmp_path / "downloads")
    url = f"{served.url}/{source.name}"
    with pytest.raises(ArchiveError, match="corrupt.*the downloaded copy was removed and the next run fetches it again"):
        ingest_source(url, cfg)
    assert not (cfg.download_dir / source.name).exists()
    source.write_bytes(good)  # the server's copy is whole again
    assert ingest_source(url, cfg).rows_loaded == 10
    assert len(served.requests) == 2


def test_a_local_file_with_a_bad_crc_is_left_alone(tmp_path: Path) -> None:
    source = _archive(tmp_path, rows=10)
    good = source.read_bytes()
    at = good.rindex(b"PK\x01\x02") + 16
    source.write_bytes(good[:at] + bytes(b ^ 0xFF for b in good[at:at + 4]) + good[at + 4:])
    cfg = ArchiveConfig(store=tmp_path / "store.duckdb", download_dir=tmp_path / "downloads")
    with pytest.raises(ArchiveError, match="corrupt") as exc:
        ingest_source(str(source), cfg)
    assert "removed" not in str(exc.value) and source.exists()
