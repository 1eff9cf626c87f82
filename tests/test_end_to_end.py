"""The whole product path, as a user runs it: the `spendrecon` CLI, the real Prefect flow (on the test
session's Prefect server), real HTTP against a server on 127.0.0.1, and the real DuckDB file."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from secret_scan import leaks, leaks_in_file, leaks_under
from spendrecon.demo.apis import ApiEmulator, Bundle, FaultPlan
from spendrecon.demo.server import EmulatorServer

pytestmark = pytest.mark.flow

SECRET = "sk-test-5b1d9c0e7f"  # must never reach a log, report, exception or the DuckDB file
YEARS = range(2019, 2024)


def spendrecon(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SPENDRECON_", "SAM_API"))}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "spendrecon.cli", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=600)


def program_years(warehouse: Path) -> dict[tuple[str, int], tuple[Any, Any, Any]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("SELECT program_number, fiscal_year, sam_estimate, sam_actual, usaspending_obligations "
                           "FROM recon.program_year").fetchall()
    finally:
        con.close()
    return {(p, fy): (e, a, u) for p, fy, e, a, u in rows}


def expected_figures(bundle: Bundle) -> dict[tuple[str, int], tuple[Any, Any, Any]]:
    """The server's figures computed straight from its data, independently of the connectors."""
    sam: dict[tuple[str, int], list[Decimal | None]] = defaultdict(lambda: [None, None])
    for listing in bundle.sam_listings:
        low = {k.lower(): v for k, v in listing.items()}
        program = low["assistancelistingid"]
        fin = {k.lower(): v for k, v in (low.get("financialinformation") or {}).items()}
        for obligation in fin.get("obligations") or []:
            ob = {k.lower(): v for k, v in obligation.items()}
            values = ob.get("values") or []
            if isinstance(values, dict):
                values = [{"year": y, **v} for y, v in values.items()]
            for value in values:
                v = {k.lower(): x for k, x in value.items()}
                fy = int(v["year"])
                if fy not in YEARS:
                    continue
                cell = sam[(program, fy)]
                for i, key in ((0, "estimate"), (1, "actual")):
                    amount = _money(v.get(key))
                    if amount is not None:
                        cell[i] = amount if cell[i] is None else cell[i] + amount
    usas = {(r["code"], fy): _money(r["amount"]) for fy, rows in bundle.usaspending.items() if fy in YEARS
            for r in rows}
    keys = set(sam) | set(usas)
    return {k: (sam.get(k, [None, None])[0], sam.get(k, [None, None])[1], usas.get(k)) for k in keys}


def _money(v: Any) -> Decimal | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    return Decimal(str(v).replace("$", "").replace(",", "").strip()).quantize(Decimal("0.01"))


