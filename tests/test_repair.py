"""A warehouse release cf07e8a wrote through a listing republished under a new id is repaired on its
next run: lost figures come back, findings resolved without a cause reopen (reason repair), a
figure_restated finding that stood on a first report resolves (reason repair), reviews are kept, and
the run says what it repaired - once. tests/fixtures/repair/ was made with cf07e8a's own code by
scripts/make_repair_fixture.py."""
from __future__ import annotations

import gzip
import shutil
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from connectors.records import SamExtract
from spendrecon.config import load_settings
from spendrecon.pipeline import plan_run, publish

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from make_repair_fixture import REVISED, STEADY, YEARS, _usaspending  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "repair"
D = Decimal


@pytest.fixture
def old_warehouse(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    with gzip.open(FIXTURE / "warehouse_cf07e8a.duckdb.gz") as src, open(tmp_path / "w.duckdb", "wb") as dst:
        shutil.copyfileobj(src, dst)
    shutil.copy(FIXTURE / "annotations.jsonl", tmp_path / "data" / "annotations.jsonl")
    return tmp_path / "w.duckdb"


def _run(warehouse: Path, day: int):  # type: ignore[no-untyped-def]
    folder = warehouse.parent
    settings = load_settings(None, overrides={"fiscal_years": YEARS, "warehouse": str(warehouse),
                                              "data_dir": str(folder / "data"), "reports_dir": str(folder / "reports")},
                             environ={})
    plan = plan_run(settings, demo=True, now=datetime(2026, 11, day, 6, tzinfo=timezone.utc))
    return publish(plan, SamExtract([REVISED, STEADY], [], 0, None), _usaspending())


def test_the_fixture_shows_what_the_old_release_got_wrong(old_warehouse: Path) -> None:
    con = duckdb.connect(str(old_warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM recon.program_year WHERE program_number = '10.901'").fetchone() == (2,)
        assert con.execute("SELECT count(*) FROM recon.finding_events WHERE reason = 'no_longer_applies'"
                           ).fetchone() == (3,)
        assert con.execute("SELECT status FROM recon.findings WHERE rule_id = 'figure_restated'").fetchone() == ("new",)
    finally:
        con.close()


def test_the_next_run_repairs_the_record_and_says_what_it_repaired(old_warehouse: Path) -> None:
    run = _run(old_warehouse, 4)
    con = duckdb.connect(str(old_warehouse), read_only=True)
    try:
        figures = con.execute("SELECT fiscal_year, sam_actual, sam_listing_id FROM recon.program_year "
                              "WHERE program_number = '10.901' ORDER BY 1").fetchall()
        assert figures == [(2019, D("1000000.00"), "old-id"), (2020, D("2000000.00"), "old-id"),
                           (2021, D("3000000.00"), "old-id"), (2022, D("4060000.00"), "new-id"),
                           (2023, D("5080000.00"), "new-id")]
        events = con.execute("SELECT fiscal_year, rule_id, event, reason FROM recon.finding_events "
                             "WHERE run_id = $r ORDER BY 1, 2", {"r": run.run_id}).fetchall()
        assert events == [(2019, "actual_not_in_usaspending", "reopened", "repair"),
                          (2020, "actual_not_in_usaspending", "reopened", "repair"),
                          (2021, "actual_not_in_usaspending", "reopened", "repair"),
                          (2023, "figure_restated", "resolved", "repair")]
        # The first report (C01's FY2023 actual) is no restatement any more.
        assert con.execute("SELECT count(*) FROM recon.restatements WHERE program_number = '10.901'").fetchone() == (0,)
        # The analyst's review is kept.
        assert con.execute("SELECT review_status FROM recon.findings WHERE fiscal_year = 2019 "
                           "AND rule_id = 'actual_not_in_usaspending'").fetchone() == ("accepted",)
        assert con.execute("SELECT repair, figures_restored, findings_reopened, findings_resolved FROM meta.repairs"
                           ).fetchall() == [("listing_revisions", 3, 3, 1)]
    finally:
        con.close()
    assert any(w.startswith("repaired a warehouse written before listing revisions") and "3 program-year(s)" in w
               for w in run.warnings), run.warnings
    # What else the old release's file needed, done once and said: its raw bodies into the raw store,
    # the file rewritten with the new block size.
    assert any(w.startswith("moved ") and "into the raw store, once" in w for w in run.warnings), run.warnings
    assert any(w.startswith("the warehouse file is rewritten once with 64 KB blocks") for w in run.warnings)


def test_a_repaired_warehouse_is_not_repaired_again(old_warehouse: Path) -> None:
    _run(old_warehouse, 4)
    again = _run(old_warehouse, 5)
    assert not any(w.startswith(("repaired", "moved ", "the warehouse file is rewritten")) for w in again.warnings)
    con = duckdb.connect(str(old_warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM recon.finding_events WHERE run_id = $r", {"r": again.run_id}
                           ).fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM meta.repairs").fetchone() == (1,)
    finally:
        con.close()
