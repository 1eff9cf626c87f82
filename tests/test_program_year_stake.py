"""One program-year, one amount at stake: a program-year two rules flag (SAM.gov shows an estimate and no
actual while USAspending records money: estimate_only and obligations_not_in_sam) is one gap. Every total -
the summary, the report's overview and agency roll-up, recon.agency_year, the leads, the run's own summary
- counts it once, at the largest of its findings, in the bucket of its most decisive finding; leads come by
severity, then that amount, so an info finding never outranks an error."""
from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from recon_fixtures import add_sam, add_usaspending, new_warehouse, reconcile
from spendrecon.findings_query import FindingFilter, query_findings, triage_lines
from spendrecon.report import write_report
from warehouse.db import run_file

M = Decimal("1000000.00")
_PAYLOAD = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


def _build(path: Path) -> None:
    con = new_warehouse(path)
    # The seed case: FY2022 an actual USAspending books in FY2023; FY2023 an estimate with USAspending money.
    add_sam(con, "97.102", 2022, actual="15000000", estimate="5000000")
    add_usaspending(con, "97.102", 2022, "0")
    add_sam(con, "97.102", 2023, estimate="20000000")
    add_usaspending(con, "97.102", 2023, "15000000")
    # An error lead of $1M, and an info lead of $90M (an estimate beside a partial actual).
    add_sam(con, "10.001", 2021, actual="1000000")
    add_usaspending(con, "10.001", 2021, "1000000")
    add_sam(con, "10.001", 2022, actual="1000000")
    add_sam(con, "10.002", 2022, actual="5000000", type_code="F001")
    add_sam(con, "10.002", 2022, estimate="90000000", type_code="F002")
    add_usaspending(con, "10.002", 2022, "5000000")
    # Two leads on one program-year: SAM.gov says $0 (and estimates $3M on another line), USAspending $8M.
    add_sam(con, "10.003", 2022, actual="0", type_code="F001")
    add_sam(con, "10.003", 2022, estimate="3000000", type_code="F002")
    add_usaspending(con, "10.003", 2022, "8000000")
    con.execute("INSERT INTO meta.runs (run_id, started_at, finished_at, status, mode, fiscal_years, as_of) VALUES "
                "('run1', $t, $t, 'succeeded', 'live', [2021, 2022, 2023], DATE '2026-11-15')",
                {"t": datetime(2026, 11, 15, 6)})
    reconcile(con, "run1", years=(2021, 2022, 2023))
    run_file(con, "recon_agency_year")
    con.close()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stake") / "w.duckdb"
    _build(path)
    return path


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_each_program_year_has_one_amount_and_one_bucket(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = {(p, fy): (t, k, n) for p, fy, t, k, n in con.execute(
        "SELECT program_number, fiscal_year, triage, at_stake, findings FROM recon.program_year_triage").fetchall()}
    # 97.102 FY2023: obligations_not_in_sam ($15M, a year shift: legitimate) and estimate_only ($5M gap, the
    # listing skipped the year's actual: non-reporting) - one $15M gap, in the legitimate bucket.
    assert rows[("97.102", 2023)] == ("legitimate", 15 * M, 2)
    assert rows[("97.102", 2022)] == ("legitimate", 15 * M, 1)
    assert rows[("10.003", 2022)] == ("lead", 8 * M, 2)
    assert rows[("10.002", 2022)] == ("lead", 90 * M, 1)
    # Per finding the sum would count 97.102 FY2023 and 10.003 twice; per program-year it does not.
    assert _one(con, "SELECT sum(at_stake) FROM recon.findings") == 137 * M
    assert _one(con, "SELECT sum(at_stake) FROM recon.program_year_triage") == 129 * M
    assert _one(con, "SELECT sum(dollars_at_stake) FROM recon.agency_year") == 129 * M
    assert _one(con, "SELECT sum(dollars_explained) + sum(dollars_non_reporting) + sum(dollars_leads) "
                     "FROM recon.agency_year") == 129 * M
    con.close()


def test_leads_come_by_severity_then_the_program_years_dollars(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    leads = con.execute("SELECT program_number, rule_id, severity, program_year_at_stake, sam_figure "
                        "FROM recon.leads").fetchall()
    con.close()
    assert leads == [("10.001", "actual_not_in_usaspending", "error", 1 * M, "actual"),
                     ("10.003", "obligations_not_in_sam", "warning", 8 * M, "actual"),
                     ("10.002", "estimate_only", "info", 90 * M, "estimate"),
                     ("10.003", "estimate_only", "info", 8 * M, "estimate")]
    rows = query_findings(warehouse, FindingFilter(leads=True))
    assert [(r["program_number"], r["rule_id"]) for r in rows] == [(p, r) for p, r, *_ in leads]


def test_every_report_total_counts_a_program_year_once(warehouse: Path, tmp_path: Path) -> None:
    folder = write_report(warehouse, tmp_path / "reports")
    md = (folder / "summary.md").read_text(encoding="utf-8")
    assert "| **Dollars at stake** | $129.00M over 5 program-years" in md  # a total: rounded to a unit
    assert "## Leads: 4 findings on 3 program-years, $99.00M at stake" in md
    assert "| **All rules** |  |  | 7 | 7 | $129.00M |" in md
    # The estimate is labelled where it stands next to actuals.
    assert "| $90,000,000.00 (estimate) | $5,000,000.00 | $90,000,000.00 |" in md
    payload = json.loads(_PAYLOAD.search((folder / "report.html").read_text(encoding="utf-8")).group(1))
    overview = payload["overview"]
    assert overview["totals"]["k"] == "129000000.00"
    assert sum(Decimal(v["k"]) for v in overview["triage"]["all"].values()) == 129 * M
    assert sum(Decimal(a["k"]) for a in overview["byAgency"]) == 129 * M
    assert sum(Decimal(y["k"]) for y in overview["byYear"]) == 129 * M
    assert payload["leadStake"] == "99000000.00"
    stakes = {(r[0], r[1]): r for r in payload["programYearStakes"]["rows"]}
    assert stakes[("97.102", 2023)][2:4] == ["legitimate", "15000000.00"]
    assert sum(Decimal(r[3]) for r in stakes.values() if r[0] == "97.102") == 30 * M  # its page's headline


def test_the_run_summary_counts_each_program_year_once(warehouse: Path) -> None:
    lines = triage_lines(warehouse)
    assert lines[0] == ("triage: leads: 3 program-years (4 findings), $99,000,000.00 at stake "
                        "(spendrecon findings --leads)")
    assert len(lines) == 4 and lines[2].startswith("triage: legitimate differences: 2 program-years (3 findings), "
                                                   "$30,000,000.00 at stake")
    dollars = [Decimal(re.search(r"\$([\d,.]+) at stake", line).group(1).replace(",", "")) for line in lines]
    assert sum(dollars) == 129 * M
