"""The demo's Award Data Archive: generated offline, the same bytes every time, adding up to the demo
API's figures, and enough for `awards` and an archive-mode run to work on a fresh machine."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from connectors.records import parse_archive_name
from spendrecon.archive_ingest import ArchiveConfig, ingest_sources
from spendrecon.config import load_settings
from spendrecon.demo.apis import Bundle
from spendrecon.demo.archive import build_demo_archive, program_year_totals, write_demo_archive
from spendrecon.pipeline import plan_run
from archive_testkit import full_name, make_zip, txn
from warehouse.archive.ingest import ingest_file
from warehouse.archive.queries import program_years
from warehouse.archive.store import open_store
from test_end_to_end import spendrecon

YEARS = list(range(2019, 2024))


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_demo_archive(tmp_path_factory.mktemp("demo_archive"))


@pytest.fixture(scope="module")
def demo_store(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    cfg = ArchiveConfig(store=folder / "usaspending_archive.duckdb", download_dir=folder / "downloads", workers=2)
    outcome = ingest_sources([str(p) for p in demo_files], cfg)
    assert outcome.failed is None, outcome.error
    return cfg.store


def _api_figures() -> dict[tuple[str, int], Decimal]:
    bundle = Bundle.load_demo()
    return {(str(r["code"]), fy): Decimal(str(r["amount"])).quantize(Decimal("0.01"))
            for fy, rows in bundle.usaspending.items() for r in rows}


def _store_figures(store: Path) -> dict[tuple[str, int], dict]:
    con = open_store(store, read_only=True)
    try:
        return {(r["program_number"], r["fiscal_year"]): r for r in program_years(con, YEARS)}
    finally:
        con.close()


def test_a_full_file_per_demo_year_and_a_delta_named_like_the_real_archive(demo_files):
    names = [parse_archive_name(p.name) for p in demo_files]
    assert [(n.kind, n.fiscal_year) for n in names] == [("full", fy) for fy in YEARS] + [("delta", None)]
    assert all(n.file_date < names[-1].file_date for n in names[:-1])  # the Delta applies after them


def test_the_same_bytes_every_time(demo_files, tmp_path):
    again = write_demo_archive(tmp_path)
    assert [p.name for p in again] == [p.name for p in demo_files]
    for first, second in zip(demo_files, again):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_archive_totals_equal_the_demo_api_per_program_year(demo_store):
    api = _api_figures()
    store = _store_figures(demo_store)
    assert set(store) == set(api)
    wrong = {k: (store[k]["obligations"], api[k]) for k in api if store[k]["obligations"] != api[k]}
    assert not wrong, list(wrong.items())[:5]
    # 97.102: $0 in FY2022, the $15M in FY2023 (the seed case's fiscal-year shift)
    assert store[("97.102", 2022)]["obligations"] == Decimal("0.00")
    assert store[("97.102", 2023)]["obligations"] == Decimal("15000000.00")


def test_the_delta_is_needed_to_reach_those_totals(demo_files, tmp_path):
    """Without the Delta, the program-years it corrects are off: it is a real Delta, not a no-op."""
    cfg = ArchiveConfig(store=tmp_path / "full_only.duckdb", download_dir=tmp_path / "dl", workers=2)
    assert ingest_sources([str(p) for p in demo_files[:-1]], cfg).failed is None
    api = _api_figures()
    store = _store_figures(cfg.store)
    off = {k for k in api if store.get(k, {}).get("obligations") != api[k]}
    archive = build_demo_archive()
    corrected = {(t.program_number, t.fiscal_year) for t in archive.delta_changes}
    assert off == corrected and ("97.102", 2023) in off


def test_loan_programs_carry_their_sam_face_value(demo_store):
    store = _store_figures(demo_store)
    totals = program_year_totals(build_demo_archive())
    loans = {k for k, v in totals.items() if v["loan_face_value"] is not None}
    assert len(loans) > 100
    assert {k for k, r in store.items() if r["loan_face_value"] is not None} == loans
    # Federal Direct Student Loans: the SAM.gov figure (FY2023's estimate: its actual is not in yet on the
    # bundle's date) is the face value; the API counts the subsidy.
    fdsl = store[("84.268", 2023)]
    assert fdsl["loan_face_value"] == Decimal("86468401000.00")
    assert fdsl["loan_subsidy_cost"] == fdsl["obligations"] == Decimal("9753635632.80")


@pytest.mark.flow
def test_ingest_archive_demo_then_awards_shows_97_102_fy2023(tmp_path):
    ingest = spendrecon(tmp_path, "ingest-archive", "--demo", "--no-flow")
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    assert (tmp_path / "data" / "demo_archive" / "FY2023_All_Assistance_Full_20240108.zip").exists()

    awards = spendrecon(tmp_path, "awards", "--program", "97.102", "--fiscal-year", "2023", "--format", "json")
    assert awards.returncode == 0, awards.stderr
    rows = json.loads(awards.stdout, parse_float=Decimal)
    assert len(rows) >= 2 and sum(r["obligation"] for r in rows) == Decimal("15000000.00")

    typo = spendrecon(tmp_path, "awards", "--program", "97.10", "--fiscal-year", "2023")
    assert typo.returncode == 1 and typo.stdout == ""
    assert len(typo.stderr.splitlines()) == 1
    assert typo.stderr.startswith("error: the archive store holds no transactions for program 97.10 in "
                                  "FY2023; closest known: 97.102")

    # Again: the same files are recognised by checksum and skipped.
    again = spendrecon(tmp_path, "ingest-archive", "--demo", "--no-flow")
    assert again.returncode == 0 and again.stdout.count("skipped") >= 6, again.stdout


def test_ingest_archive_demo_refuses_a_store_holding_other_files(tmp_path):
    """As a demo run refuses a warehouse with live runs: demo transactions never mix with real ones."""
    store = tmp_path / "data" / "usaspending_archive.duckdb"
    con = open_store(store)
    ingest_file(con, make_zip(tmp_path / "real", full_name(2023, "20251206"), [txn("T1", "97.102", "5.00")]))
    con.close()
    result = spendrecon(tmp_path, "ingest-archive", "--demo", "--no-flow")
    assert result.returncode == 1
    assert "holds other files than the demo's (FY2023_All_Assistance_Full_20251206.zip)" in result.stderr
    assert _store_figures(store)[("97.102", 2023)]["obligations"] == Decimal("5.00")  # untouched


def test_ingest_archive_demo_takes_no_file_names(tmp_path):
    result = spendrecon(tmp_path, "ingest-archive", "--demo", "x.zip")
    assert result.returncode == 1 and "either --demo or file names" in result.stderr


def test_an_archive_mode_demo_run_matches_the_api_run_and_explains_loans_by_face_value(run_flow, demo_store, tmp_path):
    def demo_run(name: str, mode: str) -> Path:
        settings = load_settings(None, overrides={
            "fiscal_years": YEARS, "warehouse": str(tmp_path / f"{name}.duckdb"), "data_dir": str(tmp_path / name),
            "reports_dir": str(tmp_path / f"{name}-reports"),
            "usaspending": {"mode": mode, "archive_store": str(demo_store)},
        }, environ={})
        run = run_flow(plan_run(settings, demo=True))
        assert run.status == "succeeded" and (run.usaspending_requests == 0) == (mode == "archive")
        return settings.warehouse_path

    api, archive = demo_run("api_mode", "api"), demo_run("archive_mode", "archive")
    query = ("SELECT program_number, fiscal_year, sam_actual, usaspending_obligations FROM recon.program_year "
             "ORDER BY ALL")
    findings = "SELECT program_number, fiscal_year, rule_id FROM recon.findings ORDER BY ALL"
    with duckdb.connect(str(api), read_only=True) as a, duckdb.connect(str(archive), read_only=True) as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()
        assert a.execute(findings).fetchall() == b.execute(findings).fetchall()
        assert len(b.execute(findings).fetchall()) == 5008
        face = b.execute("SELECT program_number, fiscal_year, reason FROM recon.finding_explanations "
                         "WHERE explanation = 'loan_basis' AND reason LIKE '%matches the loan face value%'").fetchall()
        fdsl = b.execute("SELECT explanation, explanation_reason FROM recon.findings "
                         "WHERE program_number = '84.268' AND fiscal_year = 2022").fetchone()
        # FY2023 waits for its SAM.gov actual (pending, decisive); the face value fits its estimate all the same.
        waiting = b.execute("SELECT list(DISTINCT explanation ORDER BY explanation) FROM recon.finding_explanations "
                            "WHERE program_number = '84.268' AND fiscal_year = 2023 AND rule_id = 'estimate_only'"
                            ).fetchone()
        api_face = a.execute("SELECT count(*) FROM recon.finding_explanations "
                             "WHERE reason LIKE '%matches the loan face value%'").fetchone()
    assert len(face) > 100 and api_face == (0,)
    assert fdsl[0] == "loan_basis"
    assert "The SAM.gov figure $89,142,682,000.00 matches the loan face value on USAspending" in fdsl[1]
    assert waiting == (["loan_basis", "sam_actual_not_yet_due"],)
