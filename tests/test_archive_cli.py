"""The archive commands as a user types them: ingest-archive, then awards."""
import json
from decimal import Decimal

from typer.testing import CliRunner

from archive_testkit import full_name, make_zip, txn
from spendrecon.cli import app


def test_ingest_then_list_the_awards_behind_a_program_year_largest_first(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    zip_path = make_zip(tmp_path, full_name(2023, "20240415"), [
        txn("T1", "97.102", "5000000.10"), txn("T2", "97.102", "-7500000.00"), txn("T3", "97.102", "2500000.00"),
        txn("T4", "10.100", "99.99"),
    ])
    runner = CliRunner()
    ingested = runner.invoke(app, ["ingest-archive", "--no-flow", str(zip_path)])
    assert ingested.exit_code == 0, ingested.output

    shown = runner.invoke(app, ["awards", "--program", "97.102", "--fiscal-year", "2023", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    rows = json.loads(shown.stdout, parse_float=Decimal)
    amounts = [r["federal_action_obligation"] for r in rows]
    assert amounts == [Decimal("-7500000.00"), Decimal("5000000.10"), Decimal("2500000.00")]  # by size

    missing = runner.invoke(app, ["awards", "--program", "10.10", "--fiscal-year", "2023"])
    assert missing.exit_code == 1
    assert "no transactions for program 10.10 in FY2023" in missing.stderr
