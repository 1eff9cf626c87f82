"""The demo with years of past: vintages 1..5 replayed into ONE warehouse, oldest first, each run dated
its snapshot with its own window (the vintage's defaults), as a scheduled user's record would grow.

After every run, the record must hold what the sources said, derived here from the raw vintage JSON
(tests/vintage_reading.py), never from spendrecon's output: recon.program_year's SAM.gov estimate and
actual and USAspending obligations for every program-year, the seed case as seeded, no SAM.gov
program-year lost because its listing was republished, and `verify` (warehouse/verify.py, when
present) finding no violation.
"""
from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from spendrecon.demo.transport import VINTAGES
from spendrecon.demo.vintage import demo_bundle, vintage_changes
from spendrecon.pipeline import plan_run
from tests.conftest import RunFlow, demo_settings
from tests.vintage_reading import Expected, Key

Figures = tuple[Decimal | None, Decimal | None, Decimal | None]  # sam_estimate, sam_actual, usaspending
MEASURES = ("sam_estimate", "sam_actual", "usaspending_obligations")
M = Decimal("1000000.00")


_PAYLOAD = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


@dataclass
class AfterRun:
    vintage: int
    run_id: str
    figures: dict[Key, Figures] = field(repr=False)  # recon.program_year as published
    expected: Expected = field(repr=False)  # what the sources said, replayed up to this vintage
    violations: list[str] | None = field(repr=False)  # verify's cases (None: no warehouse.verify to ask)
    years: tuple[int, ...] = ()  # the run's window
    record: dict[str, Any] = field(default_factory=dict, repr=False)  # this run's restatements, events
    report: Path | None = None  # the run's report folder


def _program_years(path: Path) -> dict[Key, Figures]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(f"SELECT program_number, fiscal_year, {', '.join(MEASURES)} FROM recon.program_year").fetchall()
    finally:
        con.close()
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}


def _verify(path: Path, run_id: str) -> list[str] | None:
    try:
        from warehouse.verify import verify  # another part of issue 17; absent before it lands
    except ImportError:
        return None
    from warehouse.db import connect

    con = connect(path, read_only=True)
    try:
        result = verify(con, run_id)
    finally:
        con.close()
    return [] if result.ok else [*result.summary_lines(), *(case.line() for case in result.cases)]


@pytest.fixture(scope="module")
def replay(run_flow: RunFlow, tmp_path_factory: pytest.TempPathFactory) -> list[AfterRun]:
    folder = tmp_path_factory.mktemp("replay")
    # No window and no date: each run takes its vintage's (plan_run), as `run --demo --demo-vintage N` does.
    settings = demo_settings(folder, fiscal_years=None)
    expected = Expected()
    after: list[AfterRun] = []
    for vintage in VINTAGES:
        plan = plan_run(settings, demo=True, demo_vintage=vintage)
        run = run_flow(plan)
        assert run.status == "succeeded", (vintage, run)
        expected.replay(demo_bundle(vintage), plan.scope.fiscal_years)
        after.append(AfterRun(vintage, run.run_id, _program_years(folder / "w.duckdb"), copy.deepcopy(expected),
                              _verify(folder / "w.duckdb", run.run_id), tuple(plan.scope.fiscal_years),
                              _record(folder / "w.duckdb", run.run_id), folder / "reports" / run.run_id))
    return after


