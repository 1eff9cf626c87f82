"""What the sources said when: a window that moves, figures carried forward, recon.figure_history kept
as changes and rebuilt from the raw snapshots, the demo's later vintage."""
from __future__ import annotations

import copy
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from connectors.sam_gov import parse_listing
from spendrecon.cli import app
from spendrecon.config import load_settings
from spendrecon.demo.apis import ApiEmulator, Bundle
from spendrecon.demo.transport import EmulatorTransport
from spendrecon.demo.vintage import WINDOW_START, demo_bundle, later_vintage
from spendrecon.history_rebuild import rebuild_history
from spendrecon.pipeline import plan_run
from spendrecon.report import write_report
from warehouse.db import connect

YEARS = [2019, 2020, 2021, 2022, 2023]
_PAYLOAD = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


def _settings(folder: Path):  # type: ignore[no-untyped-def]
    return load_settings(None, overrides={"fiscal_years": YEARS, "warehouse": str(folder / "w.duckdb"),
                                          "data_dir": str(folder / "data"), "reports_dir": str(folder / "reports")},
                         environ={})


def _window_moved(bundle: Bundle) -> Bundle:
    """The same listings once SAM.gov's window has moved: FY2019-2021 no longer carried, nothing restated."""
    def key(obj: dict, name: str) -> str:  # the bundle spells some keys in other cases, as SAM.gov does
        return next(k for k in obj if k.lower() == name)

    moved = copy.deepcopy(bundle.sam_listings)
    for listing in moved:
        info = listing[key(listing, "financialinformation")]
        for obligation in info.get(next((k for k in info if k.lower() == "obligations"), ""), None) or []:
            name = key(obligation, "values")
            values = obligation[name]
            if isinstance(values, list):
                obligation[name] = [v for v in values if int(v[key(v, "year")]) >= 2022]
            elif isinstance(values, dict):
                obligation[name] = {y: v for y, v in values.items() if int(y) >= 2022}
    return Bundle(sam_listings=moved, usaspending=bundle.usaspending)


