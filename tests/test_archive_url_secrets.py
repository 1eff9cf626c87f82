"""Credentials in archive URLs (``user:pass@``, ``?token=``, pre-signed signatures) reach nothing
spendrecon writes or shows: output, errors, the archive store, Prefect's database and result files.

The end-to-end tests run the real CLI with the real Prefect flow in a subprocess whose working
directory is tmp_path, so Prefect's home (data/prefect: its stored results) is under tmp_path too
and is searched with everything else; so is the database of the session's Prefect server, which
the subprocess uses.
"""
from __future__ import annotations

import base64
import os
import pickle
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest

from archive_testkit import LocalServer, full_name, make_zip, txn
from connectors.archive_download import DownloadError, download, mask_url_in, safe_url
from secret_scan import leaks, leaks_in_file, leaks_under

# Distinct markers, so that finding one anywhere can only mean a leak.
USER = "rcvUSERx7q"
PASSWORD = "pwSECRET3141"
TOKEN = "SECRETtok9265"
SECRETS = (USER, PASSWORD, TOKEN)


# --- safe_url -------------------------------------------------------------------------------------


def test_userinfo_is_masked_user_name_included() -> None:
    assert safe_url(f"https://{USER}:{PASSWORD}@files.example.org:8443/a/F.zip") == \
        "https://***:***@files.example.org:8443/a/F.zip"
    # A user name alone is usually a token in that place (https://<token>@host).
    assert safe_url(f"https://{TOKEN}@files.example.org/F.zip") == "https://***@files.example.org/F.zip"


def test_every_query_value_is_masked_and_the_names_kept() -> None:
    url = f"https://h.example/F.zip?token={TOKEN}&api_key=k-{TOKEN}&page=2&flag&empty="
    assert safe_url(url) == "https://h.example/F.zip?token=***&api_key=***&page=***&***&empty=***"


def test_a_presigned_s3_url_keeps_its_parameter_names_only() -> None:
    url = ("https://bucket.s3.us-east-1.amazonaws.com/archive/FY2023_All_Assistance_Full_20240415.zip"
           "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20240415%2Fus-east-1%2Fs3%2Faws4_request"
           "&X-Amz-Date=20240415T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
           f"&X-Amz-Signature={TOKEN}abcdef0123456789")
    shown = safe_url(url)
    assert shown == ("https://bucket.s3.us-east-1.amazonaws.com/archive/FY2023_All_Assistance_Full_20240415.zip"
                     "?X-Amz-Algorithm=***&X-Amz-Credential=***&X-Amz-Date=***&X-Amz-Expires=***"
                     "&X-Amz-SignedHeaders=***&X-Amz-Signature=***")
    assert "AKIAEXAMPLE" not in shown


def test_the_fragment_is_dropped() -> None:
    assert safe_url(f"https://h.example/F.zip#{TOKEN}") == "https://h.example/F.zip"


@pytest.mark.parametrize("source", [
    "https://files.usaspending.gov/award_data_archive/FY2023_All_Assistance_Full_20251206.zip",
    "http://127.0.0.1:8765/FY%28All%29_All_Assistance_Delta_20251206.zip",
    "/data/archive/FY2023_All_Assistance_Full_20251206.zip",
    "FY(All)_All_Assistance_Delta_20251206.zip",
    "~/downloads/what?.zip",  # a "?" in a file name is not a query
    r"C:\archive\FY2023_All_Assistance_Full_20251206.zip",
])
def test_a_url_without_credentials_and_a_path_are_unchanged(source: str) -> None:
    assert safe_url(source) == source


def test_other_schemes_are_masked_too() -> None:
    # Not downloadable, so reported back as "no such file": that message must not leak either.
    assert safe_url(f"ftp://{USER}:{PASSWORD}@h.example/F.zip?{TOKEN}") == "ftp://***:***@h.example/F.zip?***"


def test_error_text_quoting_the_url_or_its_parts_is_masked() -> None:
    url = f"https://{USER}:{PASSWORD}@h.example/F.zip?token={TOKEN}"
    text = mask_url_in(f"cannot reach {url}; user {USER}, token {TOKEN}", url)
    assert not any(s in text for s in SECRETS), text
    assert "https://***:***@h.example/F.zip?token=***" in text
    assert mask_url_in("/data/what?x=1234: bad zip", "/data/what?x=1234") == "/data/what?x=1234: bad zip"


def test_a_download_error_names_the_url_without_its_secrets(tmp_path: Path, served: _Server) -> None:
    url = f"http://{USER}:{PASSWORD}@127.0.0.1:{served.port}/{full_name(2023, '20240415')}?token={TOKEN}"
    with pytest.raises(DownloadError) as caught:
        download(url, tmp_path / "downloads", attempts=1)
    assert "HTTP 404" in str(caught.value)
    assert not any(s in str(caught.value) for s in SECRETS), str(caught.value)


# --- a server and a search for the secrets --------------------------------------------------------


