"""The committed demo bundle: reproducible, realistic in scale and shape, every case planted."""
from __future__ import annotations

import gzip
import importlib.util
import re
import sys
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from spendrecon.demo.apis import SAM_DATA_FILE, USASPENDING_DATA_FILE, Bundle

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "scripts" / "generate_demo_data.py"
DATA_DIR = ROOT / "spendrecon" / "demo" / "data"
YEARS = {2019, 2020, 2021, 2022, 2023}


@cache
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_demo_data", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@cache
def bundle() -> Bundle:
    return Bundle.load_demo()


@cache
def generated() -> Any:
    return generator().generate()


@cache
def statistics() -> dict[str, Any]:
    stats: dict[str, Any] = generator().statistics(generated())
    return stats


def listings_by_aln() -> dict[str, dict[str, Any]]:
    return {item["assistanceListingId"]: item for item in bundle().sam_listings}


def _get(mapping: dict[str, Any], name: str) -> Any:
    """Case-insensitive key lookup, as a defensive parser must do."""
    return next((v for k, v in mapping.items() if k.lower() == name.lower()), None)


def obligation_values(listing: dict[str, Any]) -> Iterator[tuple[str | None, int, Any, Any]]:
    """(type code, year, actual, estimate) for every cell, whatever the listing's quirks."""
    for entry in _get(listing["financialInformation"], "obligations") or []:
        code = _get(_get(entry, "assistanceType") or {}, "code")
        values = _get(entry, "values")
        if isinstance(values, dict):  # keyed by year
            values = [{"year": int(y), **v} for y, v in values.items()]
        for cell in values:
            yield code, int(_get(cell, "year")), _get(cell, "actual"), _get(cell, "estimate")


def as_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


# --- reproducibility ----------------------------------------------------------------------------
def test_generator_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert generator().main(["--out", str(first)]) == 0
    assert generator().main(["--out", str(second)]) == 0
    for name in (SAM_DATA_FILE, USASPENDING_DATA_FILE):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_committed_bundle_matches_the_generator() -> None:
    assert generator().main(["--check"]) == 0


def test_check_reports_stale_or_missing_files(tmp_path: Path) -> None:
    files = {name: (DATA_DIR / name).read_bytes() for name in (SAM_DATA_FILE, USASPENDING_DATA_FILE)}
    assert generator().check(tmp_path, files) == 1  # missing
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    assert generator().check(tmp_path, files) == 0
    (tmp_path / SAM_DATA_FILE).write_bytes(gzip.compress(b"[]", mtime=0))
    assert generator().check(tmp_path, files) == 1


def test_bundle_stays_small() -> None:
    total = sum((DATA_DIR / name).stat().st_size for name in (SAM_DATA_FILE, USASPENDING_DATA_FILE))
    assert total < 3_000_000


# --- scale and shape ----------------------------------------------------------------------------
def test_scale_years_and_real_agency_prefixes() -> None:
    listings = listings_by_aln()
    assert len(listings) == len(bundle().sam_listings) >= 2000  # ALNs unique
    years = {year for item in listings.values() for _, year, _, _ in obligation_values(item)}
    assert years == YEARS
    assert set(bundle().usaspending) == YEARS
    departments = {item["assistanceListingId"].split(".")[0]: item["federalOrganization"]["department"]
                   for item in listings.values()}
    assert departments["10"] == "Department of Agriculture"
    assert departments["93"] == "Department of Health and Human Services"
    assert departments["97"] == "Department of Homeland Security"
    others = ("11", "12", "14", "15", "16", "17", "19", "20", "21", "43", "45", "47", "59", "64", "66", "81", "84")
    assert set(others) <= set(departments)


def test_statuses_and_versions() -> None:
    listings = bundle().sam_listings
    inactive = sum(item["status"] == "Inactive" for item in listings)
    assert 0.07 < inactive / len(listings) < 0.13
    assert {item["status"] for item in listings} == {"Active", "Inactive"}
    versions = [item["version"] for item in listings]
    assert versions.count("1.0") > 100 and versions.count("2.0") > 1500
    v1 = next(item for item in listings if item["version"] == "1.0" and item["financialInformation"].get("obligations"))
    assert "isRecoveryAct" in v1["financialInformation"]["obligations"][0]
    assert all(re.fullmatch(r"[0-9a-f]{32}", item["programId"]) for item in listings)


