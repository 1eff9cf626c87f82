"""Fixtures shared across test modules.

Whole runs go through the Prefect flow, the run's one sequence, under ONE Prefect test harness per
test session (``prefect_server``); a test that uses it is marked ``flow`` automatically, so
``pytest -m "not flow"`` is the quick loop that never starts Prefect.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from spendrecon.config import load_settings
from spendrecon.pipeline import RunPlan, plan_run
from warehouse.runs import RunRecord

# Before `import prefect`, in this process and the server it starts: no telemetry attempt offline.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

DEMO_YEARS = [2019, 2020, 2021, 2022, 2023]
RunFlow = Callable[[RunPlan], RunRecord]


@pytest.hookimpl(tryfirst=True)  # marked before `-m` selects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "prefect_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.flow)


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The session's one Prefect server (a test harness: temporary database, ~12 s to start).
    Yields its API URL: CLI subprocesses given ``PREFECT_API_URL`` use it instead of starting their own."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        url = PREFECT_API_URL.value()
        assert url, "the Prefect test harness gave no API URL"
        yield url


@pytest.fixture(scope="session")
def prefect_env(prefect_server: str) -> dict[str, str]:
    """Environment for a CLI subprocess: use the session's Prefect server instead of starting one
    (~13 s each). Its database is then :func:`prefect_database`, not ``data/prefect`` in the run's folder."""
    return {"PREFECT_API_URL": prefect_server}


@pytest.fixture(scope="session")
def prefect_database(prefect_server: str) -> Path:
    """The session Prefect server's SQLite file: flow runs, task runs, states and logs of every test."""
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL

    url = PREFECT_API_DATABASE_CONNECTION_URL.value() or ""
    assert url.startswith("sqlite+aiosqlite:///"), url
    return Path(url.removeprefix("sqlite+aiosqlite:///"))


@pytest.fixture(scope="session")
def run_flow(prefect_server: str) -> RunFlow:
    """Run a plan through the reconciliation flow (the same tasks as `spendrecon run`); returns the
    run's record. A failed run raises, as the flow does."""
    from flows.reconcile import reconcile_plan_flow

    def run(plan: RunPlan) -> RunRecord:
        reconcile_plan_flow(plan)
        return plan.run

    return run


def demo_settings(folder: Path, **overrides: object):  # type: ignore[no-untyped-def]
    """Settings for a demo run whose files all live in ``folder``."""
    return load_settings(None, overrides={"fiscal_years": DEMO_YEARS, "warehouse": str(folder / "w.duckdb"),
                                          "data_dir": str(folder / "data"), "reports_dir": str(folder / "reports"),
                                          **overrides}, environ={})


@pytest.fixture(scope="session")
def demo_warehouse_path(tmp_path_factory: pytest.TempPathFactory, run_flow: RunFlow) -> Path:
    """One demo run (through the flow) per test session; tests only read it, or copy it."""
    tmp = tmp_path_factory.mktemp("demo")
    run_flow(plan_run(demo_settings(tmp), demo=True))
    return tmp / "w.duckdb"


@pytest.fixture
def demo_warehouse_copy(demo_warehouse_path: Path) -> Callable[[Path], Path]:
    """Copy the session's demo warehouse to ``dest`` (a starting warehouse without another demo run)."""

    def copy(dest: Path) -> Path:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(demo_warehouse_path, dest)
        return dest

    return copy


@pytest.fixture(scope="module")
def demo(demo_warehouse_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The session's demo warehouse, opened read-only."""
    con = duckdb.connect(str(demo_warehouse_path), read_only=True)
    yield con
    con.close()
