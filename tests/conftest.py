"""Fixtures shared across test modules."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from spendrecon.config import load_settings
from spendrecon.pipeline import plan_run, run_pipeline


@pytest.fixture(scope="session")
def demo_warehouse_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo run (no Prefect) per test session; tests only read it."""
    tmp = tmp_path_factory.mktemp("demo")
    settings = load_settings(None, overrides={"fiscal_years": [2019, 2020, 2021, 2022, 2023],
                                              "warehouse": str(tmp / "w.duckdb"), "data_dir": str(tmp / "data"),
                                              "reports_dir": str(tmp / "reports")}, environ={})
    run_pipeline(plan_run(settings, demo=True))
    return tmp / "w.duckdb"


@pytest.fixture(scope="module")
def demo(demo_warehouse_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The session's demo warehouse, opened read-only."""
    con = duckdb.connect(str(demo_warehouse_path), read_only=True)
    yield con
    con.close()
