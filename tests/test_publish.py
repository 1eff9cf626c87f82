"""The warehouse file is replaced only by a run that succeeded; readers are never disturbed."""
import threading
import time

import duckdb
import pytest

from warehouse.db import BLOCK_SIZE, connect
from warehouse.publish import WarehouseBusy, building, building_path, writer_lock


def _count(path, table="recon.findings"):
    con = connect(path, read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def _publish_findings(path, run_id, n):
    with writer_lock(path), building(path, run_id) as con:
        con.execute("DELETE FROM recon.findings")
        for i in range(n):
            con.execute("INSERT INTO recon.findings (run_id, program_number, fiscal_year, rule_id, severity, message, "
                        "status, first_seen_run_id, last_seen_run_id) "
                        "VALUES ($r, $p, 2022, 'estimate_only', 'info', 'm', 'new', $r, $r)", {"r": run_id, "p": f"10.{i:03d}"})


def test_a_successful_build_replaces_the_file(tmp_path):
    wh = tmp_path / "w.duckdb"
    _publish_findings(wh, "run1", 3)
    assert _count(wh) == 3
    _publish_findings(wh, "run2", 5)
    assert _count(wh) == 5
    assert not building_path(wh, "run2").exists()


def test_a_failure_mid_build_leaves_the_published_file_untouched(tmp_path):
    wh = tmp_path / "w.duckdb"
    _publish_findings(wh, "run1", 3)
    before = wh.read_bytes()
    with pytest.raises(RuntimeError, match="boom"):
        with writer_lock(wh), building(wh, "run2") as con:
            con.execute("DELETE FROM recon.findings")
            raise RuntimeError("boom")
    assert wh.read_bytes() == before
    assert _count(wh) == 3
    assert not building_path(wh, "run2").exists()


def test_a_reader_holding_the_file_open_read_only_keeps_its_snapshot(tmp_path):
    wh = tmp_path / "w.duckdb"
    _publish_findings(wh, "run1", 3)
    reader = connect(wh, read_only=True)
    try:
        _publish_findings(wh, "run2", 7)  # no lock conflict with the open reader
        assert reader.execute("SELECT count(*) FROM recon.findings").fetchone()[0] == 3
    finally:
        reader.close()
    assert _count(wh) == 7


def test_two_writers_cannot_interleave(tmp_path):
    wh = tmp_path / "w.duckdb"
    entered, release = threading.Event(), threading.Event()

    def first():
        with writer_lock(wh):
            entered.set()
            release.wait(10)

    t = threading.Thread(target=first)
    t.start()
    try:
        assert entered.wait(10)
        started = time.monotonic()
        with pytest.raises(WarehouseBusy, match="another spendrecon run is writing"):
            with writer_lock(wh):
                pass
        assert time.monotonic() - started < 0.2  # no wait asked for: refused at once
        # Asked to wait, a writer gets the lock once the other lets go, and not before.
        threading.Timer(0.5, release.set).start()
        with writer_lock(wh, wait_seconds=10):
            waited = time.monotonic() - started
            assert release.is_set()
        assert waited >= 0.5
    finally:
        release.set()
        t.join()


def test_the_daily_sam_budget_counts_only_live_official_api_requests_of_that_day(tmp_path):
    from datetime import date, datetime

    from warehouse.runs import RunRecord, record_run, sam_requests_on

    con = connect(tmp_path / "w.duckdb")
    from warehouse.db import ensure_schema

    ensure_schema(con)
    api = "https://api.sam.gov"
    for run_id, day, mode, source, n in (("a", 27, "live", api, 40), ("b", 27, "live", api, 5),
                                         ("c", 26, "live", api, 900), ("d", 27, "demo", "demo bundle", 23),
                                         ("e", 27, "live", "https://sam.gov", 2270)):
        record_run(con, RunRecord(run_id=run_id, started_at=datetime(2026, 11, day, 10), mode=mode,
                                  fiscal_years=[2023], programs=None, sam_source=source,
                                  usaspending_source="x", status="failed" if run_id == "b" else "succeeded",
                                  sam_requests=n))
    assert sam_requests_on(con, date(2026, 11, 27), api) == 45


def _file(path):
    con = connect(path, read_only=True)
    try:
        block_size, used, free = con.execute(
            "SELECT block_size, used_blocks, free_blocks FROM pragma_database_size() "
            "WHERE database_name = current_database()").fetchone()
        rows = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("recon.findings", "meta.runs", "raw.sam_pages")}
    finally:
        con.close()
    return block_size, used, free, rows


def test_a_new_warehouse_has_small_blocks_and_an_older_ones_file_is_rewritten_with_them_once(tmp_path):
    wh = tmp_path / "w.duckdb"
    _publish_findings(wh, "run1", 3)
    with writer_lock(wh), building(wh, "run1b"):
        pass  # the schema as a run leaves it (it fills what the inserts above left out)
    assert _file(wh)[0] == BLOCK_SIZE
    # An older release's file: DuckDB's default 256 KB blocks.
    old = tmp_path / "old.duckdb"
    con = duckdb.connect()
    con.execute(f"ATTACH '{wh}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{old}' AS b (BLOCK_SIZE 262144)")
    con.execute("COPY FROM DATABASE a TO b")
    con.close()
    old.replace(wh)
    assert _file(wh)[0] == 262144
    before = _file(wh)[3]
    notices = []
    with writer_lock(wh), building(wh, "run2", notices):
        pass
    assert _file(wh)[0] == BLOCK_SIZE and _file(wh)[3] == before
    assert len(notices) == 1 and notices[0].startswith(
        "the warehouse file is rewritten once with 64 KB blocks instead of 256 KB")
    notices.clear()
    with writer_lock(wh), building(wh, "run3", notices):
        pass
    assert notices == []


def test_a_copy_with_more_free_space_than_data_is_compacted_before_it_is_published(tmp_path):
    wh = tmp_path / "w.duckdb"
    _publish_findings(wh, "run1", 3)
    with writer_lock(wh), building(wh, "run2") as con:  # a run whose rewrites freed a lot
        con.execute("CREATE TABLE meta.scratch AS SELECT range AS i, md5(range::VARCHAR) AS t FROM range(200000)")
        con.execute("CHECKPOINT")
        con.execute("DROP TABLE meta.scratch")
    _, used, free, rows = _file(wh)
    assert free <= used
    assert wh.stat().st_size < 1_000_000
    assert len(rows["recon.findings"]) == 3
    assert not list(tmp_path.glob(".w.duckdb.*"))  # no scratch file left