def test_amounts_span_zero_to_tens_of_billions() -> None:
    amounts = [Decimal(v) for item in bundle().sam_listings for _, _, a, e in obligation_values(item)
               for v in (a, e) if v is not None]
    assert min(amounts) == 0
    assert max(amounts) >= Decimal(10_000_000_000)
    assert any(a % 1 != 0 for a in amounts)  # some figures carry cents


def test_multi_type_programs() -> None:
    multi = [item for item in bundle().sam_listings
             if len({code for code, *_ in obligation_values(item)}) > 1]
    assert 0.10 < len(multi) / len(bundle().sam_listings) < 0.25


def test_explicit_zeros_nulls_and_missing_years() -> None:
    cells = [(a, e) for item in bundle().sam_listings for _, _, a, e in obligation_values(item)]
    assert sum(a is not None and as_decimal(a) == 0 for a, _ in cells) > 100
    assert sum(a is None and e is None for a, e in cells) > 20
    partial = [item for item in bundle().sam_listings
               if 0 < len({y for _, y, *_ in obligation_values(item)}) < len(YEARS)]
    assert len(partial) > 100


def test_negative_usaspending_totals_and_explicit_zero_rows() -> None:
    rows = [row for rows in bundle().usaspending.values() for row in rows]
    assert sum(Decimal(row["amount"]) < 0 for row in rows) >= 50
    assert sum(Decimal(row["amount"]) == 0 for row in rows) >= 20


def test_aln_strings_are_kept_as_text() -> None:
    listings = listings_by_aln()
    assert listings["10.10"]["title"] != listings["10.100"]["title"]
    assert "84.010" in listings
    assert any(re.search(r"\.[0-9]*[A-Z]", aln) for aln in listings)  # e.g. 12.RD1
    usa_codes = {row["code"] for rows in bundle().usaspending.values() for row in rows}
    assert {"10.10", "10.100", "12.RD1", "93.U01"} <= usa_codes


def test_shape_quirks_are_present() -> None:
    finance = [item["financialInformation"] for item in bundle().sam_listings]
    assert 3 <= sum("Obligations" in f for f in finance) <= 20
    assert 3 <= sum(isinstance(e.get("values"), dict) for f in finance for e in f.get("obligations", [])) <= 40
    strings = [a for item in bundle().sam_listings for _, _, a, _ in obligation_values(item) if isinstance(a, str)]
    assert strings and all(re.fullmatch(r"-?\d+\.\d\d", s) for s in strings)


def test_usaspending_rows_are_in_api_order_and_unique() -> None:
    for rows in bundle().usaspending.values():
        keys = [(-Decimal(row["amount"]), row["code"]) for row in rows]
        assert keys == sorted(keys)
        assert len({row["code"] for row in rows}) == len(rows)
        assert all(row["total_outlays"] is None and isinstance(row["id"], int) for row in rows)


def test_unlisted_and_loan_programs() -> None:
    listings = listings_by_aln()
    usa_codes = {row["code"] for rows in bundle().usaspending.values() for row in rows}
    assert len(usa_codes - set(listings)) >= 50
    loans = [item for item in listings.values()
             if any(code in ("F003", "F004") for code, *_ in obligation_values(item))]
    assert len(loans) >= 50
    # SAM.gov carries face value (its actual, or its estimate where the actual is not in yet), USAspending
    # the subsidy cost: never more than an eighth of it.
    usa = {(row["code"], fy): Decimal(row["amount"]) for fy, rows in bundle().usaspending.items() for row in rows}
    for item in loans:
        face: dict[int, Decimal] = {}
        for _, year, actual, estimate in obligation_values(item):
            face[year] = face.get(year, Decimal(0)) + (as_decimal(estimate if actual is None else actual) or 0)
        for year, amount in face.items():
            assert abs(usa.get((item["assistanceListingId"], year), Decimal(0))) <= amount / 8


