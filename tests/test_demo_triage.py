"""The demo shows all three triage buckets, and the generator's reference model decides the new
explanations exactly as the warehouse does - planted cases and near misses alike."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from spendrecon.config import load_settings
from spendrecon.pipeline import plan_run
from test_demo_data import generated, generator, statistics

NEW = ("never_reported", "agency_silent", "reported_under_other_aln")


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


@pytest.mark.parametrize("name", NEW)
def test_reference_model_and_pipeline_agree(demo_warehouse: duckdb.DuckDBPyConnection, name: str) -> None:
    g = generator()
    answers = {"never_reported": g._NO_USASPENDING_RULES, "agency_silent": g._NO_USASPENDING_RULES,
               "reported_under_other_aln": g._SHORT_RULES | g._EXCESS_RULES}[name]
    expected = {(r["aln"], r["year"], rule) for r in _reference() if name in r["explanations"]
                for rule in r["rules"] if rule in answers}
    got = set(demo_warehouse.execute("SELECT program_number, fiscal_year, rule_id FROM recon.finding_explanations "
                                     "WHERE explanation = $e", {"e": name}).fetchall())
    assert got == expected and got


def test_make_demo_shows_all_three_buckets(demo_warehouse: duckdb.DuckDBPyConnection) -> None:
    buckets = dict(demo_warehouse.execute(
        "SELECT triage, count(*) FROM recon.findings WHERE rule_id = 'actual_not_in_usaspending' "
        "AND status <> 'resolved' GROUP BY ALL").fetchall())
    assert set(buckets) == {"legitimate", "non_reporting", "lead"} and min(buckets.values()) >= 40
    # Every lead is in recon.leads, largest first, and its program reports in other years.
    leads = demo_warehouse.execute("SELECT rule_id, at_stake, reported_years, fiscal_year FROM recon.leads").fetchall()
    assert len(leads) == demo_warehouse.execute(
        "SELECT count(*) FROM recon.findings WHERE triage = 'lead' AND status <> 'resolved'").fetchone()[0]
    assert [r[1] for r in leads] == sorted((r[1] for r in leads), reverse=True)
    assert all(set(years) - {fy} for rule, _, years, fy in leads if rule == "actual_not_in_usaspending")
    # The seed case keeps its legitimate year shift.
    assert demo_warehouse.execute("SELECT explanation, triage FROM recon.findings WHERE program_number = '97.102' "
                                  "AND fiscal_year = 2022").fetchone() == ("fiscal_year_shift", "legitimate")
