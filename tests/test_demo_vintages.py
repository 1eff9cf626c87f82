"""The demo's five vintages as defined (spendrecon/demo/vintage.py): built like the real sequence of
SAM.gov and USAspending snapshots, deterministic, and telling what each one changed. Quick: no Prefect."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import cache

import pytest

from spendrecon.demo.apis import USASPENDING_CFDA_PATH, ApiEmulator, Bundle
from spendrecon.demo.transport import VINTAGE_DATES, VINTAGE_YEARS, VINTAGES
from spendrecon.demo.vintage import SEED_YEARS, VINTAGE_BY_NUMBER, VintageChanges, demo_bundle, vintage_changes
from tests.vintage_reading import get, listing_ids, sam_statements, usaspending_answer, year_cells

SEED = "97.102"
M = Decimal("1000000.00")


@cache
def bundle(vintage: int) -> Bundle:
    return demo_bundle(vintage)


@cache
def statements(vintage: int) -> dict[str, dict[int, tuple[Decimal | None, Decimal | None]]]:
    return sam_statements(bundle(vintage))


@cache
def changes(vintage: int) -> VintageChanges:
    return vintage_changes(vintage)


def test_five_vintages_each_with_its_snapshot_date_and_window() -> None:
    assert VINTAGES == (1, 2, 3, 4, 5)
    assert VINTAGE_DATES == {1: date(2024, 2, 15), 2: date(2024, 8, 15), 3: date(2025, 1, 15),
                             4: date(2025, 6, 15), 5: date(2026, 1, 15)}
    assert VINTAGE_YEARS == {1: [2019, 2020, 2021, 2022, 2023], 2: [2019, 2020, 2021, 2022, 2023],
                             3: [2022, 2023, 2024], 4: [2022, 2023, 2024], 5: [2023, 2024, 2025]}
    with pytest.raises(ValueError, match="demo vintage must be one of 1, 2, 3, 4, 5"):
        demo_bundle(6)


def test_vintage_one_is_the_committed_bundle_and_loads_are_deterministic() -> None:
    assert bundle(1) == Bundle.load_demo()
    assert demo_bundle(5) == bundle(5) and vintage_changes(5) == changes(5)
    assert bundle(5) != bundle(4)


def test_most_listings_are_republished_under_new_ids_some_in_consecutive_vintages() -> None:
    total = len(listing_ids(bundle(1)))
    ever: set[str] = set()
    for vintage in VINTAGES[1:]:
        before, after = listing_ids(bundle(vintage - 1)), listing_ids(bundle(vintage))
        changed = {aln for aln, listing_id in after.items() if aln in before and before[aln] != listing_id}
        assert changed == set(changes(vintage).republished), vintage
        assert all(before[aln] == old and after[aln] == new for aln, (old, new) in changes(vintage).republished.items())
        ever |= changed
    assert len(ever) > total * 3 // 4  # like the real sequence: most ids change, most of them late
    assert len(changes(5).republished) > total // 2
    assert set(changes(3).republished) & set(changes(4).republished)
    assert set(changes(4).republished) & set(changes(5).republished)
    assert not changes(2).republished  # vintage 2 kept as it was (its tests and the README rely on it)


def test_a_revised_listing_states_only_its_window() -> None:
    for vintage in (3, 4, 5):
        first, last = VINTAGE_BY_NUMBER[vintage].revised_window or (0, 0)
        stated_by = statements(vintage)
        for aln in changes(vintage).republished:
            stated = set(stated_by[aln])
            allowed = set(range(first, last + 1)) | (set(SEED_YEARS) if aln == SEED else set())
            assert stated <= allowed, (vintage, aln, sorted(stated))
    # A year left out is absent, not restated as zero or null: FY2022 under the v4 window (2023-2025).
    republished = changes(4).republished
    assert all(2022 not in statements(4)[aln] for aln in republished if aln != SEED)


def test_the_renumbered_listing_keeps_its_id_under_a_number_of_another_agency() -> None:
    (old, new), = changes(4).renumbered
    before, after = listing_ids(bundle(3)), listing_ids(bundle(4))
    assert old in before and old not in after and new not in before and after[new] == before[old]
    assert old.split(".")[0] != new.split(".")[0]
    listing = {get(item, "assistanceListingId"): item for item in bundle(4).sam_listings}[new]
    previous = {get(item, "assistanceListingId"): item for item in bundle(3).sam_listings}[old]
    assert get(listing["federalOrganization"], "department") != get(previous["federalOrganization"], "department")
    assert statements(4)[new] == statements(3)[old]  # its figures go with it
    assert all(old not in listing_ids(bundle(v)) for v in (4, 5))


def test_moved_archived_revived_and_gone_listings() -> None:
    def listing(vintage: int, aln: str) -> dict:
        return next(item for item in bundle(vintage).sam_listings if get(item, "assistanceListingId") == aln)

    (moved,) = changes(3).moved
    assert listing(3, moved)["federalOrganization"] != listing(2, moved)["federalOrganization"]
    (archived,) = changes(3).archived
    assert changes(5).revived == {archived}
    assert [listing(v, archived)["status"] for v in VINTAGES] == ["Active", "Active", "Inactive", "Inactive", "Active"]
    assert changes(2).gone and all(aln not in listing_ids(bundle(v)) for aln in changes(2).gone for v in (2, 3, 4, 5))


def test_estimates_become_actuals_actuals_are_restated_and_one_is_withdrawn() -> None:
    def actual(vintage: int, key: tuple[str, int]) -> Decimal | None:
        return statements(vintage)[key[0]][key[1]][1]

    assert {year for _aln, year in changes(3).actuals_arrived} == {2023}
    assert {year for _aln, year in changes(5).actuals_arrived} == {2024}
    assert all(actual(2, k) is None and actual(3, k) is not None for k in changes(3).actuals_arrived if k[1] == 2023
               and k[1] in statements(2).get(k[0], {}))
    assert changes(4).actuals_restated and all(actual(4, k) != actual(3, k) for k in changes(4).actuals_restated)
    (withdrawn,) = changes(4).actuals_withdrawn
    assert actual(3, withdrawn) is not None and actual(4, withdrawn) is None
    cell = next(c for aln_listing in bundle(4).sam_listings if get(aln_listing, "assistanceListingId") == withdrawn[0]
                for year, c in year_cells(aln_listing) if year == withdrawn[1])
    assert cell is not None and "actual" in cell and cell["actual"] is None  # an explicit null, not a missing field


def test_usaspending_late_reporting_drift_small_steps_and_a_program_no_longer_held() -> None:
    late = changes(4).late_reported
    assert len(late) == 5 and {year for _c, year in late} == {2024}
    assert all(c not in usaspending_answer(bundle(3), 2024) and c in usaspending_answer(bundle(4), 2024) for c, _ in late)
    for vintage in (3, 4, 5):
        assert changes(vintage).usaspending_drifted
        (stepped,) = changes(vintage).usaspending_stepped
        before = usaspending_answer(bundle(vintage - 1), stepped[1])[stepped[0]]
        assert before is not None
        assert usaspending_answer(bundle(vintage), stepped[1])[stepped[0]] == (before * Decimal("1.04")).quantize(
            Decimal("0.01"))
    (absent,) = changes(4).usaspending_absent
    assert absent[0] in usaspending_answer(bundle(3), absent[1])
    assert all(absent[0] not in usaspending_answer(bundle(v), absent[1]) for v in (4, 5))


def test_the_seed_case_keeps_its_figures_in_every_vintage() -> None:
    for vintage in VINTAGES:
        stated = statements(vintage)[SEED]
        assert stated[2022] == (5 * M, 15 * M) and stated[2023] == (20 * M, None), vintage
        assert usaspending_answer(bundle(vintage), 2022)[SEED] == 0
        assert usaspending_answer(bundle(vintage), 2023)[SEED] == 15 * M


@pytest.mark.parametrize("vintage", [3, 4, 5])
def test_the_emulator_serves_fy2024_and_fy2025_in_later_vintages(vintage: int) -> None:
    emulator = ApiEmulator(bundle(vintage))
    for fiscal_year in (2024, 2025):
        body = {"filters": {"time_period": [{"start_date": f"{fiscal_year - 1}-10-01", "end_date": f"{fiscal_year}-09-30"}]},
                "limit": 100, "page": 1}
        status, _, raw = emulator.handle("POST", USASPENDING_CFDA_PATH, {}, json.dumps(body).encode())
        page = json.loads(raw)
        assert status == 200 and len(page["results"]) == 100 and page["page_metadata"]["hasNext"], fiscal_year
    assert any(2024 in years for years in statements(vintage).values())
    if vintage == 5:
        assert any(2025 in years for years in statements(vintage).values())
