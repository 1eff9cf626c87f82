"""The two SAM.gov modes over the same demo bundle: same staging tables, same reconciliation.

The official mode reads F-codes from api.sam.gov's search; the public mode reads legacy dictionary
ids from program documents. Both are run through the whole pipeline, each into its own warehouse.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from spendrecon.config import ConfigError, Settings, load_settings
from spendrecon.demo.apis import ApiEmulator, Bundle
from spendrecon.demo.transport import EmulatorTransport
from spendrecon.pipeline import RunPlan, plan_run, sam_client
from spendrecon.run_errors import RunError
from warehouse.runs import RunRecord

RunFlow = Callable[[RunPlan], RunRecord]  # conftest's run_flow fixture

YEARS = [2019, 2020, 2021, 2022, 2023]
# recon.program_year columns that carry figures or facts both modes must agree on: the assistance
# types too, read as v2 codes whichever way the source spelled them (F001 against 0003003).
FIGURES = ("program_number, fiscal_year, program_title, agency, sub_agency, sam_estimate, sam_actual, "
           "usaspending_obligations, difference, sam_listed, sam_status, sam_lines, fiscal_year_completed, "
           "sam_assistance_types")


@cache
def bundle() -> Bundle:
    return Bundle.load_demo()


def settings(tmp_path: Path, name: str, mode: str) -> Settings:
    return Settings(warehouse=str(tmp_path / f"{name}.duckdb"), reports_dir=str(tmp_path / "reports"),
                    data_dir=str(tmp_path / "data"), fiscal_years=YEARS, sam={"mode": mode},
                    base_dir=str(tmp_path))


def run(run_flow: RunFlow, s: Settings, emulator: ApiEmulator | None = None) -> RunRecord:
    return run_flow(plan_run(s, demo=True, transport=EmulatorTransport(emulator or ApiEmulator(bundle()))))


def rows(s: Settings, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(s.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


OBLIGATIONS_BY_FAMILY = (
    "SELECT program_number, fiscal_year, assistance_family, sum(sam_actual), sum(sam_estimate), count(*), "
    "count(sam_actual), count(sam_estimate) FROM staging.sam_obligations GROUP BY ALL ORDER BY ALL"
)
LISTINGS = ("SELECT program_number, program_id, title, status, department, agency, published_date "
            "FROM staging.sam_listings ORDER BY ALL")


def test_official_and_public_modes_agree_on_the_demo_bundle(run_flow: RunFlow, tmp_path: Path) -> None:
    api, public = settings(tmp_path, "api", "api"), settings(tmp_path, "public", "public")
    api_run, public_run = run(run_flow, api), run(run_flow, public)

    assert api_run.status == public_run.status == "succeeded"
    assert api_run.sam_listings == public_run.sam_listings == len(bundle().sam_listings)
    obligations = rows(api, OBLIGATIONS_BY_FAMILY)
    assert len(obligations) > 5000 and all(r[2] is not None for r in obligations)  # every line has a family
    assert rows(public, OBLIGATIONS_BY_FAMILY) == obligations
    assert rows(public, LISTINGS) == rows(api, LISTINGS)
    recon = f"SELECT {FIGURES} FROM recon.program_year ORDER BY program_number, fiscal_year"
    assert rows(public, recon) == rows(api, recon)
    assert public_run.program_years == api_run.program_years > 0
    findings = "SELECT program_number, fiscal_year, rule_id, status FROM recon.findings ORDER BY ALL"
    assert rows(public, findings) == rows(api, findings)
    # The sources spell the codes differently (F001 against 0003003): both are read as the v2 code.
    codes = "SELECT program_number, fiscal_year, assistance_type_code FROM staging.sam_obligations ORDER BY ALL"
    assert rows(public, codes) == rows(api, codes)
    assert {c for (_, _, c) in rows(api, codes)} >= {"F001", "F002"}


def test_a_second_public_run_fetches_only_the_index_and_the_dictionary(run_flow: RunFlow, tmp_path: Path) -> None:
    s = settings(tmp_path, "public", "public")
    listings = len(bundle().sam_listings)
    emulator = ApiEmulator(bundle())
    first = run(run_flow, s, emulator)
    index_requests = first.sam_requests - 1 - listings  # everything but the dictionary and the documents
    assert index_requests == 4  # 3 pages of active listings, 1 of inactive ones (1,000 a page)
    stored = "SELECT count(*), count(DISTINCT run_id) FROM raw.sam_public_documents"
    assert rows(s, stored) == [(listings, 1)]
    before = rows(s, OBLIGATIONS_BY_FAMILY)

    second = run(run_flow, s, emulator)
    assert second.sam_requests == index_requests + 1
    assert rows(s, stored) == [(listings, 1)]  # nothing fetched, nothing appended
    assert rows(s, OBLIGATIONS_BY_FAMILY) == before

    changed = sorted(x["programId"] for x in bundle().sam_listings)[:2]
    emulator.public.bump(*changed)
    third = run(run_flow, s, emulator)
    assert third.sam_requests == index_requests + 1 + 2
    assert rows(s, "SELECT program_id FROM raw.sam_public_documents WHERE run_id = "
                   f"'{third.run_id}' ORDER BY 1") == [(p,) for p in changed]
    assert rows(s, OBLIGATIONS_BY_FAMILY) == before
    details = [p for source, p, _ in emulator.request_log if source == "sam_public" and "/programs/" in p
               and not p.endswith("dictionaries")]
    assert len(details) == listings + 2


def test_public_mode_needs_no_api_key_and_sends_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAM_API_KEY", raising=False)
    with pytest.raises(RunError, match="SAM_API_KEY is not set"):
        plan_run(settings(tmp_path, "api", "api"))
    assert plan_run(settings(tmp_path, "public", "public")).run.sam_source == "https://sam.gov"

    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    plan = plan_run(settings(tmp_path, "public", "public"), transport=httpx.MockTransport(handler))
    with sam_client(plan) as client:  # no daily budget to look up or ration
        assert client.request_budget is None
        client.request_json("GET", "/api/prod/fac/v1/programs/x")
    assert str(sent[0].url) == "https://sam.gov/api/prod/fac/v1/programs/x"
    assert sent[0].headers["Accept"] == "application/hal+json, application/json"


def test_public_mode_settings_defaults_bounds_and_environment(tmp_path: Path) -> None:
    config = tmp_path / "spendrecon.yaml"
    config.write_text("sam: {mode: public}\n")
    s = load_settings(config, environ={"SPENDRECON_SAM_PUBLIC_BASE_URL": "http://127.0.0.1:9999"})
    assert (s.sam.mode, s.sam.public_base_url, s.sam.public_concurrency, s.sam.public_pace_seconds) == (
        "public", "http://127.0.0.1:9999", 4, 0.25)
    assert load_settings(config, environ={}).sam.public_base_url == "https://sam.gov"
    assert load_settings(tmp_path / "spendrecon.yaml", environ={}).sam.base_url == "https://api.sam.gov"
    for bad, key in (("mode: scrape", "sam.mode"), ("public_concurrency: 9", "sam.public_concurrency"),
                     ("public_pace_seconds: -1", "sam.public_pace_seconds")):
        config.write_text(f"sam: {{{bad}}}\n")
        with pytest.raises(ConfigError, match=key):
            load_settings(config, environ={})
