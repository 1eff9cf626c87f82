"""A source caught mid-reload must not flip a year: a complete answer that lost more than
drop_guard.max_share of what the source held in its last run stops the run before it publishes,
naming source, year and share; `run --accept-drops` publishes it."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from connectors.records import SamExtract, UsaspendingExtract, UsaspendingProgramYear
from history_fixtures import listing, run
from recon_fixtures import new_warehouse
from spendrecon.pipeline import check_drops, plan_run
from spendrecon.run_errors import RunError
from tests.conftest import demo_settings
from warehouse.history import SourceDrop, remember_before_load, source_drops
from warehouse.load import load_sam, load_usaspending
from warehouse.scope import Scope

D = Decimal
SCOPE = Scope((2022,))


def _answer(con, run_id: str, amounts: dict[str, int], listings=()):  # type: ignore[no-untyped-def]
    """Load one run's answers and return what the guard sees (the carry-forward not yet applied)."""
    remember_before_load(con, SCOPE)
    load_sam(con, run_id, SamExtract(list(listings), [], 0, None), SCOPE)
    load_usaspending(con, run_id, [UsaspendingExtract(2022, [
        UsaspendingProgramYear(n, 2022, f"Program {n}", D(a)) for n, a in amounts.items()], [], 0)], SCOPE)
    return source_drops(con, run_id, (2022,))


def _programs(n: int, amount: int = 1000) -> dict[str, int]:
    return {f"11.{i:03d}": amount for i in range(1, n + 1)}


def test_the_guard_measures_programs_and_dollars_lost_per_year_asked():
    con = new_warehouse()
    run(con, "r1", [], {("11.001", 2022): 1000, **{(n, 2022): a for n, a in _programs(40).items()}}, years=(2022,))
    held = _programs(40)
    drops = _answer(con, "r2", {n: a for n, a in held.items() if n not in ("11.001", "11.002")})
    assert drops == [SourceDrop("usaspending", 2022, 40, 2, D("40000.00"), D("2000.00"))]
    assert drops[0].lost_share == D("0.05") and drops[0].lost_amount_share == D("0.05")


def test_more_than_the_share_stops_the_run_naming_source_year_and_share(tmp_path: Path):
    plan = plan_run(demo_settings(tmp_path), demo=True)
    drop = SourceDrop("usaspending", 2023, 200, 30, D("1000000"), D("400000"))
    with pytest.raises(RunError) as caught:
        check_drops(plan, [drop])
    message = str(caught.value)
    assert "USAspending's FY2023 answer no longer holds 30 of the 200 programs" in message
    assert "15.0%" in message and "40.0% of its dollars" in message and "--accept-drops" in message
    assert check_drops(plan, [SourceDrop("usaspending", 2023, 200, 10, D("1000000"), D("50000"))]) == []  # 5%: fine
    # A small scope is not judged: 1 of 2 programs is no reload.
    assert check_drops(plan, [SourceDrop("usaspending", 2023, 2, 1, D("10"), D("5"))]) == []
    accepting = plan_run(demo_settings(tmp_path), demo=True, accept_drops=True)
    (warning,) = check_drops(accepting, [drop])
    assert warning.startswith("accepted with --accept-drops: USAspending's FY2023 answer")


def test_the_guard_counts_programs_listed_a_revised_or_renumbered_one_included(tmp_path: Path):
    con = new_warehouse()
    listings = [listing(f"11.{i:03d}", {(2022, "F001"): (1, 1)}) for i in range(1, 31)]
    run(con, "r1", listings, {}, years=(2022,))
    renumbered = listing("12.001", {(2022, "F001"): (1, 1)}, program_id="id-11.001")
    revised = listing("11.002", {(2022, "F001"): (1, 1)}, program_id="a-new-id")  # republished: still listed
    drops = _answer(con, "r2", {}, [renumbered, revised, *listings[2:25]])
    assert [d for d in drops if d.source == "sam"] == [SourceDrop("sam", None, 30, 5, None, None)]
    with pytest.raises(RunError, match=r"SAM.gov no longer lists 5 of the 30 programs .*\(16.7%\)"):
        check_drops(plan_run(demo_settings(tmp_path), demo=True), drops)


def test_a_first_run_has_nothing_to_lose():
    assert _answer(new_warehouse(), "r1", _programs(30)) == []
