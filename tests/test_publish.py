"""The warehouse file is replaced only by a run that succeeded; readers are never disturbed."""
import threading

import pytest

from warehouse.db import connect
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
        with pytest.raises(WarehouseBusy, match="another spendrecon run is writing"):
            with writer_lock(wh):
                pass
    finally:
        release.set()
        t.join()
