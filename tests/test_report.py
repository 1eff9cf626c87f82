"""The run report: summary.md, findings.csv and report.html from a tiny warehouse built per test."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from spendrecon.report import ReportError, summary_markdown, write_report
from spendrecon.report.page_json import embed
from warehouse.db import connect, ensure_schema, run_file
from warehouse.findings import merge_findings
from warehouse.rules.registry import load_rules
from warehouse.scope import Scope

EVIL_TITLE = '<script>alert(1)</script> & "x" | y'
EVIL_NOTE = 'Agency says </script><!-- "moved" & <b>done</b>'
CSV_HEADER = ("run_id,program_number,fiscal_year,rule_id,severity,status,program_title,agency,sam_amount,"
              "usaspending_amount,difference,message,first_seen_run_id,last_seen_run_id,"
              "explanation,explanation_reason,review_status,review_note,rule_disabled,review_stale,stale_review,"
              "sam_figure")
FY_SHIFT_REASON = "The SAM.gov figure for FY2022 matches the USAspending figure for FY2023"
_PAYLOAD = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


# --- fixture helpers ----------------------------------------------------------------------------

def _add_run(con: duckdb.DuckDBPyConnection, run_id: str, started: datetime, status: str = "succeeded", *,
             fiscal_years: tuple[int, ...] = (2022,), warnings: tuple[str, ...] = (),
             sam_source: str = "https://api.sam.gov") -> None:
    con.execute(
        "INSERT INTO meta.runs (run_id, started_at, finished_at, status, mode, fiscal_years, programs, sam_source, "
        "usaspending_source, sam_requests, usaspending_requests, sam_listings, usaspending_rows, program_years, "
        "warnings, error) VALUES ($run_id, $started, $started + INTERVAL 95 SECOND, $status, 'live', $fys, NULL, "
        "$sam, 'https://api.usaspending.gov', 7, 11, 3, 4, 5, $warnings, NULL)",
        {"run_id": run_id, "started": started, "status": status, "fys": list(fiscal_years), "sam": sam_source,
         "warnings": list(warnings)},
    )


def _stage(con: duckdb.DuckDBPyConnection, run_id: str, sam: list[tuple[str, str, str, int, Decimal]],
           usaspending: list[tuple[str, int, Decimal]]) -> None:
    """sam: (program_number, title, department, fiscal_year, actual); usaspending: (program_number, fy, amount)."""
    for table in ("staging.sam_listings", "staging.sam_obligations", "staging.usaspending_program_year"):
        con.execute(f"DELETE FROM {table}")
    for number, title, department, fy, actual in sam:
        con.execute(
            "INSERT INTO staging.sam_listings (run_id, program_number, program_id, title, department, agency, status) "
            "VALUES ($r, $n, $n, $t, $d, $d, 'Active')", {"r": run_id, "n": number, "t": title, "d": department})
        con.execute(
            "INSERT INTO staging.sam_obligations (run_id, program_number, program_id, fiscal_year, sam_actual) "
            "VALUES ($r, $n, $n, $fy, $a)", {"r": run_id, "n": number, "fy": fy, "a": actual})
    for number, fy, amount in usaspending:
        con.execute(
            "INSERT INTO staging.usaspending_program_year (run_id, program_number, fiscal_year, usaspending_obligations, source) "
            "VALUES ($r, $n, $fy, $a, 'api')", {"r": run_id, "n": number, "fy": fy, "a": amount})
    run_file(con, "recon_program_year", {"current_fiscal_year": 2027})


def _reconcile(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    merge_findings(con, run_id, load_rules(), Scope(fiscal_years=(2022,)))


def _explain_and_review(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """What the pipeline's explanation and annotation steps leave behind, written directly: 97.102's
    finding is explained (two explanations apply) and disputed with a hostile note."""
    con.execute("UPDATE recon.findings SET explanation = 'fiscal_year_shift', explanation_reason = $reason, "
                "triage = 'legitimate', "
                "review_status = 'disputed', review_note = $note WHERE program_number = '97.102'",
                {"reason": FY_SHIFT_REASON, "note": EVIL_NOTE})
    for explanation, priority, reason, related in (("fiscal_year_shift", 5, FY_SHIFT_REASON, 2023),
                                                   ("non_award_lines", 4, "Salaries and expenses lines", None)):
        con.execute(
            "INSERT INTO recon.finding_explanations (program_number, fiscal_year, rule_id, explanation, priority, "
            "reason, related_fiscal_year, run_id) VALUES ('97.102', 2022, 'actual_not_in_usaspending', $e, $p, $r, "
            "$fy, $run)", {"e": explanation, "p": priority, "r": reason, "fy": related, "run": run_id})
    con.execute("INSERT INTO recon.annotations (program_number, fiscal_year, rule_id, status, note, annotated_at, "
                "author) VALUES ('97.102', 2022, NULL, 'disputed', $note, TIMESTAMP '2025-02-11 09:30:00', 'ana')",
                {"note": EVIL_NOTE})
    run_file(con, "recon_program_year_triage")  # each program-year's bucket follows its findings' triage


def build_warehouse(path: Path) -> Path:
    """Two succeeded runs and a later failed one.

    r1: 97.102 and 11.111 have SAM.gov actuals and no USAspending figure.
    r2: 11.111 now matches (resolved); 10.001 (hostile title) mismatches; 93.999 is USAspending-only;
        97.102's finding is explained and disputed.
    """
    con = connect(path)
    ensure_schema(con)
    _add_run(con, "r1", datetime(2025, 1, 10, 6, 0, 0))
    _stage(con, "r1",
           sam=[("97.102", "Disaster Grants - Public Assistance", "Department of Homeland Security", 2022,
                 Decimal("15000000.00")),
                ("11.111", "Foreign-Trade Zones", "Department of Commerce", 2022, Decimal("5000.00"))],
           usaspending=[])
    _reconcile(con, "r1")
    _add_run(con, "r2", datetime(2025, 2, 10, 6, 0, 0), warnings=("SAM.gov listing 12.999 had no obligations table",))
    _stage(con, "r2",
           sam=[("97.102", "Disaster Grants - Public Assistance", "Department of Homeland Security", 2022,
                 Decimal("15000000.00")),
                ("11.111", "Foreign-Trade Zones", "Department of Commerce", 2022, Decimal("5000.00")),
                ("10.001", EVIL_TITLE, "Department of <b>Agriculture</b>", 2022, Decimal("500.00"))],
           usaspending=[("11.111", 2022, Decimal("5000.00")), ("10.001", 2022, Decimal("700000.00")),
                        ("93.999", 2022, Decimal("2500.00"))])
    _reconcile(con, "r2")
    _explain_and_review(con, "r2")
    _add_run(con, "r3", datetime(2025, 3, 10, 6, 0, 0), status="failed")
    con.close()
    return path


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("built") / "warehouse.duckdb")


@pytest.fixture
def warehouse(built_warehouse: Path, tmp_path: Path) -> Path:
    """A private copy per test: building takes most of a second, copying a few milliseconds."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built_warehouse, copy)
    return copy


