"""usaspending.mode: archive — a run ingests the configured archive files, then compares SAM.gov with
the archive's figures, loan measures included."""
import sqlite3
from decimal import Decimal

import duckdb
import pytest

from archive_testkit import delta_name, full_name, make_zip, txn
from spendrecon.config import load_settings
from spendrecon.demo.apis import ApiEmulator, Bundle
from spendrecon.demo.server import EmulatorServer
from spendrecon.demo.transport import demo_transport
from spendrecon.pipeline import plan_run
from warehouse.archive.ingest import ingest_file
from warehouse.archive.store import open_store
from warehouse.archive_load import ArchiveLoadError, load_usaspending_from_archive
from warehouse.db import connect, ensure_schema
from warehouse.scope import Scope
from test_end_to_end import SECRET, spendrecon


def test_an_archive_mode_run_compares_with_the_archive_and_explains_loans_by_face_value(run_flow, tmp_path, monkeypatch):
    monkeypatch.setenv("SAM_API_KEY", "test-key-not-secret")
    rows = [
        txn("T1", "97.102", "15000000.00", fy=2023),
        # a direct loan (type 07): no obligation, face value and subsidy cost instead
        txn("L1", "84.268", "0", fy=2023, type_code="07", face="86468401000.00", subsidy="9753635632.80",
            pragmatic="9753635632.80"),
    ]
    zip_path = make_zip(tmp_path, full_name(2023, "20240415"), rows)
    settings = load_settings(None, overrides={
        "fiscal_years": [2023], "warehouse": str(tmp_path / "w.duckdb"), "data_dir": str(tmp_path / "data"),
        "reports_dir": str(tmp_path / "reports"),
        "usaspending": {"mode": "archive", "archive_sources": [str(zip_path)]},
    }, environ={})
    run = run_flow(plan_run(settings, transport=demo_transport()))
    assert run.status == "succeeded" and run.usaspending_requests == 0

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        cmpp = con.execute("SELECT usaspending_obligations, usaspending_source, usaspending_transactions "
                           "FROM recon.program_year WHERE program_number = '97.102' AND fiscal_year = 2023").fetchone()
        loans = con.execute("SELECT sam_actual, usaspending_obligations, usaspending_loan_face_value, "
                            "usaspending_loan_subsidy_cost FROM recon.program_year "
                            "WHERE program_number = '84.268' AND fiscal_year = 2023").fetchone()
        # The bundle (a snapshot of 2024-02-15) states 84.268's FY2023 figure as an estimate; run today, its
        # actual is long due, and the estimate matches the loan face value.
        explanation = con.execute("SELECT explanation, explanation_reason FROM recon.findings "
                                  "WHERE program_number = '84.268' AND fiscal_year = 2023 "
                                  "AND rule_id = 'estimate_only'").fetchone()
    finally:
        con.close()
    assert cmpp == (Decimal("15000000.00"), "archive", 1)
    assert loans[1:] == (Decimal("9753635632.80"), Decimal("86468401000.00"), Decimal("9753635632.80"))
    assert explanation[0] == "loan_basis"
    assert "matches the loan face value on USAspending ($86,468,401,000.00)" in explanation[1]

    # A second run skips the file it already ingested (same name and checksum).
    again = run_flow(plan_run(settings, transport=demo_transport()))
    assert again.status == "succeeded"


def test_a_year_only_delta_files_touched_is_not_compared_as_if_complete(tmp_path):
    """A Delta carries only the transactions that changed; without the year's Full file its handful
    of rows would pass for the year's totals."""
    store = tmp_path / "archive.duckdb"
    con = open_store(store)
    ingest_file(con, make_zip(tmp_path / "src", full_name(2023, "20240415"), [txn("T1", "97.102", "15000000.00")]))
    ingest_file(con, make_zip(tmp_path / "src", delta_name("20240515"), [
        {**txn("T9", "97.102", "5.00", fy=2024), "correction_delete_ind": "C"}]))
    con.close()
    warehouse = connect(tmp_path / "w.duckdb")
    ensure_schema(warehouse)

    with pytest.raises(ArchiveLoadError, match=r"no Full file for FY2024 \(Delta files alone"):
        load_usaspending_from_archive(warehouse, store, "run-1", Scope((2023, 2024)))
    assert warehouse.execute("SELECT count(*) FROM staging.usaspending_program_year").fetchone() == (0,)
    # The year with its Full file (and the Delta applied on top) still serves.
    assert load_usaspending_from_archive(warehouse, store, "run-2", Scope((2023,))) == 1


@pytest.mark.flow
def test_spendrecon_run_in_archive_mode_ingests_and_compares_through_the_prefect_flows(tmp_path, prefect_env,
                                                                                     prefect_database):
    """What a scheduled run does: the CLI's `run`, the reconcile flow with its ingest-archive subflow,
    SAM.gov over HTTP, and no USAspending API request at all."""
    zip_path = make_zip(tmp_path / "files", full_name(2023, "20240415"), [
        txn("T1", "97.102", "15000000.00"), txn("T2", "97.102", "-2.50")])
    (tmp_path / "spendrecon.yaml").write_text(
        "http:\n  backoff_initial_seconds: 0.01\n"
        f"usaspending:\n  mode: archive\n  archive_sources: ['{zip_path}']\n")
    emulator = ApiEmulator(Bundle.load_demo(), api_key=SECRET)
    earlier = _flow_run_ids(prefect_database)
    with EmulatorServer(emulator) as server:
        run = spendrecon(tmp_path, "run", "--fiscal-years", "2023",
                         env={"SPENDRECON_SAM_BASE_URL": server.base_url, "SAM_API_KEY": SECRET, **prefect_env})
    assert run.returncode == 0, run.stderr[-3000:]
    assert {source for source, _path, _status in emulator.request_log} == {"sam"}

    con = duckdb.connect(str(tmp_path / "data" / "spendrecon.duckdb"), read_only=True)
    try:
        row = con.execute("SELECT usaspending_obligations, usaspending_source, usaspending_transactions "
                          "FROM recon.program_year WHERE program_number = '97.102' AND fiscal_year = 2023").fetchone()
    finally:
        con.close()
    assert row == (Decimal("14999997.50"), "archive", 2)

    # Both flows ran on Prefect (the session's server: the flow runs this run added).
    prefect_db = sqlite3.connect(f"file:{prefect_database}?mode=ro", uri=True)
    try:
        flows = {name for run_id, name in prefect_db.execute(
            "SELECT flow_run.id, flow.name FROM flow_run JOIN flow ON flow.id = flow_run.flow_id "
            "WHERE flow_run.state_type = 'COMPLETED'") if run_id not in earlier}
    finally:
        prefect_db.close()
    assert flows == {"spendrecon-reconcile", "ingest-archive"}


def _flow_run_ids(database) -> set[str]:
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return {run_id for (run_id,) in con.execute("SELECT id FROM flow_run")}
    finally:
        con.close()