def test_demo_run_then_findings_show_the_seed_case(tmp_path, prefect_env, prefect_database):
    run = spendrecon(tmp_path, "run", "--demo", env=prefect_env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "succeeded" in run.stdout and "actual_not_in_usaspending" in run.stdout
    assert (tmp_path / "data" / "spendrecon.duckdb").exists()
    latest = tmp_path / "reports" / "latest"
    for name in ("summary.md", "findings.csv", "report.html"):
        assert (latest / name).exists()

    found = spendrecon(tmp_path, "findings", "--program", "97.102", "--format", "json")
    assert found.returncode == 0, found.stderr
    findings = json.loads(found.stdout, parse_float=Decimal)
    seed = [f for f in findings if f["fiscal_year"] == 2022 and f["rule_id"] == "actual_not_in_usaspending"]
    assert len(seed) == 1
    assert seed[0]["sam_amount"] == Decimal("15000000")
    assert seed[0]["usaspending_amount"] == Decimal("0")
    assert seed[0]["status"] == "new"

    again = spendrecon(tmp_path, "run", "--demo", env=prefect_env)
    assert again.returncode == 0, again.stderr[-3000:]
    refound = json.loads(spendrecon(tmp_path, "findings", "--program", "97.102", "--format", "json").stdout)
    seed2 = [f for f in refound if f["fiscal_year"] == 2022 and f["rule_id"] == "actual_not_in_usaspending"][0]
    assert seed2["status"] == "open" and seed2["first_seen_run_id"] == seed[0]["first_seen_run_id"]


class _BrokenFiscalYear(ApiEmulator):
    """Answers USAspending FY2023 with a body that is not JSON, after everything else went well."""

    def handle(self, method, path, query=None, body=None):  # type: ignore[no-untyped-def]
        if body and b'"2022-10-01"' in body:
            return 200, {"Content-Type": "application/json"}, b"<html>upstream proxy error</html>"
        return super().handle(method, path, query, body)


def test_live_run_against_a_local_server_reproduces_its_figures_through_faults(tmp_path, prefect_env,
                                                                               prefect_database):
    bundle = Bundle.load_demo()
    faults = FaultPlan(fail_first={"sam": [429, 503], "usaspending": [503, 429]},
                       every_nth={"usaspending": (7, 503)}, retry_after="0")
    emulator = ApiEmulator(bundle, faults=faults, api_key=SECRET)
    with EmulatorServer(emulator) as server:
        env = {"SPENDRECON_SAM_BASE_URL": server.base_url, "SPENDRECON_USASPENDING_BASE_URL": server.base_url,
               "SAM_API_KEY": SECRET, **prefect_env}
        (tmp_path / "spendrecon.yaml").write_text("http:\n  backoff_initial_seconds: 0.01\n  backoff_max_seconds: 0.05\n")
        run = spendrecon(tmp_path, "run", "--fiscal-years", "2019-2023", env=env)
        assert run.returncode == 0, run.stderr[-3000:]

    warehouse = tmp_path / "data" / "spendrecon.duckdb"
    assert program_years(warehouse) == expected_figures(bundle)

    # Close to the minimum: one request per page, plus one per injected fault.
    statuses = defaultdict(list)
    for source, _path, status in emulator.request_log:
        statuses[source].append(status)
    sam_pages = math.ceil(len(bundle.sam_listings) / 100)
    usas_pages = sum(max(1, math.ceil(len(bundle.usaspending.get(fy, [])) / 100)) for fy in YEARS)
    assert statuses["sam"].count(200) == sam_pages and len(statuses["sam"]) == sam_pages + 2
    assert statuses["usaspending"].count(200) == usas_pages
    con = duckdb.connect(str(warehouse), read_only=True)
    recorded = con.execute("SELECT status, sam_requests, usaspending_requests FROM meta.runs").fetchall()
    con.close()
    assert recorded == [("succeeded", len(statuses["sam"]), len(statuses["usaspending"]))]

    _the_secret_is_nowhere(tmp_path, run, prefect_database=prefect_database)


def test_a_run_failing_midway_leaves_the_previous_warehouse_intact(tmp_path, prefect_env, prefect_database):
    bundle = Bundle.load_demo()
    with EmulatorServer(ApiEmulator(bundle, api_key=SECRET)) as good:
        env = {"SPENDRECON_SAM_BASE_URL": good.base_url, "SPENDRECON_USASPENDING_BASE_URL": good.base_url,
               "SAM_API_KEY": SECRET, **prefect_env}
        first = spendrecon(tmp_path, "run", "--fiscal-years", "2019-2023", env=env)
        assert first.returncode == 0, first.stderr[-3000:]
    warehouse = tmp_path / "data" / "spendrecon.duckdb"
    con = duckdb.connect(str(warehouse), read_only=True)
    before = con.execute("SELECT * FROM recon.findings ORDER BY ALL").fetchall()
    figures_before = con.execute("SELECT * FROM recon.program_year ORDER BY ALL").fetchall()
    con.close()

    with EmulatorServer(_BrokenFiscalYear(bundle, api_key=SECRET)) as broken:
        env.update(SPENDRECON_SAM_BASE_URL=broken.base_url, SPENDRECON_USASPENDING_BASE_URL=broken.base_url)
        second = spendrecon(tmp_path, "run", "--fiscal-years", "2019-2023", env=env)
    assert second.returncode == 1
    errors = [line for line in second.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "usaspending" in errors[0].lower() and "2023" in errors[0]
    assert "Traceback" not in second.stderr

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT * FROM recon.findings ORDER BY ALL").fetchall() == before
        assert con.execute("SELECT * FROM recon.program_year ORDER BY ALL").fetchall() == figures_before
        runs = con.execute("SELECT status, error FROM meta.runs ORDER BY started_at").fetchall()
    finally:
        con.close()
    assert [r[0] for r in runs] == ["succeeded", "failed"]
    assert "2023" in runs[1][1]
    _the_secret_is_nowhere(tmp_path, second, prefect_database=prefect_database)


# The real CLI, with publish() told to fail once the load is done: SAM.gov's side breaks with the key in
# the error text, after raw pages, staging and carry-forward were written into the building copy.
_FAIL_AFTER_LOAD = """
import functools, runpy, sys
import spendrecon.pipeline as pipeline

def boom():
    raise RuntimeError("SAM.gov connection reset reading https://api.sam.gov/assistance-listings/v1/search"
                       "?api_key=%s&pageNumber=3")

pipeline.publish = functools.partial(pipeline.publish, fail_after_load=boom)
sys.argv = ["spendrecon", *sys.argv[1:]]
runpy.run_module("spendrecon.cli", run_name="__main__")
"""


def test_a_run_failing_after_the_load_leaves_the_previous_warehouse_intact(tmp_path, prefect_env, prefect_database):
    bundle = Bundle.load_demo()
    with EmulatorServer(ApiEmulator(bundle, api_key=SECRET)) as good:
        env = {"SPENDRECON_SAM_BASE_URL": good.base_url, "SPENDRECON_USASPENDING_BASE_URL": good.base_url,
               "SAM_API_KEY": SECRET, **prefect_env}
        first = spendrecon(tmp_path, "run", "--fiscal-years", "2019-2023", env=env)
        assert first.returncode == 0, first.stderr[-3000:]
        warehouse = tmp_path / "data" / "spendrecon.duckdb"
        con = duckdb.connect(str(warehouse), read_only=True)
        tables = ("recon.findings", "recon.program_year", "staging.sam_obligations",
                  "staging.usaspending_program_year", "raw.sam_pages", "raw.usaspending_pages")
        before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
        con.close()

        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SPENDRECON_", "SAM_API"))}
        second = subprocess.run([sys.executable, "-c", _FAIL_AFTER_LOAD % SECRET, "run", "--fiscal-years",
                                 "2019-2023"], cwd=tmp_path, env={**full_env, **env}, capture_output=True,
                                text=True, timeout=600)
    assert second.returncode == 1, second.stderr[-3000:]
    errors = [line for line in second.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "SAM.gov connection reset" in errors[0] and "pageNumber=3" in errors[0], errors
    assert "Traceback" not in second.stderr

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        runs = con.execute("SELECT status, error, run_id FROM meta.runs ORDER BY started_at").fetchall()
        earlier = "WHERE run_id = $first" if before else ""
        for table, rows in before.items():
            where = earlier if table.startswith("raw.") else ""
            assert con.execute(f"SELECT * FROM {table} {where} ORDER BY ALL",
                               {"first": runs[0][2]} if where else None).fetchall() == rows, table
        # What the sources answered before the failure is kept, in raw only (issue 18's "what was fetched").
        kept = {t: con.execute(f"SELECT count(*) FROM {t} WHERE run_id = $r", {"r": runs[1][2]}).fetchall()[0][0]
                for t in ("raw.sam_pages", "raw.usaspending_pages")}
    finally:
        con.close()
    assert kept == {t: len(rows) for t, rows in before.items() if t.startswith("raw.")}
    assert [r[0] for r in runs] == ["succeeded", "failed"]
    assert runs[0][1] is None
    assert runs[1][1].startswith("RuntimeError: SAM.gov connection reset reading https://api.sam.gov/")
    assert "pageNumber=3" in runs[1][1] and SECRET not in runs[1][1]
    _the_secret_is_nowhere(tmp_path, second, prefect_database=prefect_database)


def _the_secret_is_nowhere(root: Path, *runs: subprocess.CompletedProcess[str], prefect_database: Path) -> None:
    """Not in the output, nor in any file under ``root`` or row of its DuckDB and SQLite files (base64
    decoded too), nor in the Prefect server's database."""
    for r in runs:
        assert not leaks(r.stdout, [SECRET]) and not leaks(r.stderr, [SECRET])
    assert leaks_under(root, [SECRET]) == {}, "the API key leaked"
    assert leaks_in_file(prefect_database, [SECRET]) == set(), "the API key leaked into Prefect's database"