class _Server(LocalServer):
    """Serves the files of a folder; 404 for the rest. Ignores the query string when finding a file,
    but answers 403 unless the request carried the credentials: a download that succeeds proves the
    real URL was used in the flow, not the masked one Prefect records."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                server.requests.append(parts.path)
                path = server.folder / parts.path.lstrip("/")
                if not path.is_file():
                    self.send_error(404)
                    return
                auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                if f"token={TOKEN}" not in parts.query or self.headers.get("Authorization") != f"Basic {auth}":
                    self.send_error(403)
                    return
                data = path.read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        super().__init__(Handler)


@pytest.fixture
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Server]:
    # Outside tmp_path: the served folder is not part of what the run wrote.
    with _Server(tmp_path_factory.mktemp("served")) as server:
        yield server


def _leaks(text: bytes | str) -> set[str]:
    return leaks(text, SECRETS)


def _leaks_under(root: Path) -> dict[str, set[str]]:
    return leaks_under(root, SECRETS)


def test_the_search_finds_a_secret_in_a_pickle_and_in_both_databases(tmp_path: Path) -> None:
    """The negative checks below mean something only if the search can see where secrets would hide."""
    (tmp_path / "result").write_bytes(base64.b64encode(pickle.dumps({"error": f"x {TOKEN}"})))
    sq = sqlite3.connect(tmp_path / "prefect.db")
    sq.execute("CREATE TABLE t (v TEXT)")
    sq.execute("INSERT INTO t VALUES (?)", (PASSWORD,))
    sq.commit()
    sq.close()
    dk = duckdb.connect(str(tmp_path / "store.duckdb"))
    dk.execute("CREATE SCHEMA meta; CREATE TABLE meta.t AS SELECT ? AS v FROM range(5000)", [USER])
    dk.close()
    assert _leaks_under(tmp_path) == {"result": {TOKEN}, "prefect.db": {PASSWORD}, "store.duckdb": {USER}}


# --- the real CLI with the real Prefect flow --------------------------------------------------------


def _spendrecon(cwd: Path, *args: str, prefect: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # As tests/test_end_to_end.py: no PREFECT_* from outside but the session server's address, so
    # Prefect's home is cwd/data/prefect.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SPENDRECON_", "SAM_API"))}
    return subprocess.run([sys.executable, "-m", "spendrecon.cli", *args], check=False, cwd=cwd,
                          env={**env, **prefect}, capture_output=True, text=True, timeout=600)


def _assert_no_secrets(result: subprocess.CompletedProcess[str], tmp_path: Path, prefect_database: Path) -> None:
    assert (tmp_path / "data" / "prefect").is_dir(), "Prefect's home is not where the search looks"
    assert not _leaks(result.stdout), result.stdout
    assert not _leaks(result.stderr), result.stderr
    assert _leaks_under(tmp_path) == {}
    assert leaks_in_file(prefect_database, SECRETS) == set()


def _flow_runs(database: Path) -> dict[str, str]:
    """Every flow run on the session's Prefect server: its parameters, by id."""
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return {run_id: p for run_id, p in con.execute("SELECT id, parameters FROM flow_run")}
    finally:
        con.close()


def _parameters_since(database: Path, earlier: dict[str, str]) -> list[str]:
    return [p for run_id, p in _flow_runs(database).items() if run_id not in earlier]


@pytest.mark.flow
def test_a_failed_download_leaks_no_credentials(tmp_path: Path, served: _Server, prefect_env: dict[str, str],
                                                prefect_database: Path) -> None:
    url = (f"http://{USER}:{PASSWORD}@127.0.0.1:{served.port}/{full_name(2022, '20240415')}"
           f"?token={TOKEN}&api_key={TOKEN}#{TOKEN}")
    earlier = _flow_runs(prefect_database)
    # --verbose: tracebacks too
    result = _spendrecon(tmp_path, "ingest-archive", "--verbose", url, prefect=prefect_env)

    assert result.returncode == 1, result.stdout + result.stderr
    assert served.requests == [f"/{full_name(2022, '20240415')}"]
    shown = f"http://***:***@127.0.0.1:{served.port}/{full_name(2022, '20240415')}?token=***&api_key=***"
    assert f"error: {full_name(2022, '20240415')}: {shown}: HTTP 404" in result.stderr
    assert _parameters_since(prefect_database, earlier) == [
        '{"sources": ["**********"], "config_path": null, "workers": null}']
    _assert_no_secrets(result, tmp_path, prefect_database)


@pytest.mark.flow
def test_a_download_with_credentials_loads_and_records_the_masked_url(tmp_path: Path, served: _Server,
                                                                      prefect_env: dict[str, str],
                                                                      prefect_database: Path) -> None:
    name = full_name(2023, "20240415")
    make_zip(served.folder, name, [txn("T1", "97.102", "1000.00"), txn("T2", "10.555", "25.50")])
    url = f"http://{USER}:{PASSWORD}@127.0.0.1:{served.port}/{name}?token={TOKEN}&X-Amz-Signature={TOKEN}ff"
    earlier = _flow_runs(prefect_database)
    result = _spendrecon(tmp_path, "ingest-archive", url, prefect=prefect_env)

    assert result.returncode == 0, result.stdout + result.stderr
    con = duckdb.connect(str(tmp_path / "data" / "usaspending_archive.duckdb"), read_only=True)
    try:
        recorded = con.execute("SELECT file_name, rows_loaded, source FROM meta.archive_files").fetchall()
    finally:
        con.close()
    assert recorded == [(name, 2, f"http://***:***@127.0.0.1:{served.port}/{name}?token=***&X-Amz-Signature=***")]
    assert _parameters_since(prefect_database, earlier) == [
        '{"sources": ["**********"], "config_path": null, "workers": null}']
    _assert_no_secrets(result, tmp_path, prefect_database)
