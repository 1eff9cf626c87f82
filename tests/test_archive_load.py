"""The archive store feeds the warehouse (staging.usaspending_program_year); drill-down; the CLI."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archive_testkit import full_name, make_zip, txn
from warehouse.archive.columns import FULL_COLUMNS
from warehouse.archive.ingest import ingest_file
from warehouse.archive.queries import top_transactions
from warehouse.archive.store import open_store
from warehouse.archive_load import ArchiveLoadError, load_usaspending_from_archive
from warehouse.db import connect, ensure_schema
from warehouse.scope import Scope


def _store_with_2023(tmp_path: Path) -> Path:
    path = tmp_path / "archive.duckdb"
    con = open_store(path)
    ingest_file(con, make_zip(tmp_path / "src", full_name(2023, "20240115"), [
        txn("G_1", amount="100.00", award="ASST_NON_G_7022"),
        txn("G_2", amount="-40.00", award="ASST_NON_G_7022"),
        txn("G_3", amount="5.00", award="ASST_NON_H_7022"),
        txn("L_1", program="59.012", type_code="07", amount=None, face="500000.00", subsidy="2500.00"),
        txn("O_1", program="10.001", amount="9.00"),
    ]))
    ingest_file(con, make_zip(tmp_path / "src", full_name(2022, "20240115"), [txn("X_1", amount="1.00", fy=2022)]))
    con.close()
    return path


def _warehouse(tmp_path: Path):  # type: ignore[no-untyped-def]
    con = connect(tmp_path / "warehouse.duckdb")
    ensure_schema(con)
    return con


def test_the_bridge_fills_staging_with_loan_and_count_columns(tmp_path: Path) -> None:
    store = _store_with_2023(tmp_path)
    con = _warehouse(tmp_path)
    con.execute("INSERT INTO staging.usaspending_program_year (run_id, program_number, fiscal_year, usaspending_obligations, source) "
                "VALUES ('old', '97.102', 2023, 1, 'api'), ('old', '97.102', 2021, 7, 'api')")
    n = load_usaspending_from_archive(con, store, "run-1", Scope((2023,)))
    assert n == 3
    rows = con.execute(
        "SELECT program_number, fiscal_year, program_title, usaspending_obligations, source, federal_action_obligation, "
        "loan_face_value, loan_subsidy_cost, transaction_count, award_count, run_id "
        "FROM staging.usaspending_program_year ORDER BY fiscal_year, program_number").fetchall()
    assert rows == [
        ("97.102", 2021, None, Decimal("7.00"), "api", None, None, None, None, None, "old"),  # outside the scope: kept
        ("10.001", 2023, "Program 10.001", Decimal("9.00"), "archive", Decimal("9.00"), None, None, 1, 1, "run-1"),
        ("59.012", 2023, "Program 59.012", Decimal("2500.00"), "archive", None, Decimal("500000.00"),
         Decimal("2500.00"), 1, 1, "run-1"),
        ("97.102", 2023, "Program 97.102", Decimal("65.00"), "archive", Decimal("65.00"), None, None, 3, 2, "run-1"),
    ]
    assert con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = 'archive'").fetchone() == (0,)


def test_the_bridge_honours_the_program_filter(tmp_path: Path) -> None:
    store = _store_with_2023(tmp_path)
    con = _warehouse(tmp_path)
    assert load_usaspending_from_archive(con, store, "run-1", Scope((2022, 2023), ("97.102",))) == 2


def test_the_bridge_refuses_a_missing_store_or_missing_years(tmp_path: Path) -> None:
    con = _warehouse(tmp_path)
    with pytest.raises(ArchiveLoadError, match="does not exist"):
        load_usaspending_from_archive(con, tmp_path / "nope.duckdb", "r", Scope((2023,)))
    store = _store_with_2023(tmp_path)
    with pytest.raises(ArchiveLoadError, match="no Full file for FY2019, FY2021"):
        load_usaspending_from_archive(con, store, "r", Scope((2019, 2021, 2023)))
    assert con.execute("SELECT count(*) FROM staging.usaspending_program_year").fetchone() == (0,)


def test_drill_down_lists_the_largest_transactions_first(tmp_path: Path) -> None:
    store = _store_with_2023(tmp_path)
    con = open_store(store, read_only=True)
    rows = top_transactions(con, "97.102", 2023, top=2)
    assert [(r["assistance_transaction_unique_key"], r["obligation"]) for r in rows] == [
        ("G_1", Decimal("100.00")), ("G_2", Decimal("-40.00"))]  # by size: a deobligation explains a total too
    assert rows[0]["recipient_name"] == "RECIPIENT G_1" and rows[0]["transaction_description"] == "DESCRIPTION OF G_1"
    # the award's own description beside the action's (for drill-down)
    assert rows[0]["award_description"] == "AWARD DESCRIPTION OF ASST_NON_G_7022"


def test_drill_down_shows_no_award_description_for_files_without_it(tmp_path: Path) -> None:
    # older files have no prime_award_base_transaction_description column
    con = open_store(tmp_path / "archive.duckdb")
    columns = [c for c in FULL_COLUMNS if c != "prime_award_base_transaction_description"]
    result = ingest_file(con, make_zip(tmp_path / "src", full_name(2009, "20240115"), [txn("A_1", fy=2009)],
                                       columns=columns))
    assert result.rows_loaded == 1 and result.rows_quarantined == 0
    [row] = top_transactions(con, "97.102", 2009)
    assert row["award_description"] is None and row["transaction_description"] == "DESCRIPTION OF A_1"


def _cli(tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    from spendrecon.cli import app

    config = tmp_path / "spendrecon.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    return CliRunner().invoke(app, [*args, "--config", str(config)])


def test_the_cli_ingests_without_prefect_and_drills_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from spendrecon.cli import archive as cli_archive

    monkeypatch.setattr(cli_archive, "out", Console(soft_wrap=True, width=400))  # table cells unwrapped
    src = make_zip(tmp_path / "src", full_name(2023, "20240115"), [
        txn("A_1", amount="3.00"), txn("B_2", amount="300.00"), txn("C_3", amount="30.00"), txn("BAD", amount="x")])
    result = _cli(tmp_path, "ingest-archive", str(src), "--no-flow")
    assert result.exit_code == 0, result.output
    assert "quarantined rows: 1" in result.output
    result = _cli(tmp_path, "awards", "--program", "97.102", "--fiscal-year", "2023", "--top", "2", "--format", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert [r["assistance_transaction_unique_key"] for r in shown] == ["B_2", "C_3"]
    assert shown[0]["award_description"] == "AWARD DESCRIPTION OF ASST_NON_B_2_7022"
    result = _cli(tmp_path, "awards", "-p", "97.102", "-y", "2023", "-f", "csv")
    header, first = result.output.splitlines()[:2]
    assert first.startswith("B_2,") and "award_description" in header.split(",")
    assert "AWARD DESCRIPTION OF ASST_NON_B_2_7022" in first
    result = _cli(tmp_path, "awards", "-p", "97.102", "-y", "2023", "-f", "table")  # piped: TSV by default
    assert result.exit_code == 0, result.output
    assert "award description" in result.output and "AWARD DESCRIPTION OF ASST_NON_B_2_7022" in result.output


def test_cli_errors_are_one_line_with_a_non_zero_exit(tmp_path: Path) -> None:
    result = _cli(tmp_path, "awards", "--program", "97.102", "--fiscal-year", "2023")
    assert result.exit_code == 1
    assert "does not exist" in result.output and len(result.output.strip().splitlines()) == 1
    result = _cli(tmp_path, "ingest-archive", str(tmp_path / "notes.zip"), "--no-flow")
    assert result.exit_code == 1 and "is not an Award Data Archive" in result.output


@pytest.mark.flow
def test_the_prefect_flow_applies_files_in_order(tmp_path: Path, prefect_server: str) -> None:
    from flows.archive import ingest_archive_flow
    from spendrecon.run_errors import ArchiveIngestFailed

    config = tmp_path / "spendrecon.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    src = tmp_path / "src"
    delta = make_zip(src, "FY(All)_All_Assistance_Delta_20240215.zip", [{"correction_delete_ind": "D",
                                                                        "assistance_transaction_unique_key": "A_1"}])
    full = make_zip(src, full_name(2023, "20240115"), [txn("A_1"), txn("B_2")])
    outcome = ingest_archive_flow([str(delta), str(full)], str(config))
    assert [r["file_name"] for r in outcome["results"]] == [full.name, delta.name]
    bad = make_zip(src, "FY(All)_All_Assistance_Delta_20240115.zip", [txn("Z_9")])
    with pytest.raises(ArchiveIngestFailed, match="already applied"):
        ingest_archive_flow([str(bad)], str(config))
    con = open_store(tmp_path / "data" / "usaspending_archive.duckdb", read_only=True)
    assert con.execute("SELECT assistance_transaction_unique_key FROM raw.archive_transactions").fetchall() == [("B_2",)]


def test_a_warehouse_file_named_archive_duckdb_still_reads_the_archive_store(tmp_path: Path) -> None:
    # A warehouse file's stem is its catalog name: `archive.duckdb` (and the run's building copy
    # `.archive.duckdb.<run>.building`) is the catalog `archive`, so the store needs another alias.
    store = _store_with_2023(tmp_path / "store")
    con = connect(tmp_path / "archive.duckdb")
    ensure_schema(con)
    assert load_usaspending_from_archive(con, store, "run-1", Scope((2023,))) == 3
    assert load_usaspending_from_archive(con, store, "run-2", Scope((2023,))) == 3  # detached cleanly, reusable
    attached = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
    assert attached == {"archive", "system", "temp"}
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'archive_program_year'").fetchone() == (0,)
