"""The run date (`spendrecon run --as-of`, `as_of:` in spendrecon.yaml): a replay of an older snapshot
judges timing as of then, the run records the date, and the SAM.gov request budget keeps counting
real days."""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import httpx
import pytest

from spendrecon.config import ConfigError, load_settings, parse_as_of
from spendrecon.pipeline import plan_run, sam_budget_left
from tests.conftest import demo_settings
from warehouse.db import connect
from warehouse.runs import RunRecord, record_run


def test_as_of_sets_the_run_date_the_default_window_and_the_current_fiscal_year(tmp_path: Path) -> None:
    settings = load_settings(None, overrides={"as_of": "2024-01-15", "warehouse": str(tmp_path / "w.duckdb"),
                                              "data_dir": str(tmp_path / "data")}, environ={})
    plan = plan_run(settings, demo=True, now=datetime(2026, 12, 4, 12, tzinfo=timezone.utc))
    assert plan.today == date(2024, 1, 15)
    assert plan.current_fiscal_year == 2024  # FY2024 began on 2023-10-01
    assert list(plan.scope.fiscal_years) == [2019, 2020, 2021, 2022, 2023]  # the five completed by then
    assert plan.run.as_of == date(2024, 1, 15)
    assert plan.run.started_at == datetime(2026, 12, 4, 12, tzinfo=timezone.utc)  # the real start


def test_without_as_of_the_run_date_is_the_day_the_run_starts(tmp_path: Path) -> None:
    # Not a demo (a demo replays a dated snapshot, below): a transport of its own stands in for the services.
    transport = httpx.MockTransport(lambda request: httpx.Response(500))
    plan = plan_run(demo_settings(tmp_path), transport=transport, now=datetime(2025, 10, 1, 3, tzinfo=timezone.utc))
    assert plan.today == date(2025, 10, 1) and plan.run.as_of == date(2025, 10, 1)
    assert plan.current_fiscal_year == 2026


def test_a_demo_run_is_dated_its_vintages_snapshot_unless_as_of_says_otherwise(tmp_path: Path) -> None:
    now = datetime(2026, 12, 4, 12, tzinfo=timezone.utc)
    plan = plan_run(demo_settings(tmp_path, fiscal_years=None), demo=True, demo_vintage=3, now=now)
    assert plan.run.as_of == date(2025, 1, 15) and list(plan.scope.fiscal_years) == [2022, 2023, 2024]
    plan = plan_run(demo_settings(tmp_path), demo=True, now=now)
    assert plan.run.as_of == date(2024, 2, 15)
    plan = plan_run(demo_settings(tmp_path, as_of="2024-03-01", fiscal_years=[2023]), demo=True, demo_vintage=5, now=now)
    assert plan.run.as_of == date(2024, 3, 1) and list(plan.scope.fiscal_years) == [2023]


@pytest.mark.parametrize(("text", "reason"), [
    ("2024-13-01", "not a real date"),
    ("01/15/2024", "YYYY-MM-DD"),
    ("2024-1-5", "YYYY-MM-DD"),
    ("yesterday", "YYYY-MM-DD"),
])
def test_a_bad_run_date_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_as_of(text)


def test_a_run_date_in_the_future_or_with_a_time_is_refused_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="as_of.*in the future"):
        load_settings(None, overrides={"as_of": "2999-01-01"}, environ={})
    config = tmp_path / "spendrecon.yaml"
    config.write_text("as_of: 2024-01-15 10:00:00\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="as_of.*not a date and time"):
        load_settings(config, environ={})
    config.write_text("as_of: 2024-01-15\n", encoding="utf-8")  # YAML's own date
    assert load_settings(config, environ={}).as_of == date(2024, 1, 15)


def test_the_request_budget_counts_the_real_day_not_the_run_date(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    now = datetime(2026, 12, 4, 9, tzinfo=timezone.utc)
    con = connect(warehouse)
    from warehouse.db import ensure_schema

    ensure_schema(con)
    record_run(con, RunRecord(run_id="earlier", started_at=datetime(2026, 12, 4, 7), mode="live", fiscal_years=[2023],
                              programs=None, sam_source="https://api.sam.gov", usaspending_source="x",
                              status="failed", sam_requests=400, as_of=date(2024, 1, 15)))
    con.close()
    settings = load_settings(None, overrides={"as_of": "2024-01-15", "warehouse": str(warehouse),
                                              "data_dir": str(tmp_path / "data"),
                                              "sam": {"daily_request_budget": 1000}}, environ={"SAM_API_KEY": "k"})
    plan = plan_run(settings, transport=object(), now=now)  # type: ignore[arg-type]
    assert sam_budget_left(plan) == 600  # today's 400, although the run date is 2024-01-15


def test_a_run_records_its_run_date(tmp_path: Path, run_flow) -> None:  # type: ignore[no-untyped-def]
    run = run_flow(plan_run(demo_settings(tmp_path, as_of="2024-02-01", fiscal_years=[2022, 2023]), demo=True))
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT as_of FROM meta.runs WHERE run_id = $r", {"r": run.run_id}).fetchone() == (
            date(2024, 2, 1),)
        # FY2024 was running on 2024-02-01: FY2023 is complete, as the run date says.
        completed = dict(con.execute("SELECT DISTINCT fiscal_year, fiscal_year_completed FROM recon.program_year")
                         .fetchall())
    finally:
        con.close()
    assert completed == {2022: True, 2023: True}
