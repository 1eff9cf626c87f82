"""The demo shows all four triage buckets, and the generator's reference model decides the triage's
explanations exactly as the warehouse does - planted cases and near misses alike, on the bundle's own date:
FY2023's SAM.gov actuals are not due yet, so no finding that waits for one is a lead, and no program-year's
dollars count twice."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from spendrecon.config import load_settings
from spendrecon.pipeline import plan_run
from test_demo_data import generated, generator, statistics

NEW = ("never_reported", "agency_silent", "reported_under_other_aln")
SAM_SIDE = ("sam_actual_not_yet_due", "sam_never_reported", "sam_agency_silent", "sam_year_not_reported")


@pytest.fixture(scope="module")
def demo_warehouse(run_flow, tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    tmp = tmp_path_factory.mktemp("demo")
    settings = load_settings(None, overrides={"fiscal_years": [2019, 2020, 2021, 2022, 2023],
                                              "warehouse": str(tmp / "w.duckdb"), "data_dir": str(tmp / "data"),
                                              "reports_dir": str(tmp / "reports")}, environ={})
    run_flow(plan_run(settings, demo=True))
    con = duckdb.connect(str(Path(tmp / "w.duckdb")), read_only=True)
    yield con
    con.close()


def _reference() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = generator().reference_findings(generated())
    return rows


def test_the_new_cases_are_planted_with_their_near_misses() -> None:
    findings = statistics()["findings"]
    assert findings["never_reported"]["program_years"] >= 40
    assert findings["agency_silent"]["program_years"] >= 10
    assert findings["reported_under_other_aln"]["program_years"] >= 10
    rows = _reference()
    near_misses = [r for r in rows if r["profile"] in ("reports_one_year", "sister_reports", "other_aln_near_miss",
                                                      "other_aln_shifted") and r["rules"]]
    assert len(near_misses) >= 14
    assert not [r for r in near_misses if set(r["explanations"]) & set(NEW)]


def test_the_sam_side_cases_are_planted_with_their_near_misses() -> None:
    findings = statistics()["findings"]
    assert findings["sam_actual_not_yet_due"]["program_years"] > 1000  # FY2023 waits for its actuals
    assert findings["sam_never_reported"]["program_years"] >= 12
    assert findings["sam_agency_silent"]["program_years"] >= 3
    assert findings["sam_year_not_reported"]["program_years"] >= 20
    rows = _reference()
    near = {r["profile"]: r for r in rows if r["profile"] in ("sam_reports_one_year", "sam_new_listing",
                                                            "sam_sister_reports") and r["rules"]}
    assert set(near) == {"sam_reports_one_year", "sam_new_listing", "sam_sister_reports"}
    misses = [r for r in rows if r["profile"] in near and r["rules"]]
    assert not [r for r in misses if r["profile"] != "sam_sister_reports" and "sam_never_reported" in r["explanations"]]
    assert not [r for r in misses if "sam_agency_silent" in r["explanations"]]
    new_listing_fy2022 = next(r for r in misses if r["profile"] == "sam_new_listing" and r["year"] == 2022)
    assert new_listing_fy2022["explanations"] == []  # one year whose actuals are due is no history: a lead


@pytest.mark.parametrize("name", NEW + SAM_SIDE)
def test_reference_model_and_pipeline_agree(demo_warehouse: duckdb.DuckDBPyConnection, name: str) -> None:
    g = generator()
    answers = {"never_reported": g._NO_USASPENDING_RULES, "agency_silent": g._NO_USASPENDING_RULES,
               "reported_under_other_aln": g._SHORT_RULES | g._EXCESS_RULES}.get(name, g._SAM_SIDE_RULES)
    expected = {(r["aln"], r["year"], rule) for r in _reference() if name in r["explanations"]
                for rule in r["rules"] if rule in answers}
    got = set(demo_warehouse.execute("SELECT program_number, fiscal_year, rule_id FROM recon.finding_explanations "
                                     "WHERE explanation = $e", {"e": name}).fetchall())
    assert got == expected and got


def test_make_demo_shows_all_four_buckets(demo_warehouse: duckdb.DuckDBPyConnection) -> None:
    buckets = dict(demo_warehouse.execute(
        "SELECT triage, count(*) FROM recon.findings WHERE rule_id = 'actual_not_in_usaspending' "
        "AND status <> 'resolved' GROUP BY ALL").fetchall())
    assert set(buckets) == {"legitimate", "non_reporting", "lead"} and min(buckets.values()) >= 40
    py_buckets = dict(demo_warehouse.execute("SELECT triage, count(*) FROM recon.program_year_triage GROUP BY ALL"
                                             ).fetchall())
    assert set(py_buckets) == {"pending", "legitimate", "non_reporting", "lead"} and min(py_buckets.values()) >= 100
    # The latest completed year mostly waits for its SAM.gov actuals: pending, and none of it a lead.
    assert demo_warehouse.execute(
        "SELECT count(*) FILTER (WHERE triage = 'pending') > 0.8 * count(*) FROM recon.program_year_triage "
        "WHERE fiscal_year = 2023").fetchone() == (True,)
    # Leads by severity, then the program-year's dollars; their program reports to USAspending in other years.
    leads = demo_warehouse.execute("SELECT rule_id, severity, program_year_at_stake, reported_years, fiscal_year "
                                   "FROM recon.leads").fetchall()
    assert len(leads) == demo_warehouse.execute(
        "SELECT count(*) FROM recon.findings JOIN recon.program_year_triage AS t USING (program_number, fiscal_year) "
        "WHERE recon.findings.triage = 'lead' AND t.triage = 'lead' AND status <> 'resolved'").fetchone()[0]
    order = {"error": 0, "warning": 1, "info": 2}
    keys = [(order[sev], -stake) for _, sev, stake, _, _ in leads]
    assert keys == sorted(keys) and {sev for _, sev, *_ in leads} >= {"error", "warning"}
    assert all(set(years) - {fy} for rule, _, _, years, fy in leads if rule == "actual_not_in_usaspending")
    # The seed case keeps its legitimate year shift; its FY2023 waits for its actual.
    assert demo_warehouse.execute("SELECT explanation, triage FROM recon.findings WHERE program_number = '97.102' "
                                  "AND fiscal_year = 2022").fetchone() == ("fiscal_year_shift", "legitimate")
    assert demo_warehouse.execute("SELECT triage, at_stake, findings FROM recon.program_year_triage "
                                  "WHERE program_number = '97.102' AND fiscal_year = 2023").fetchone() == (
        "pending", 15_000_000, 2)


def test_no_finding_waiting_for_a_sam_actual_is_a_lead(demo_warehouse: duckdb.DuckDBPyConnection) -> None:
    waiting = demo_warehouse.execute(
        "SELECT count(*), count(*) FILTER (WHERE f.triage = 'lead' OR l.program_number IS NOT NULL) "
        "FROM recon.finding_explanations AS e JOIN recon.findings AS f USING (program_number, fiscal_year, rule_id) "
        "LEFT JOIN recon.leads AS l USING (program_number, fiscal_year, rule_id) "
        "WHERE e.explanation = 'sam_actual_not_yet_due'").fetchone()
    assert waiting[0] > 3000 and waiting[1] == 0


def test_no_program_years_dollars_count_twice(demo_warehouse: duckdb.DuckDBPyConnection) -> None:
    one = demo_warehouse.execute(
        "SELECT sum(m), count(*) FROM (SELECT max(at_stake) AS m FROM recon.findings WHERE status <> 'resolved' "
        "AND triage <> 'restatement' GROUP BY program_number, fiscal_year)").fetchone()
    assert demo_warehouse.execute("SELECT sum(at_stake), count(*) FROM recon.program_year_triage").fetchone() == one
    assert demo_warehouse.execute("SELECT sum(dollars_at_stake) FROM recon.agency_year").fetchone() == (one[0],)
    per_finding = demo_warehouse.execute("SELECT sum(at_stake) FROM recon.findings WHERE status <> 'resolved'"
                                         ).fetchone()[0]
    assert per_finding > one[0]  # the demo has program-years two rules flag