def _csv_rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / "findings.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _payload(folder: Path) -> dict:
    """The report data embedded in report.html, parsed as the page's script parses it."""
    match = _PAYLOAD.search((folder / "report.html").read_text(encoding="utf-8"))
    assert match, "report.html embeds no report data"
    return json.loads(match.group(1))


def _rows(table: dict) -> list[dict]:
    return [dict(zip(table["cols"], row)) for row in table["rows"]]


# --- the three files ----------------------------------------------------------------------------

def test_report_writes_three_files_for_latest_succeeded_run(warehouse: Path, tmp_path: Path) -> None:
    folder = write_report(warehouse, tmp_path / "reports")
    assert folder == tmp_path / "reports" / "r2"  # r3 failed, so r2 is the latest succeeded run
    assert {p.name for p in folder.iterdir()} == {"summary.md", "findings.csv", "report.html"}

    md = (folder / "summary.md").read_text(encoding="utf-8")
    assert "run r2" in md
    assert "| **Mode** | live |" in md
    assert "FY2022" in md
    assert "SAM.gov 7 · USAspending 11" in md
    assert "SAM.gov listing 12.999 had no obligations table" in md  # the run's warnings
    assert "| **Previous run** | r1 |" in md
    # The largest gap, with the NULL USAspending figure and difference as dashes.
    gaps = md.split("## Largest gaps", 1)[1]  # the leads come first and list 97.102 too
    gap = next(line for line in gaps.splitlines() if line.startswith("| 97.102 |"))
    assert gap == ("| 97.102 | Disaster Grants - Public Assistance | Department of Homeland Security | 2022 | "
                   "SAM.gov actual with no USAspending obligations (actual\\_not\\_in\\_usaspending) | "
                   "$15,000,000.00 | — | — | $15,000,000.00 | legitimate |")
    # Every registered rule is listed, estimate_only with zero findings.
    assert "| Completed fiscal year with only an estimate on SAM.gov | estimate\\_only | info | 0 | 0 | $0.00 |" in md
    assert "## New since the previous run: 2" in md
    assert "## Resolved by this run: 1" in md

    payload = _payload(folder)
    assert payload["run"]["id"] == "r2" and payload["run"]["previous"] == "r1"
    top = _rows(payload["findings"])[0]
    # Money as exact decimal text; a missing figure is null, never 0.
    assert (top["program"], top["fy"], top["sam"], top["usas"], top["stake"]) == (
        "97.102", 2022, "15000000.00", None, "15000000.00")
    assert payload["programs"]["byNumber"]["97.102"]["years"] == [[2022, None, "15000000.00", None]]


