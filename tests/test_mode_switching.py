"""Switching modes on the same data adds nothing to the record (issue 17, item 6).

SAM.gov keyed (api.sam.gov's F-codes) and keyless (the front end's legacy dictionary ids) spell
assistance types differently; a line of recon.figure_history is one assistance type whichever mode
read it. USAspending's API does not state the archive's loan measures: absent is not changed. The
one-time history rebuild from the raw snapshots equals the live history in both SAM.gov modes.
Every run goes through the flow with the demo emulator, into one warehouse.
"""
from __future__ import annotations

import shutil
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pytest

from spendrecon.archive_ingest import ArchiveConfig, ingest_sources
from spendrecon.config import Settings
from spendrecon.demo.apis import ApiEmulator, Bundle
from spendrecon.demo.archive import write_demo_archive
from spendrecon.demo.transport import EmulatorTransport
from spendrecon.demo.vintage import demo_bundle
from spendrecon.history_rebuild import rebuild_history
from spendrecon.pipeline import plan_run
from warehouse.db import connect
from warehouse.runs import RunRecord

RunFlow = Callable[..., RunRecord]
YEARS = [2019, 2020, 2021, 2022, 2023]
HISTORY = ("SELECT source, program_number, fiscal_year, line, measure, value, valid_from_run, valid_to_run, "
           "fetched_at FROM recon.figure_history ORDER BY ALL")


@cache
def _bundle(vintage: int) -> Bundle:
    return demo_bundle(vintage)


def _settings(folder: Path, sam_mode: str, usaspending_mode: str = "api") -> Settings:
    return Settings(warehouse=str(folder / "w.duckdb"), reports_dir=str(folder / "reports"),
                    data_dir=str(folder / "data"), fiscal_years=YEARS, base_dir=str(folder),
                    sam={"mode": sam_mode}, usaspending={"mode": usaspending_mode})


def _run(run_flow: RunFlow, s: Settings, emulator: ApiEmulator, vintage: int = 1) -> str:
    run = run_flow(plan_run(s, demo=True, demo_vintage=vintage, transport=EmulatorTransport(emulator)))
    assert run.status == "succeeded"
    return run.run_id