# --- the seed case ------------------------------------------------------------------------------
def test_case_management_pilot_program_figures() -> None:
    listing = listings_by_aln()["97.102"]
    assert listing["title"] == "Case Management Pilot Program"
    assert listing["federalOrganization"]["department"] == "Department of Homeland Security"
    [entry] = listing["financialInformation"]["obligations"]
    assert entry["assistanceType"]["code"] == "F001"
    cells = {v["year"]: (v["actual"], v["estimate"]) for v in entry["values"]}
    for year in (2019, 2020, 2021):
        actual, estimate = cells[year]
        assert actual is not None and estimate is not None and actual == 0 and estimate == 0
    assert cells[2022] == (Decimal("15000000.00"), Decimal("5000000.00"))
    assert str(cells[2022][0]) == "15000000.00"
    assert cells[2023] == (None, Decimal("20000000.00"))
    usa = {fy: [row["amount"] for row in rows if row["code"] == "97.102"] for fy, rows in bundle().usaspending.items()}
    assert usa == {2019: [0], 2020: [0], 2021: [0], 2022: [Decimal("0.0")], 2023: [Decimal("15000000.00")]}


# --- planted cases ------------------------------------------------------------------------------
def _waiting(row: dict[str, Any]) -> bool:
    """A program-year flagged only because its SAM.gov actual is not due yet on the bundle's date."""
    return "sam_actual_not_yet_due" in row["explanations"]


def test_every_rule_and_explanation_is_planted_in_numbers() -> None:
    findings = statistics()["findings"]
    for name in ("actual_not_in_usaspending", "obligations_not_in_sam", "amount_mismatch", "estimate_only",
                 "fiscal_year_shift", "loan_basis", "net_deobligation", "unlisted_program", "non_award_lines",
                 "sam_actual_not_yet_due"):
        assert 20 <= findings[name]["program_years"] <= 2000, name
    # Outside the year whose actuals are not due yet, the planted cases are the exception.
    rows = [r for r in generator().reference_findings(generated()) if not _waiting(r)]
    flagged = sum(len(r["rules"]) for r in rows)
    assert sum(1 for r in rows if not r["rules"]) > 2 * flagged


def test_clean_programs_trigger_no_rule_but_wait_for_their_latest_actual() -> None:
    rows = generator().reference_findings(generated())
    assert not [r for r in rows if r["profile"] in ("clean", "archived") and r["rules"] and not _waiting(r)]


def test_the_bundle_is_a_snapshot_of_its_own_date() -> None:
    """Vintage 1 is dated 2024-02-15: FY2023 ended four months before, and most listings show it without an
    actual yet (their annual update comes during FY2024), while nearly all report FY2022."""
    from spendrecon.demo.vintage import VINTAGE_DATES

    g = generator()
    assert g.SNAPSHOT_DATE == VINTAGE_DATES[1]
    shown: dict[int, list[bool]] = {}
    for item in bundle().sam_listings:
        reported: dict[int, bool] = {}
        for _, year, actual, _ in obligation_values(item):
            reported[year] = reported.get(year, False) or actual is not None
        for year, has_actual in reported.items():
            shown.setdefault(year, []).append(has_actual)
    share = {year: sum(flags) / len(flags) for year, flags in shown.items()}
    assert share[2023] < 0.2 and share[2022] > 0.9, share
    assert g.due_years(generated()) == {2019: True, 2020: True, 2021: True, 2022: True, 2023: False}


def test_a_few_listings_never_report_an_actual() -> None:
    never = [p for p in generated().programs if p.profile == "sam_never_reported"]
    assert len(never) >= 3
    for program in never:
        item = listings_by_aln()[program.aln]
        cells = list(obligation_values(item))
        assert len({y for _, y, _, _ in cells}) == len(YEARS)
        assert all(actual is None and estimate is not None for _, _, actual, estimate in cells)


def test_fiscal_year_shift_is_exact_in_the_bundle() -> None:
    example = statistics()["profiles"]["fiscal_year_shift"]["example"]
    sam = {y: as_decimal(a) for _, y, a, _ in obligation_values(listings_by_aln()[example])}
    usa = {fy: Decimal(row["amount"]) for fy, rows in bundle().usaspending.items() for row in rows
           if row["code"] == example}
    shifted = [y for y in sam if sam[y] and sam[y] in (usa.get(y + 1), usa.get(y - 1))]
    assert len(shifted) >= 3