def _record(path: Path, run_id: str) -> dict[str, Any]:
    """What the warehouse recorded of this run: SAM.gov actuals restated and first reported, and the
    run's resolutions and reopenings by reason."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        def keys(view: str, source: str, measure: str) -> set[Key]:
            return {(a, fy) for a, fy in con.execute(
                f"SELECT program_number, fiscal_year FROM recon.{view} WHERE run_id = $r AND source = $s "
                "AND measure = $m", {"r": run_id, "s": source, "m": measure}).fetchall()}

        return {
            "sam_restated": keys("restatements", "sam", "actual"),
            "sam_first_reported": keys("first_reports", "sam", "actual"),
            "usaspending_first_reported": keys("first_reports", "usaspending", "obligations"),
            "usaspending_restated": keys("restatements", "usaspending", "obligations"),
            "events": Counter(dict(((e, r), n) for e, r, n in con.execute(
                "SELECT event, reason, count(*) FROM recon.finding_events WHERE run_id = $r AND event IN "
                "('resolved', 'reopened') GROUP BY ALL", {"r": run_id}).fetchall())),
        }
    finally:
        con.close()


def _mismatches(after: AfterRun, measure: int) -> Iterator[tuple[Key, Any, Any]]:
    for key in sorted(after.expected.keys() | set(after.figures)):
        got = after.figures.get(key, (None, None, None))[measure]
        want = after.expected.figures(key)[measure]
        if got != want:
            yield key, got, want


def _describe(wrong: list[tuple[Key, Any, Any]]) -> str:
    by_year = Counter(key[1] for key, _got, _want in wrong)
    lost = sum(1 for _k, got, want in wrong if got is None)
    extra = sum(1 for _k, got, want in wrong if want is None)
    examples = "; ".join(f"{k[0]} FY{k[1]}: {got} (want {want})" for k, got, want in wrong[:10])
    return (f"{len(wrong)} program-years wrong (by fiscal year {dict(sorted(by_year.items()))}; "
            f"{lost} NULL where the sources stated a figure, {extra} a figure where they state none). {examples}")


@pytest.mark.parametrize("measure", range(len(MEASURES)), ids=MEASURES)
@pytest.mark.parametrize("vintage", VINTAGES)
def test_every_program_years_figures_are_the_latest_the_sources_said(replay: list[AfterRun], vintage: int,
                                                                    measure: int) -> None:
    after = replay[vintage - 1]
    wrong = list(_mismatches(after, measure))
    assert not wrong, f"after vintage {vintage}, {MEASURES[measure]}: {_describe(wrong)}"


def test_no_sam_program_year_is_lost_when_its_listing_is_republished(replay: list[AfterRun]) -> None:
    def with_sam(after: AfterRun) -> set[Key]:
        return {k for k, (estimate, actual, _u) in after.figures.items() if estimate is not None or actual is not None}

    counts = [len(with_sam(after)) for after in replay]
    for before, after in zip(replay, replay[1:], strict=False):
        # Only a statement takes figures away (a withdrawn actual of a year with no estimate, a renumbering).
        legit = before.expected.with_sam_figures() - after.expected.with_sam_figures()
        assert len(with_sam(after)) >= len(with_sam(before)) - len(legit), (
            f"vintage {after.vintage}: SAM.gov program-years {counts}; lost "
            f"{sorted(with_sam(before) - with_sam(after) - legit)[:10]}")


def test_the_seed_case_keeps_its_figures_after_every_run(replay: list[AfterRun]) -> None:
    for after in replay:
        assert after.figures[("97.102", 2022)] == (5 * M, 15 * M, Decimal("0.00")), after.vintage
        assert after.figures[("97.102", 2023)] == (20 * M, None, 15 * M), after.vintage


def test_verify_finds_no_violation_after_any_run(replay: list[AfterRun]) -> None:
    pytest.importorskip("warehouse.verify")
    for after in replay:
        assert after.violations == [], f"vintage {after.vintage}: {after.violations}"


def _in_window(keys: set[Key], after: AfterRun) -> set[Key]:
    return {k for k in keys if k[1] in after.years}


@pytest.mark.parametrize("vintage", VINTAGES[1:])
def test_sam_restatements_are_the_actuals_the_vintage_restated_or_withdrew(replay: list[AfterRun],
                                                                           vintage: int) -> None:
    """A restatement is a change of a completed year's actual that existed: exactly the actuals the
    vintage's definition restated or withdrew (in the run's window), never an actual that arrived."""
    after = replay[vintage - 1]
    changes = vintage_changes(vintage)
    want = _in_window(changes.actuals_restated | changes.actuals_withdrawn, after)
    got = after.record["sam_restated"]
    assert got == want, f"vintage {vintage}: restated but not defined so {sorted(got - want)[:10]}; " \
                        f"defined but not recorded {sorted(want - got)[:10]}"
    assert not got & _in_window(changes.actuals_arrived, after)


@pytest.mark.parametrize("vintage", VINTAGES[1:])
def test_first_reports_include_every_actual_the_vintage_brought(replay: list[AfterRun], vintage: int) -> None:
    """An actual arriving where there was only an estimate is a first report (never a restatement), and
    so is USAspending's late reporting where it had no figure; where it had said $0, money arriving
    changes a stated figure: a restatement (0 is not missing)."""
    after, before = replay[vintage - 1], replay[vintage - 2]
    changes = vintage_changes(vintage)
    missing = _in_window(changes.actuals_arrived, after) - after.record["sam_first_reported"]
    assert not missing, f"vintage {vintage}: arrived actuals not recorded as first reports {sorted(missing)[:10]}"
    late = _in_window(changes.late_reported, after)
    had_none = {k for k in late if before.expected.figures(k)[2] is None}
    assert had_none <= after.record["usaspending_first_reported"], (vintage, sorted(had_none)[:10])
    assert late - had_none <= after.record["usaspending_restated"], (vintage, sorted(late - had_none)[:10])
    assert not had_none & after.record["usaspending_restated"]


def test_every_resolution_and_reopening_states_a_cause(replay: list[AfterRun]) -> None:
    for after in replay:
        causeless = {k: n for k, n in after.record["events"].items() if k[1] in (None, "no_longer_applies")}
        assert not causeless, f"vintage {after.vintage}: {causeless}"


def test_the_program_page_marks_revisions_renumberings_and_agency_moves(replay: list[AfterRun]) -> None:
    after = replay[-1]
    assert after.report is not None
    page = json.loads(_PAYLOAD.search((after.report / "report.html").read_text(encoding="utf-8")).group(1))
    changes = {(program, c[2]) for program, rows in page["contextChanges"].items() for c in rows}
    for vintage in VINTAGES[1:]:
        defined = vintage_changes(vintage)
        for old, new in defined.renumbered:
            assert (old, "renumbered") in changes
            carried = {row[0]: row for row in page["carried"][old]}
            assert all(row[3] == new for row in carried.values() if row[3] is not None) and carried
        assert {(aln, "agency_moved") for aln in defined.moved} <= changes
        assert {(aln, "republished") for aln in list(defined.republished)[:50]} <= changes
