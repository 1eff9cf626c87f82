"""`findings --leads` and recon.leads: the findings with no legitimate cause and no systemic
non-reporting, largest first, with the years the program does report."""
from decimal import Decimal

from typer.testing import CliRunner

from recon_fixtures import add_sam, add_usaspending, new_warehouse, reconcile
from spendrecon.cli import app
from spendrecon.findings_query import FindingFilter, query_findings


def _warehouse(path):
    con = new_warehouse(path)
    for fy in (2021, 2022, 2023):
        add_sam(con, "10.001", fy, actual="5000000")       # reports 2021 and 2023, not 2022: a lead
        add_sam(con, "10.002", fy, actual="9000000")       # reports 2021 only, not 2022 or 2023: two leads
        add_sam(con, "10.003", fy, actual="7000000")       # never reports: non-reporting, no lead
        add_sam(con, "10.004", fy, actual="1000000", type_code="F003")  # loans, nothing on USAspending: legitimate
    add_usaspending(con, "10.001", 2021, "5000000")
    add_usaspending(con, "10.001", 2023, "5000000")
    add_usaspending(con, "10.002", 2021, "9000000")
    reconcile(con, "run1")
    return con


def test_recon_leads_lists_only_leads_largest_first_with_reported_years(tmp_path):
    con = _warehouse(tmp_path / "w.duckdb")
    rows = con.execute("SELECT program_number, fiscal_year, at_stake, reported_years FROM recon.leads").fetchall()
    assert rows == [("10.002", 2022, Decimal("9000000.00"), [2021]), ("10.002", 2023, Decimal("9000000.00"), [2021]),
                    ("10.001", 2022, Decimal("5000000.00"), [2021, 2023])]
    triage = dict(con.execute("SELECT program_number, triage FROM recon.findings WHERE fiscal_year = 2022").fetchall())
    assert triage == {"10.001": "lead", "10.002": "lead", "10.003": "non_reporting", "10.004": "legitimate"}


def test_findings_leads_filters_and_orders_by_dollars(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    _warehouse(path).close()
    rows = query_findings(path, FindingFilter(leads=True))
    assert [(r["program_number"], r["fiscal_year"], r["triage"]) for r in rows] == [
        ("10.002", 2022, "lead"), ("10.002", 2023, "lead"), ("10.001", 2022, "lead")]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spendrecon.yaml").write_text("warehouse: w.duckdb\n")
    out = CliRunner().invoke(app, ["findings", "--leads", "--format", "csv"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].endswith(",triage,at_stake") and len(lines) == 4
    assert all(line.rsplit(",", 2)[1] == "lead" for line in lines[1:])  # triage, then at_stake
