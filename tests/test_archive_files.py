"""Archive file names, and downloads from a local HTTP server (resume, reuse, skip)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from archive_testkit import LocalServer, full_name, make_zip, txn
from connectors.archive_files import ArchiveNameError, download, parse_archive_name
from spendrecon.archive_ingest import ArchiveConfig, ingest_source, ingest_sources, plan_sources


def test_names_give_kind_date_and_fiscal_year() -> None:
    full = parse_archive_name("https://files.usaspending.gov/award_data_archive/FY2025_All_Assistance_Full_20251206.zip")
    assert (full.kind, full.file_date, full.fiscal_year) == ("full", date(2025, 12, 6), 2025)
    delta = parse_archive_name("/data/FY(All)_All_Assistance_Delta_20251206.zip")
    assert (delta.kind, delta.file_date, delta.fiscal_year) == ("delta", date(2025, 12, 6), None)
    assert parse_archive_name("FY%28All%29_All_Assistance_Delta_20251206.zip").kind == "delta"  # URL-encoded in links


@pytest.mark.parametrize("name", [
    "FY2025_All_Contracts_Full_20251206.zip", "FY2025_012_Assistance_Full_20251206.zip",
    "FY(All)_All_Assistance_Full_20251206.zip", "FY2025_All_Assistance_Delta_20251206.zip",
    "FY2025_All_Assistance_Full_20251306.zip", "notes.zip",
])
def test_other_names_are_refused(name: str) -> None:
    with pytest.raises(ArchiveNameError):
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
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                server.requests.append({"path": self.path, "range": self.headers.get("Range"),
                                        "if_range": self.headers.get("If-Range")})
                path = server.folder / self.path.lstrip("/")
                if not path.is_file():
                    self.send_error(404)
                    return
                data = path.read_bytes()
                etag = f'"{len(data)}"'
                start = 0
                rng = self.headers.get("Range")
                if rng and self.headers.get("If-Range") in (None, etag):
                    start = int(rng.split("=")[1].split("-")[0])
                if start >= len(data) and rng:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.end_headers()
                    return
                self.send_response(206 if start else 200)
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.send_header("Content-Length", str(len(data) - start))
                self.send_header("ETag", etag)
                self.end_headers()
                body = data[start:]
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