def test_findings_csv_header_rows_and_exact_decimals(warehouse: Path, tmp_path: Path) -> None:
    folder = write_report(warehouse, tmp_path / "reports")
    text = (folder / "findings.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == CSV_HEADER

    rows = _csv_rows(folder)
    keys = [(r["program_number"], r["rule_id"], r["status"]) for r in rows]
    # By severity, then dollars at stake: the finding r2 resolved sorts among the errors.
    assert keys == [
        ("97.102", "actual_not_in_usaspending", "open"),
        ("11.111", "actual_not_in_usaspending", "resolved"),
        ("10.001", "amount_mismatch", "new"),
        ("93.999", "obligations_not_in_sam", "new"),
    ]
    top = rows[0]
    assert top["run_id"] == "r2" and top["fiscal_year"] == "2022" and top["severity"] == "error"
    assert top["sam_amount"] == "15000000.00"
    assert top["usaspending_amount"] == "" and top["difference"] == ""  # NULL -> empty cell
    assert top["first_seen_run_id"] == "r1" and top["last_seen_run_id"] == "r2"
    assert top["agency"] == "Department of Homeland Security"
    assert "$15,000,000.00" in top["message"]
    mismatch = rows[2]
    assert (mismatch["sam_amount"], mismatch["usaspending_amount"], mismatch["difference"]) == (
        "500.00", "700000.00", "-699500.00")
    # The explanation and review columns come last; empty when the finding has none.
    assert (top["explanation"], top["explanation_reason"], top["review_status"], top["review_note"]) == (
        "fiscal_year_shift", FY_SHIFT_REASON, "disputed", EVIL_NOTE)
    assert (mismatch["explanation"], mismatch["review_status"]) == ("", "")
    assert mismatch["program_title"] == EVIL_TITLE  # CSV keeps the text as is; csv quoting handles it
    assert rows[3]["agency"] == "Department of Health and Human Services"  # from the ALN prefix


def test_summary_markdown_is_the_summary_file(warehouse: Path, tmp_path: Path) -> None:
    folder = write_report(warehouse, tmp_path / "reports")
    assert summary_markdown(warehouse) == (folder / "summary.md").read_text(encoding="utf-8")


def test_agency_rollup(warehouse: Path) -> None:
    md = summary_markdown(warehouse)
    lines = md.split("## By agency", 1)[1].split("##", 1)[0].splitlines()
    rows = [line for line in lines if line.startswith("| ")][2:]  # past the header and alignment rows
    # Sorted by dollars at stake; Commerce has a program compared but no open finding.
    # Sums read rounded to a unit (the exact figures are the findings', in findings.csv).
    assert rows[0] == ("| Department of Homeland Security | 1 | $15.00M | — | 1 | $15.00M |")
    assert rows[1] == ("| Department of \\<b\\>Agriculture\\</b\\> | 1 | $500.00 | $700.00K | 1 | $699.50K |")
    assert rows[2] == "| Department of Health and Human Services | 1 | — | $2.50K | 1 | $2.50K |"
    assert rows[3] == "| Department of Commerce | 1 | $5.00K | $5.00K | 0 | $0.00 |"


def test_report_of_an_older_run_reproduces_that_run_and_leaves_latest_alone(warehouse: Path,
                                                                            tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    write_report(warehouse, reports)
    folder = write_report(warehouse, reports, run_id="r1")
    assert os.readlink(reports / "latest") == "r2"
    md = (folder / "summary.md").read_text(encoding="utf-8")
    # As it was right after r1: both findings new, nothing of r2 (11.111 resolved, 10.001 and 93.999 new).
    assert "A later run exists" not in md
    rows = {(r["program_number"], r["rule_id"]): r for r in _csv_rows(folder)}
    assert set(rows) == {("97.102", "actual_not_in_usaspending"), ("11.111", "actual_not_in_usaspending")}
    assert {(r["status"], r["run_id"], r["last_seen_run_id"]) for r in rows.values()} == {("new", "r1", "r1")}
    assert [r[0] for r in _payload(folder)["runs"]["rows"]] == ["r1"]
    assert summary_markdown(warehouse, run_id="r1") == md
    assert "## New since the previous run: 2" in md
    assert "## Resolved by this run: 0" in md
    assert "| **Previous run** | none (first run) |" in md


def test_zero_findings_run_still_writes_everything(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    con = connect(path)
    ensure_schema(con)
    _add_run(con, "only", datetime(2025, 1, 1))
    con.close()  # no recon.program_year at all: the report must not need it
    folder = write_report(path, tmp_path / "reports")
    assert (folder / "findings.csv").read_text(encoding="utf-8") == CSV_HEADER + "\n"
    md = (folder / "summary.md").read_text(encoding="utf-8")
    assert "No open findings." in md and "## New since the previous run: 0" in md
    assert "| SAM.gov actual with no USAspending obligations | actual\\_not\\_in\\_usaspending | error | 0 |" in md
    payload = _payload(folder)
    assert payload["findings"]["rows"] == [] and payload["programs"]["byNumber"] == {}
    assert payload["overview"]["totals"]["n"] == 0 and payload["overview"]["byYear"][0]["act"] is None
    assert "Known limitations" in (folder / "report.html").read_text(encoding="utf-8")


# --- the latest link ----------------------------------------------------------------------------

def test_latest_symlink_points_at_newest_run_and_is_replaced(warehouse: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    write_report(warehouse, reports, run_id="r2")
    latest = reports / "latest"
    assert latest.is_symlink() and os.readlink(latest) == "r2"  # relative
    write_report(warehouse, reports, run_id="r1")  # an older run's report never moves latest
    assert latest.is_symlink() and os.readlink(latest) == "r2"
    write_report(warehouse, reports)
    assert latest.is_symlink() and os.readlink(latest) == "r2"
    assert (latest / "summary.md").read_text(encoding="utf-8").startswith("# spendrecon reconciliation report: run r2")
    assert sorted(p.name for p in reports.iterdir()) == ["latest", "r1", "r2"]  # no temp links left


def test_latest_falls_back_to_a_copy_without_symlinks(warehouse: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def no_symlinks(*args: object, **kwargs: object) -> None:
        raise OSError("symlinks not supported here")

    monkeypatch.setattr(os, "symlink", no_symlinks)
    reports = tmp_path / "reports"
    write_report(warehouse, reports, run_id="r1")
    assert not (reports / "latest").exists()
    write_report(warehouse, reports)
    write_report(warehouse, reports)  # replacing the copy
    latest = reports / "latest"
    assert latest.is_dir() and not latest.is_symlink()
    assert (latest / "findings.csv").read_bytes() == (reports / "r2" / "findings.csv").read_bytes()
    assert sorted(p.name for p in reports.iterdir()) == ["latest", "r1", "r2"]


# --- safety of report.html ----------------------------------------------------------------------

def test_html_escapes_source_text(warehouse: Path, tmp_path: Path) -> None:
    folder = write_report(warehouse, tmp_path / "reports")
    html_text = (folder / "report.html").read_text(encoding="utf-8")
    assert "alert(1)</script>" not in html_text and "<b>Agriculture" not in html_text
    assert "<!--" not in html_text and "<b>done" not in html_text
    # Two script elements: the embedded data and the page's own script; nothing from a source ends one.
    assert html_text.count("<script") == 2 and html_text.count("</script>") == 2
    data = _PAYLOAD.search(html_text)
    assert data and "<" not in data.group(1) and ">" not in data.group(1)
    assert "\\u003cscript\\u003ealert(1)" in data.group(1)
    # ... and the script gets every character back.
    payload = _payload(folder)
    assert payload["programs"]["byNumber"]["10.001"]["title"] == EVIL_TITLE
    assert "Department of <b>Agriculture</b>" in payload["programs"]["agencies"]
    assert _rows(payload["findings"])[0]["reviewNote"] == EVIL_NOTE
    assert payload["reviews"]["97.102"][0][3] == EVIL_NOTE
    md = summary_markdown(warehouse)
    assert "<script>" not in md and "\\<script\\>alert(1)\\</script\\> & \"x\" \\| y" in md


def test_html_references_nothing_on_the_network(warehouse: Path, tmp_path: Path) -> None:
    html_text = (write_report(warehouse, tmp_path / "reports") / "report.html").read_text(encoding="utf-8")
    assert "http://" not in html_text and "https://" not in html_text  # the sources are shown as hosts
    assert "api.sam.gov" in html_text
    for reference in ("src=", "@import", "url(", "//fonts", "<link", "<img", "<iframe", "fetch(", "xmlhttprequest",
                      "websocket", "sendbeacon", "import("):
        assert reference not in html_text.lower()
    # Links only move between the page's own views.
    hrefs = re.findall(r'href="([^"]*)"', html_text)
    assert hrefs and all(h.startswith("#/") for h in hrefs)


def test_html_stays_small_for_5000_findings(tmp_path: Path) -> None:
    path = tmp_path / "big.duckdb"
    con = connect(path)
    ensure_schema(con)
    _add_run(con, "big", datetime(2025, 1, 1))
    # A first run: every finding is also a 'new' event.
    con.execute(
        "INSERT INTO recon.findings (run_id, program_number, fiscal_year, rule_id, severity, sam_amount, "
        "usaspending_amount, difference, message, status, first_seen_run_id, last_seen_run_id) "
        "SELECT 'big', printf('%02d.%03d', 10 + i // 1000, i % 1000), 2022, "
        "'amount_mismatch', 'warning', (i * 1000 + 0.25)::DECIMAL(18,2), 7.00, (i * 1000 - 6.75)::DECIMAL(18,2), "
        "'FY2022 SAM.gov actual and USAspending obligations differ by more than $1,000.00 and 5% of the larger side', "
        "'new', 'big', 'big' FROM range(5000) AS t(i)")
    con.execute("INSERT INTO recon.finding_events (run_id, program_number, fiscal_year, rule_id, event, sam_amount, "
                "usaspending_amount) SELECT 'big', program_number, fiscal_year, rule_id, 'new', "
                "sam_amount, usaspending_amount FROM recon.findings")
    con.close()
    folder = write_report(path, tmp_path / "reports")
    assert (folder / "report.html").stat().st_size < 5_000_000
    assert len(_csv_rows(folder)) == 5000
    assert "… and 4,950 more" in (folder / "summary.md").read_text(encoding="utf-8")


# --- errors and read-only access ----------------------------------------------------------------

def test_clear_errors(tmp_path: Path, warehouse: Path) -> None:
    with pytest.raises(ReportError, match="does not exist"):
        write_report(tmp_path / "missing.duckdb", tmp_path / "reports")
    with pytest.raises(ReportError, match="no run 'nope'"):
        write_report(warehouse, tmp_path / "reports", run_id="nope")
    with pytest.raises(ReportError, match=re.escape("run 'r3' did not succeed (status failed)")):
        summary_markdown(warehouse, run_id="r3")

    only_failed = tmp_path / "failed.duckdb"
    con = connect(only_failed)
    ensure_schema(con)
    _add_run(con, "f1", datetime(2025, 1, 1), status="failed")
    con.close()
    with pytest.raises(ReportError, match="no succeeded run"):
        write_report(only_failed, tmp_path / "reports")
    assert not (tmp_path / "reports").exists()


def test_report_opens_the_warehouse_read_only(warehouse: Path, tmp_path: Path) -> None:
    before = warehouse.stat().st_mtime_ns
    # In this process: DuckDB refuses a read-write connection while a read-only one is open.
    reader = connect(warehouse, read_only=True)
    try:
        write_report(warehouse, tmp_path / "reports")
    finally:
        reader.close()
    # In another process (an analyst's notebook): a read-write open would hit the file lock.
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, duckdb; c = duckdb.connect(sys.argv[1], read_only=True); print('ready', flush=True); "
         "sys.stdin.read()", str(warehouse)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        assert "run r2" in summary_markdown(warehouse)
    finally:
        holder.communicate(input="", timeout=30)
    assert warehouse.stat().st_mtime_ns == before


def test_csv_quotes_commas_and_newlines(tmp_path: Path) -> None:
    path = tmp_path / "quotes.duckdb"
    con = connect(path)
    ensure_schema(con)
    _add_run(con, "q", datetime(2025, 1, 1))
    con.execute("INSERT INTO recon.findings (run_id, program_number, fiscal_year, rule_id, severity, sam_amount, "
                "usaspending_amount, difference, message, status, first_seen_run_id, last_seen_run_id) "
                "VALUES ('q', '12.345', 2022, 'estimate_only', 'info', 10.50, NULL, NULL, $m, 'new', 'q', 'q')",
                {"m": 'line one, "quoted"\nline two'})
    con.close()
    rows = list(csv.reader(io.StringIO((write_report(path, tmp_path / "r") / "findings.csv").read_text("utf-8"))))
    assert rows[1][11] == 'line one, "quoted"\nline two'
    assert rows[1][8:11] == ["10.50", "", ""]


# --- explained vs unexplained, the page's data, older warehouse files ------------------------------

def test_summary_splits_explained_and_unexplained_per_rule(warehouse: Path) -> None:
    md = summary_markdown(warehouse)
    assert ("| Rule | Id | Severity | Findings | New | Dollars at stake | Explained | Explained dollars | "
            "Unexplained | Unexplained dollars |") in md
    assert ("| SAM.gov actual with no USAspending obligations | actual\\_not\\_in\\_usaspending | error | 1 | 0 | "
            "$15.00M | 1 | $15.00M | 0 | $0.00 |") in md
    assert "| **All rules** |  |  | 3 | 2 | $15.70M | 1 | $15.00M | 2 | $702.00K |" in md
    assert ("| **Explained** | 1 of 3 program-years · $15.00M (96% of dollars at stake); "
            "unexplained $702.00K (non-reporting and leads) |") in md
    assert ("| **Dollars at stake** | $15.70M over 3 program-years (each counted once, at the largest of "
            "its findings) |") in md


def test_overview_figures_add_up_exactly(warehouse: Path, tmp_path: Path) -> None:
    overview = _payload(write_report(warehouse, tmp_path / "reports"))["overview"]
    totals = overview["totals"]
    assert (totals["n"], totals["xn"], totals["k"], totals["xk"]) == (3, 1, "15702000.00", "15000000.00")
    assert (totals["new"], totals["reopened"], totals["resolved"], totals["programs"]) == (2, 0, 1, 4)
    for part in ("byRule", "byAgency", "byYear"):  # every breakdown sums to the same totals
        rows = overview[part]
        assert sum(r["n"] for r in rows) == totals["n"] and sum(r["xn"] for r in rows) == totals["xn"]
        assert sum(Decimal(r["k"]) for r in rows) == Decimal(totals["k"])
        assert sum(Decimal(r["xk"]) for r in rows) == Decimal(totals["xk"])
    assert [r["rule"] for r in overview["byRule"]] == [
        "actual_not_in_usaspending", "obligations_not_in_sam", "amount_mismatch", "estimate_only", "figure_restated"]
    year = overview["byYear"][0]
    assert (year["fy"], year["act"], year["usas"], year["est"]) == (2022, "15005500.00", "707500.00", None)
    agencies = {a["agency"]: a for a in overview["byAgency"]}
    commerce = agencies["Department of Commerce"]
    # Commerce's one program-year agrees: all of its compared dollars are within tolerance.
    assert (commerce["n"], commerce["compared"], commerce["within"]) == (0, "5000.00", "5000.00")
    assert agencies["Department of Homeland Security"]["within"] == "0.00"


def test_program_page_data_has_explanations_reviews_and_history(warehouse: Path, tmp_path: Path) -> None:
    payload = _payload(write_report(warehouse, tmp_path / "reports"))
    key = "97.102|2022|actual_not_in_usaspending"
    assert payload["notes"][key] == [["non_award_lines", "Salaries and expenses lines", None],
                                     ["fiscal_year_shift", FY_SHIFT_REASON, 2023]]
    assert payload["reviews"]["97.102"] == [[2022, None, "disputed", EVIL_NOTE, "2025-02-11 09:30:00 UTC", "ana"]]
    assert payload["history"][key] == [["r1", "new", "15000000.00", None]]
    resolved = payload["history"]["11.111|2022|actual_not_in_usaspending"]
    assert [(e[0], e[1]) for e in resolved] == [("r1", "new"), ("r2", "resolved")]
    findings = {(f["program"], f["rule"]): f for f in _rows(payload["findings"])}
    assert findings[("11.111", "actual_not_in_usaspending")]["now"] is True  # resolved by this run
    assert findings[("97.102", "actual_not_in_usaspending")]["now"] is False  # open since r1
    assert payload["explanations"]["fiscal_year_shift"]  # titles from the explanation registry
    runs = _rows(payload["runs"])
    assert [r["id"] for r in runs] == ["r3", "r2", "r1"] and runs[0]["status"] == "failed"


def test_reopened_status_counts_as_open(warehouse: Path, tmp_path: Path) -> None:
    con = connect(warehouse)
    con.execute("UPDATE recon.findings SET status = 'reopened' WHERE program_number = '10.001'")
    con.close()
    folder = write_report(warehouse, tmp_path / "reports")
    assert ("10.001", "reopened") in {(r["program_number"], r["status"]) for r in _csv_rows(folder)}
    assert _payload(folder)["overview"]["totals"]["n"] == 3
    assert "| **Findings** | 3 open (1 new) · 1 resolved by this run |" in (folder / "summary.md").read_text("utf-8")


def test_agency_year_table_is_used_and_agrees_with_the_fallback(warehouse: Path, tmp_path: Path) -> None:
    fallback = _payload(write_report(warehouse, tmp_path / "a"))["overview"]["byAgency"]
    con = connect(warehouse)
    run_file(con, "recon_agency_year")
    con.execute("UPDATE recon.agency_year SET dollars_compared = 7777.00 WHERE agency = 'Department of Commerce'")
    con.close()
    table = _payload(write_report(warehouse, tmp_path / "b"))["overview"]["byAgency"]
    strip = {"compared"}
    assert [{k: v for k, v in a.items() if k not in strip} for a in table] == [
        {k: v for k, v in a.items() if k not in strip} for a in fallback]
    assert {a["agency"]: a["compared"] for a in table}["Department of Commerce"] == "7777.00"  # read from the table


def test_older_warehouse_without_explanations_or_reviews(warehouse: Path, tmp_path: Path) -> None:
    con = connect(warehouse)
    for table in ("recon.finding_explanations", "recon.annotations"):
        con.execute(f"DROP TABLE {table}")
    # A file from before the review columns: rebuild recon.findings without them (and no program-year triage).
    con.execute("DROP VIEW recon.leads")
    con.execute("DROP TABLE recon.program_year_triage")
    con.execute("CREATE TABLE recon.findings_old AS SELECT * EXCLUDE (explanation, explanation_reason, "
                "review_status, review_note, triage) FROM recon.findings")
    con.execute("DROP TABLE recon.findings")
    con.execute("ALTER TABLE recon.findings_old RENAME TO findings")
    con.close()
    folder = write_report(warehouse, tmp_path / "reports")
    rows = _csv_rows(folder)
    assert len(rows) == 4 and all(r["explanation"] == "" and r["review_status"] == "" for r in rows)
    payload = _payload(folder)
    assert payload["notes"] == {} and payload["reviews"] == {}
    assert payload["overview"]["totals"]["xn"] == 0
    assert "| **All rules** |  |  | 3 | 2 | $15.70M | 0 | $0.00 | 3 | $15.70M |" in (
        folder / "summary.md").read_text("utf-8")


def test_embedded_json_cannot_end_its_script_element() -> None:
    hostile = {"t": "</script><script>alert(1)</script><!-- & \u2028 \u2029 ]]>"}
    text = embed(hostile)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == hostile


def test_limitations_page_says_what_the_comparison_cannot_see(warehouse: Path, tmp_path: Path) -> None:
    html_text = (write_report(warehouse, tmp_path / "reports") / "report.html").read_text(encoding="utf-8")
    page = html_text.split('<section id="limitations"', 1)[1].split("</section>", 1)[0]
    for fact in ("subsidy cost", "face value", "deobligation", "action date", "overwrite", "archive",
                 "MULTIPLE RECIPIENTS", "Renumbered", "Salaries and Expenses", "non-financial", "$619 billion",
                 "FY2008", "rolling window", "more than $1,000 and by more than 5%", "GAO-26-107551", "FY2022",
                 "15 months after the year ends", "sam_actual_not_yet_due"):
        assert fact in page, fact


def test_limitations_page_shows_the_settings_the_run_used(warehouse: Path, tmp_path: Path) -> None:
    from warehouse.explanations.registry import load_explanations
    from warehouse.runs import run_settings

    rules = load_rules({"amount_mismatch": {"abs_tolerance": 2500, "rel_tolerance": "0.10"},
                        "actual_not_in_usaspending": {"min_amount": 750}, "estimate_only": {"enabled": False}})
    explanations = load_explanations({"loan_basis": {"min_loan_share": "0.6"}})
    con = connect(warehouse)
    con.execute("UPDATE meta.runs SET settings = $s WHERE run_id = 'r2'", {"s": run_settings(rules, explanations)})
    con.close()
    html_text = (write_report(warehouse, tmp_path / "reports") / "report.html").read_text(encoding="utf-8")
    page = html_text.split('<section id="limitations"', 1)[1].split("</section>", 1)[0]
    assert "In this run, amount_mismatch flags a program-year only when the two figures differ by more than " \
           "$2,500 and by more than 10% of the larger side." in page
    assert "In this run, the existence rules ignore amounts under $750," in page
    assert "more than $1,000" not in page and "By default" not in page
    assert "The settings this run used" in page
    # Each in words, with its key in spendrecon.yaml beside it.
    assert ("<tr><td>SAM.gov actual and USAspending obligations disagree</td><td><code>rules.amount_mismatch</code>"
            "</td><td>enabled: on, severity: warning, abs_tolerance: $2,500, rel_tolerance: 10%</td></tr>") in page
    assert "<tr><td>Loans measured differently</td><td><code>explanations.loan_basis</code>" in page
    assert "<code>rules.estimate_only</code></td><td>enabled: off," in page
    assert "<code>explanations.loan_basis</code></td><td>abs_tolerance: $1,000, rel_tolerance: 5%, " \
           "min_loan_share: 60%</td></tr>" in page
    assert "<code>explanations.never_reported</code></td><td>min_years_held: 2</td></tr>" in page
    # A run from before the record: the registry's defaults, said to be defaults.
    older = (write_report(warehouse, tmp_path / "older", run_id="r1") / "report.html").read_text(encoding="utf-8")
    assert "By default, amount_mismatch flags a program-year only when the two figures differ by more than " \
           "$1,000 and by more than 5%" in older and "The settings this run used" not in older


def test_an_events_dollars_at_stake_are_its_findings(warehouse: Path) -> None:
    """figure_restated's difference is new - old, not SAM.gov - USAspending: the Changes view shows the
    finding's stored at_stake, not the gap between the event's two figures."""
    from spendrecon.report.queries import load_events, program_year_source

    con = connect(warehouse)
    con.execute(
        "INSERT INTO recon.findings BY NAME SELECT 'r2' AS run_id, '97.102' AS program_number, 2022 AS fiscal_year, "
        "'figure_restated' AS rule_id, 'info' AS severity, 15000000.00 AS sam_amount, 40.00 AS usaspending_amount, "
        "-1000000.00 AS difference, 'restated' AS message, 'new' AS status, 'r2' AS first_seen_run_id, "
        "'r2' AS last_seen_run_id, 'restatement' AS triage, 1000000.00 AS at_stake")
    con.execute("INSERT INTO recon.finding_events BY NAME SELECT 'r2' AS run_id, '97.102' AS program_number, "
                "2022 AS fiscal_year, 'figure_restated' AS rule_id, 'new' AS event, 15000000.00 AS sam_amount, "
                "40.00 AS usaspending_amount")
    try:
        events = {e.rule_id: e for e in load_events(con, program_year_source(con), "r2")
                  if e.program_number == "97.102"}
    finally:
        con.close()
    assert events["figure_restated"].at_stake == Decimal("1000000.00")  # not |15,000,000.00 - 40.00|


def test_the_page_takes_its_words_for_missing_values_from_the_python_side(warehouse: Path, tmp_path: Path) -> None:
    """report-core.js has no spelling of its own for a missing amount or agency (no "n/a")."""
    from warehouse.money import NOT_REPORTED

    payload = _payload(write_report(warehouse, tmp_path / "r"))
    assert payload["missing"] == {"words": NOT_REPORTED, "dash": "\u2014", "agency": "Unknown agency"}
    templates = Path(__file__).parents[1] / "spendrecon" / "report" / "templates"
    for js in templates.glob("*.js"):
        text = js.read_text(encoding="utf-8")
        assert '"n/a"' not in text and '"not reported"' not in text and '"Unknown agency"' not in text, js.name


# --- a report that reads well ---------------------------------------------------------------------

def test_summary_names_every_rule_in_words_with_its_id_beside(warehouse: Path) -> None:
    md = summary_markdown(warehouse)
    words = "SAM.gov actual with no USAspending obligations (actual\\_not\\_in\\_usaspending)"
    for section in ("## Triage of open findings", "## Largest gaps", "## Resolved by this run"):
        body = md.split(section, 1)[1].split("\n## ", 1)[0]
        rows = [line for line in body.splitlines() if line.startswith("| ") and "actual\\_not" in line]
        assert rows and all(words in row for row in rows), section
    mismatch = next(line for line in md.split("## New since", 1)[1].splitlines() if "| 10.001 |" in line)
    assert "| SAM.gov actual and USAspending obligations disagree (amount\\_mismatch) |" in mismatch


def test_summary_and_page_say_once_what_unexplained_means(warehouse: Path, tmp_path: Path) -> None:
    folder = write_report(warehouse, tmp_path / "reports")
    md = (folder / "summary.md").read_text(encoding="utf-8")
    meaning = _payload(folder)["explainedMeaning"]
    assert meaning.startswith("Explained: a legitimate cause is known, or the SAM.gov actual is not due yet")
    assert "Unexplained: everything else - systemic non-reporting and leads." in meaning
    assert meaning in md and meaning in (folder / "report.html").read_text(encoding="utf-8")  # the footer
    assert "a lead has neither" not in (folder / "report.html").read_text(encoding="utf-8")  # the old, other meaning


TRILLION = Decimal("1084063577872.19")


def test_totals_read_rounded_and_a_trillion_never_carries_cents(tmp_path: Path) -> None:
    """Summaries (the header, the leads' heading, the triage, rule and agency tables) round sums to a unit:
    $1.08T. A finding's own figures stay exact in its table rows and in findings.csv."""
    path = tmp_path / "trillion.duckdb"
    con = connect(path)
    ensure_schema(con)
    _add_run(con, "t1", datetime(2025, 1, 10))
    _stage(con, "t1", sam=[("84.268", "Federal Direct Student Loans", "Department of Education", 2022, TRILLION)],
           usaspending=[("84.268", 2021, Decimal("1.00"))])
    _reconcile(con, "t1")
    run_file(con, "recon_program_year_triage")
    con.close()
    folder = write_report(path, tmp_path / "reports")
    md = (folder / "summary.md").read_text(encoding="utf-8")
    assert "| **Dollars at stake** | $1.08T over 1 program-years" in md
    assert "## Leads: 1 findings on 1 program-years, $1.08T at stake" in md
    assert "| **All rules** | 0 / $0.00 | 0 / $0.00 | 0 / $0.00 | 1 / $1.08T |" in md
    assert "| **All rules** |  |  | 1 | 1 | $1.08T | 0 | $0.00 | 1 | $1.08T |" in md
    assert "| Department of Education | 1 | $1.08T | — | 1 | $1.08T |" in md
    exact = "$1,084,063,577,872.19"
    tables = ("## Triage of open findings", "## Findings by rule", "## By agency")
    assert all(exact not in md.split(t, 1)[1].split("\n## ", 1)[0] for t in tables)
    assert exact not in md.split("## Leads", 1)[0]  # the header
    # The finding itself, exact: in the leads' and the largest gaps' rows, and as data in findings.csv.
    assert md.split("## Leads", 1)[1].split("\n## ", 1)[0].count(exact) == 2  # SAM.gov, at stake
    assert md.split("## Largest gaps", 1)[1].split("\n## ", 1)[0].count(exact) == 2
    assert _csv_rows(folder)[0]["sam_amount"] == "1084063577872.19"