def _rows(path: Path, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def _changed(path: Path, run_id: str) -> int:
    """History rows the run opened or closed."""
    return _rows(path, "SELECT count(*) FROM recon.figure_history WHERE valid_from_run = $r OR valid_to_run = $r",
                 {"r": run_id})[0][0]


def _vintage_two_changes() -> list[str]:
    """programIds whose listing vintage 2 changed: their front-end modifiedDate moves on, as an edit's does."""
    before = {str(x["programId"]): x for x in _bundle(1).sam_listings}
    return sorted(str(x["programId"]) for x in _bundle(2).sam_listings if before.get(str(x["programId"])) != x)


@pytest.fixture(scope="module")
def sam_modes(run_flow: RunFlow, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """keyed -> keyless -> keyed on vintage 1; then vintage 2 keyed, keyless (stale), keyless, keyless
    again, keyed again: eight runs into one warehouse."""
    folder = tmp_path_factory.mktemp("sam_modes")
    keyed, keyless = _settings(folder, "api"), _settings(folder, "public")
    one = ApiEmulator(_bundle(1))
    runs = {"keyed_1": _run(run_flow, keyed, one), "keyless_1": _run(run_flow, keyless, one),
            "keyed_1_again": _run(run_flow, keyed, one)}
    runs["keyed_2"] = _run(run_flow, keyed, ApiEmulator(_bundle(2)), 2)
    # The front end's index still gives every listing vintage 1's modifiedDate: the keyless run reuses
    # the documents keyless_1 stored (and stores none), so it says vintage 1's figures again.
    runs["keyless_stale"] = _run(run_flow, keyless, ApiEmulator(_bundle(2)), 2)
    two = ApiEmulator(_bundle(2), public_modified=_vintage_two_changes())
    runs["keyless_2"] = _run(run_flow, keyless, two, 2)  # fetches (and stores) only the changed documents
    runs["keyless_2_again"] = _run(run_flow, keyless, two, 2)  # no document changed: none fetched
    runs["keyed_2_again"] = _run(run_flow, keyed, two, 2)
    return keyed.warehouse_path, runs


def test_switching_sam_mode_on_the_same_figures_adds_no_history_version(sam_modes) -> None:
    path, runs = sam_modes
    first = _rows(path, "SELECT count(*) FROM recon.figure_history WHERE source = 'sam' AND line <> 'total' "
                        "AND valid_from_run = $r", {"r": runs["keyed_1"]})[0][0]
    assert first > 5000  # the lines of every listing
    for same in ("keyless_1", "keyed_1_again", "keyless_2_again", "keyed_2_again"):
        assert _changed(path, runs[same]) == 0, same
    # Vintage 2 did change figures, and the stale keyless run said vintage 1's again: both recorded
    # under the lines the keyed runs recorded, each change once.
    for changed in ("keyed_2", "keyless_stale", "keyless_2"):
        assert _changed(path, runs[changed]) > 0, changed
    stale = ("SELECT count(*) FROM recon.figure_history WHERE source = 'sam' AND valid_from_run = $r")
    assert _rows(path, stale, {"r": runs["keyless_stale"]}) == _rows(path, stale, {"r": runs["keyless_2"]})
    lines = "SELECT DISTINCT line FROM recon.figure_history WHERE source = 'sam' ORDER BY 1"
    v2 = {f"F{n:03}" for n in range(1, 11)} | {f"N{n:03}" for n in range(1, 8)}
    assert {line for (line,) in _rows(path, lines)} <= {"total", "0090"} | v2  # 0090: salaries, no v2 code
    # 97.102's seed lines, one version each through all eight runs.
    seed = _rows(path, "SELECT line, measure, value, valid_from_run, valid_to_run FROM recon.figure_history "
                       "WHERE source = 'sam' AND program_number = '97.102' AND fiscal_year = 2022 ORDER BY 1, 2")
    assert seed == [(line, measure, value, runs["keyed_1"], None)
                    for line in ("F001", "total") for measure, value in
                    (("actual", Decimal("15000000.00")), ("estimate", Decimal("5000000.00")))]


def test_the_history_rebuilt_from_raw_snapshots_equals_the_live_one_in_both_sam_modes(sam_modes, tmp_path) -> None:
    path, _ = sam_modes
    live = _rows(path, HISTORY)
    copy = tmp_path / "rebuilt.duckdb"
    shutil.copyfile(path, copy)
    con = connect(copy)
    try:
        assert rebuild_history(con) == len(live)
    finally:
        con.close()
    rebuilt = _rows(copy, HISTORY)
    assert set(rebuilt) - set(live) == set() and set(live) - set(rebuilt) == set()
    assert rebuilt == live


def _fill_archive_store(s: Settings, folder: Path) -> None:
    """What `spendrecon ingest-archive --demo` does: the demo's archive files into the run's store."""
    store = s.data_path / "usaspending_archive.duckdb"
    store.parent.mkdir(parents=True, exist_ok=True)
    files = write_demo_archive(folder / "archive_files")
    outcome = ingest_sources([str(p) for p in files], ArchiveConfig(store=store, download_dir=folder / "dl", workers=1))
    assert outcome.failed is None, outcome.error


def test_api_archive_api_keeps_the_loan_measures_and_reads_no_stale_archive_staging(run_flow, tmp_path) -> None:
    api, archive = _settings(tmp_path, "api", "api"), _settings(tmp_path, "api", "archive")
    _fill_archive_store(archive, tmp_path)
    emulator = ApiEmulator(_bundle(1))
    first = _run(run_flow, api, emulator)
    second = _run(run_flow, archive, emulator)
    path = api.warehouse_path
    loans = ("SELECT count(*) FROM recon.figure_history WHERE measure IN ('loan_face_value', 'loan_subsidy_cost') "
             "AND valid_from_run = $r AND valid_to_run IS NULL")
    held = _rows(path, loans, {"r": second})[0][0]
    assert held > 0
    # The archive's totals equal the API's (tests/test_demo_archive.py): obligations did not change.
    assert _rows(path, "SELECT count(*) FROM recon.figure_history WHERE measure = 'obligations' "
                       "AND (valid_from_run = $r OR valid_to_run = $r)", {"r": second}) == [(0,)]
    assert _rows(path, "SELECT count(*) FROM staging.usaspending_all_years") != [(0,)]

    third = _run(run_flow, api, emulator)
    # The API states no loan measure: absent is not changed, the archive's versions stay open.
    assert _rows(path, loans, {"r": second}) == [(held,)]
    assert _changed(path, third) == 0
    # Every fiscal year the archive store held, written by the archive run, is not read by an API run.
    assert _rows(path, "SELECT count(*) FROM staging.usaspending_all_years") == [(0,)]
    assert _rows(path, "SELECT count(*) FROM recon.figure_history WHERE valid_from_run = $r",
                 {"r": first})[0][0] > 0


def test_every_legacy_spelling_the_front_end_uses_reads_as_the_official_code() -> None:
    from connectors.records import canonical_assistance_type
    from connectors.sam_public_documents import decode_assistance_type, parse_assistance_types
    from spendrecon.demo.public_api import LEGACY_TYPE_OF, dictionary_payload

    names = parse_assistance_types(dictionary_payload(), url="dictionary")
    assert {official: canonical_assistance_type(legacy, decode_assistance_type(legacy, names))
            for official, legacy in LEGACY_TYPE_OF.items()} == {official: official for official in LEGACY_TYPE_OF}
    # Family letters, family ids and names decide where the element id alone does not.
    assert [canonical_assistance_type(c, n) for c, n in (
        ("B", None), ("0003", "PROJECT GRANTS"), ("0003777", "Project Grants (Cooperative Agreements)"),
        ("h", None), ("0015777", "Asset Forfeiture/Equitable Sharing"), ("Z", None), (" f003 ", "x"),
        ("7777777", None), ("", None), (None, "Grant"))] == [
        "F001", "F001", "F002", "F009", "F008", "0090", "F003", "7777777", None, None]