def _sam_figures(path: Path) -> dict[tuple[str, int], tuple[Decimal | None, Decimal | None]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("SELECT program_number, fiscal_year, sam_estimate, sam_actual FROM recon.program_year "
                           "WHERE sam_lines > 0").fetchall()
    finally:
        con.close()
    return {(p, fy): (e, a) for p, fy, e, a in rows}


def test_a_moved_window_keeps_every_sam_figure_carried_forward_and_resolves_nothing(run_flow, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    base = Bundle.load_demo()
    first = run_flow(plan_run(settings, demo=True, transport=EmulatorTransport(ApiEmulator(base))))
    before = _sam_figures(settings.warehouse_path)
    second = run_flow(plan_run(settings, demo=True,
                                   transport=EmulatorTransport(ApiEmulator(_window_moved(base)))))
    assert _sam_figures(settings.warehouse_path) == before  # every SAM.gov figure of the first run
    assert second.findings_resolved == 0 and second.findings_new == 0
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        carried = con.execute(
            "SELECT fiscal_year >= 2022, sam_carried_forward, sam_carried_from_run, count(*) FROM recon.program_year "
            "WHERE sam_lines > 0 GROUP BY ALL ORDER BY ALL").fetchall()
        statuses = con.execute("SELECT status, count(*) FROM recon.findings GROUP BY ALL").fetchall()
        resolved = con.execute("SELECT count(*) FROM recon.finding_events WHERE event = 'resolved'").fetchone()
        history = con.execute("SELECT count(*) FROM recon.figure_history WHERE valid_to_run IS NOT NULL").fetchone()
    finally:
        con.close()
    # FY2019-2021 carried forward from the first run; FY2022 on said again by the second.
    assert [(later, flag, src) for later, flag, src, _ in carried] == [
        (False, True, first.run_id), (True, False, None)]
    assert dict(statuses) == {"open": 5008} and resolved == (0,)
    assert history == (0,)  # an absent year is not a change: no version closed


def test_a_listing_gone_keeps_its_figures_marked_no_longer_listed_with_a_warning(run_flow, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    base = Bundle.load_demo()
    run_flow(plan_run(settings, demo=True, transport=EmulatorTransport(ApiEmulator(base))))
    before = _sam_figures(settings.warehouse_path)
    fewer = Bundle(sam_listings=[l for l in base.sam_listings if l["assistanceListingId"] != "97.102"],
                   usaspending=base.usaspending)
    second = run_flow(plan_run(settings, demo=True, transport=EmulatorTransport(ApiEmulator(fewer))))
    assert any("no longer lists 1 program(s)" in w and "97.102" in w for w in second.warnings)
    assert _sam_figures(settings.warehouse_path) == before
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute("SELECT fiscal_year, sam_actual, sam_no_longer_listed, sam_carried_forward "
                           "FROM recon.program_year WHERE program_number = '97.102' AND fiscal_year = 2022").fetchall()
    finally:
        con.close()
    assert rows == [(2022, Decimal("15000000.00"), True, True)]
    assert second.findings_resolved == 0


@pytest.fixture(scope="module")
def two_vintages(run_flow, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """The demo as a newcomer replays it: `run --demo`, then `run --demo --demo-vintage 2`."""
    folder = tmp_path_factory.mktemp("vintages")
    settings = _settings(folder)
    first = run_flow(plan_run(settings, demo=True))
    second = run_flow(plan_run(settings, demo=True, demo_vintage=2))
    return settings.warehouse_path, first.run_id, second.run_id


def _copy(path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "w.duckdb"
    shutil.copyfile(path, target)
    return target


def test_history_97_102_shows_the_estimate_and_actual_with_their_run(two_vintages, monkeypatch) -> None:
    path, first, _ = two_vintages
    monkeypatch.setenv("SPENDRECON_WAREHOUSE", str(path))
    runner = CliRunner()
    table = runner.invoke(app, ["history", "97.102", "--fiscal-year", "2022", "--format", "table"])
    assert table.exit_code == 0, table.output
    assert "$5,000,000.00" in table.output and "$15,000,000.00" in table.output and first in table.output
    piped = runner.invoke(app, ["history", "97.102", "--fiscal-year", "2022"])  # not a terminal: TSV
    assert piped.output.splitlines()[0].split("\t")[:4] == ["fiscal_year", "source", "measure", "value"]
    assert f"2022\tsam\tactual\t15000000.00\t{first}" in piped.output
    as_json = runner.invoke(app, ["history", "97.102", "--fiscal-year", "2022", "--format", "json"])
    assert '"value": 15000000.00' in as_json.output and '"value": 5000000.00' in as_json.output
    rows = {(r["source"], r["measure"]): r for r in json.loads(as_json.output, parse_float=Decimal)}
    assert rows[("sam", "actual")]["valid_from_run"] == first and rows[("sam", "actual")]["valid_to_run"] is None
    assert rows[("sam", "estimate")]["value"] == Decimal("5000000.00")
    csv_out = runner.invoke(app, ["history", "97.102", "--fiscal-year", "2019", "--format", "csv", "--lines"])
    line = next(x for x in csv_out.output.splitlines() if x.startswith("sam,97.102,2019,F001,actual,"))
    assert line.startswith(f"sam,97.102,2019,F001,actual,0.00,{first},,")
    assert line.endswith(",True")  # carried forward: the window moved past FY2019
    bad = runner.invoke(app, ["history", "97.102", "--format", "xml"])
    assert bad.exit_code == 2  # a usage error: --format is one of table, tsv, csv, json


def test_vintage_two_records_restatements_and_late_reporting(two_vintages) -> None:
    path, first, second = two_vintages
    con = duckdb.connect(str(path), read_only=True)
    try:
        reasons = dict(con.execute("SELECT reason, count(*) FROM recon.finding_events WHERE run_id = $r "
                                   "AND event = 'resolved' GROUP BY ALL", {"r": second}).fetchall())
        restated = dict(con.execute("SELECT source, count(*) FROM recon.restatements WHERE run_id = $r GROUP BY ALL",
                                    {"r": second}).fetchall())
        flagged = con.execute("SELECT count(*) FROM recon.findings WHERE rule_id = 'figure_restated'").fetchone()
        drift = con.execute(
            "SELECT count(*) FROM recon.restatements AS r WHERE r.run_id = $r AND r.source = 'usaspending' "
            "AND abs(r.change) < 0.01 * abs(r.old_value) AND NOT EXISTS (SELECT 1 FROM recon.findings AS f "
            "WHERE f.rule_id = 'figure_restated' AND f.program_number = r.program_number "
            "AND f.fiscal_year = r.fiscal_year)", {"r": second}).fetchone()
        old_years = con.execute(
            "SELECT count(*) FILTER (WHERE sam_carried_from_run = $first), count(*) FROM recon.program_year "
            "WHERE fiscal_year < 2022 AND sam_lines > 0", {"first": first}).fetchone()
    finally:
        con.close()
    assert reasons.get("late_reporting", 0) >= 3 and "sam_restated" in reasons
    assert restated["sam"] > 0 and restated["usaspending"] > 0
    assert flagged and flagged[0] > 0
    assert drift and drift[0] > 0  # small USAspending drift: recorded, not flagged
    assert old_years and old_years[0] == old_years[1] > 0


def test_the_demo_report_shows_restatements_late_reporting_and_carried_figures(two_vintages, tmp_path) -> None:
    path, first, second = two_vintages
    folder = write_report(_copy(path, tmp_path), tmp_path / "reports")
    md = (folder / "summary.md").read_text(encoding="utf-8")
    assert "late reporting: USAspending now records the money" in md
    assert "## Restated since the previous run:" in md and "SAM.gov restated its figure" in md
    payload = json.loads(_PAYLOAD.search((folder / "report.html").read_text(encoding="utf-8")).group(1))
    assert "late_reporting" in {row[-1] for row in payload["events"]["rows"]}
    assert payload["restatements"]["rows"]
    assert payload["carried"]["97.102"] == [[2019, first, None, None, None], [2020, first, None, None, None],
                                           [2021, first, None, None, None]]
    restated_program = payload["restatements"]["rows"][0][1]
    assert payload["versions"][restated_program]


def test_report_of_the_first_run_is_reproduced_as_it_was(two_vintages, tmp_path) -> None:
    path, first, second = two_vintages
    copy_path = _copy(path, tmp_path)
    reports = tmp_path / "reports"
    write_report(copy_path, reports)
    folder = write_report(copy_path, reports, run_id=first)
    assert (reports / "latest").resolve().name == second
    md = (folder / "summary.md").read_text(encoding="utf-8")
    assert "5,008 open (5,008 new)" in md and "## Restated since the previous run: 0" in md
    payload = json.loads(_PAYLOAD.search((folder / "report.html").read_text(encoding="utf-8")).group(1))
    assert [r[0] for r in payload["runs"]["rows"]] == [first]
    statuses = {row[4] for row in payload["findings"]["rows"]}
    assert statuses == {"new"}
    assert len(payload["findings"]["rows"]) == 5008


def test_report_of_the_first_run_keeps_that_runs_triage_and_leads(two_vintages, tmp_path) -> None:
    # The second vintage re-triages findings (restated neighbours move year shifts and other-ALN pairs,
    # restated actuals open gaps); the first run's report still shows the triage the first run gave them.
    path, first, _ = two_vintages
    copy_path = _copy(path, tmp_path)
    folder = write_report(copy_path, tmp_path / "reports", run_id=first)
    md = (folder / "summary.md").read_text(encoding="utf-8")
    assert "pending 1,840 ($1.34T) · legitimate 1,154 ($903.63B)" in md
    assert "leads 225 ($156.51B)" in md and "## Leads: 226 findings on 225 program-years" in md
    payload = json.loads(_PAYLOAD.search((folder / "report.html").read_text(encoding="utf-8")).group(1))
    assert payload["leadCount"] == 226


def test_history_is_rebuilt_from_the_raw_snapshots(two_vintages, tmp_path) -> None:
    path = _copy(two_vintages[0], tmp_path)
    con = connect(path)
    try:
        keep = "source, program_number, fiscal_year, line, measure, value, valid_from_run, valid_to_run"
        recorded = set(con.execute(f"SELECT {keep} FROM recon.figure_history").fetchall())
        assert rebuild_history(con) == len(recorded)
        assert set(con.execute(f"SELECT {keep} FROM recon.figure_history").fetchall()) == recorded
    finally:
        con.close()


def test_an_older_warehouse_gains_its_history_on_its_next_run(run_flow, two_vintages, tmp_path) -> None:
    path = _copy(two_vintages[0], tmp_path)
    first, second = two_vintages[1], two_vintages[2]
    con = connect(path)
    con.execute("DELETE FROM recon.figure_history")  # as a file made before the table existed
    con.close()
    settings = load_settings(None, overrides={"fiscal_years": YEARS, "warehouse": str(path),
                                              "data_dir": str(tmp_path / "data"),
                                              "reports_dir": str(tmp_path / "reports")}, environ={})
    third = run_flow(plan_run(settings, demo=True, demo_vintage=2))
    con = duckdb.connect(str(path), read_only=True)
    try:
        runs = dict(con.execute("SELECT valid_from_run, count(*) FROM recon.figure_history GROUP BY ALL").fetchall())
        seed = con.execute("SELECT measure, value, valid_from_run FROM recon.figure_history WHERE program_number = "
                           "'97.102' AND fiscal_year = 2022 AND source = 'sam' AND line = 'total' ORDER BY 1").fetchall()
    finally:
        con.close()
    assert runs[first] > 0 and runs[second] > 0 and third.run_id not in runs  # vintage 2 again: no change
    assert seed == [("actual", Decimal("15000000.00"), first), ("estimate", Decimal("5000000.00"), first)]


def test_vintage_two_is_derived_deterministically_and_leaves_the_base_alone() -> None:
    base = Bundle.load_demo()
    pristine = copy.deepcopy(base)
    one, two = later_vintage(base), later_vintage(base)
    assert one == two and base == pristine
    assert demo_bundle(1) == pristine
    years = {line.fiscal_year for listing in one.sam_listings for line in parse_listing(listing).lines}
    assert min(years) == WINDOW_START
    seed = next(parse_listing(x) for x in one.sam_listings if x["assistanceListingId"] == "97.102")
    assert [(line.fiscal_year, line.sam_estimate, line.sam_actual) for line in seed.lines] == [
        (2022, Decimal("5000000.00"), Decimal("15000000.00")), (2023, Decimal("20000000.00"), None)]
    assert len(one.sam_listings) < len(base.sam_listings)
    with pytest.raises(ValueError, match="demo vintage"):
        demo_bundle(6)


def test_history_of_public_mode_runs_is_rebuilt_from_the_stored_documents(run_flow, tmp_path) -> None:
    from spendrecon.config import Settings

    settings = Settings(warehouse=str(tmp_path / "public.duckdb"), reports_dir=str(tmp_path / "reports"),
                        data_dir=str(tmp_path / "data"), fiscal_years=YEARS, sam={"mode": "public"},
                        base_dir=str(tmp_path))
    run_flow(plan_run(settings, demo=True))
    run_flow(plan_run(settings, demo=True))  # documents unchanged: none fetched, none stored
    con = connect(settings.warehouse_path)
    try:
        keep = "source, program_number, fiscal_year, line, measure, value, valid_from_run, valid_to_run"
        recorded = set(con.execute(f"SELECT {keep} FROM recon.figure_history").fetchall())
        sam = [r for r in recorded if r[0] == "sam" and r[1] == "97.102" and r[2] == 2022 and r[3] == "total"]
        assert {(r[4], r[5]) for r in sam} == {("actual", Decimal("15000000.00")), ("estimate", Decimal("5000000.00"))}
        rebuild_history(con)
        assert set(con.execute(f"SELECT {keep} FROM recon.figure_history").fetchall()) == recorded
    finally:
        con.close()
