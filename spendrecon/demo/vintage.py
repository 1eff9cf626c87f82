"""Later vintages of the demo bundle: the same sources, some months on.

The committed bundle is vintage 1. Vintage 2 is derived from it here, deterministically and at load
time, so it follows whatever the base bundle holds (``scripts/generate_demo_data.py`` stays the one
place the base data comes from). What moved since vintage 1:

- **the window**: every SAM.gov listing now carries fiscal years ``WINDOW_START`` onward only, as
  listings do once SAM.gov's window moves (the older years are absent, not restated);
- **restated actuals**: about one listing in ``RESTATE_EVERY`` reports a different FY2022 actual,
  and a few withdraw it (an explicit null);
- **listings gone**: a handful of listings are neither active nor archived any more;
- **late reporting**: USAspending now records the FY2022/FY2023 money of the first
  ``LATE_REPORTED`` programs it had none for (sorted by ALN), equal to the SAM.gov actual;
- **USAspending drift and restatements**: some completed-year totals move by 0.1 % (drift, recorded
  but not flagged) and a few by a fifth (flagged).

97.102, the seed case, keeps its FY2022/FY2023 figures: only its older years leave the window.
Replay it with ``spendrecon run --demo --demo-vintage 2`` after a ``spendrecon run --demo``.
"""
from __future__ import annotations

import copy
import zlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from connectors.errors import MalformedPayload
from connectors.payload import field_of
from connectors.sam_gov import parse_amount, parse_listing
from spendrecon.demo.apis import Bundle

VINTAGES = (1, 2)
WINDOW_START = 2022
RESTATED_YEAR = 2022
RESTATE_EVERY = 40
WITHDRAW_EVERY = 150
GONE_EVERY = 600
LATE_REPORTED = 6
DRIFT_EVERY = 40
USASPENDING_RESTATE_EVERY = 250
KEEP = frozenset({"97.102"})  # the seed case's story stays as the README tells it
CENT = Decimal("0.01")


def demo_bundle(vintage: int = 1) -> Bundle:
    if vintage not in VINTAGES:
        raise ValueError(f"demo vintage must be one of {', '.join(map(str, VINTAGES))}, not {vintage}")
    base = Bundle.load_demo()
    return base if vintage == 1 else later_vintage(base)


def _bucket(*parts: object) -> int:
    """A stable number per key: the same listings move in every process, on every machine."""
    return zlib.crc32("|".join(map(str, parts)).encode())


def later_vintage(base: Bundle) -> Bundle:
    """Vintage 2 of ``base`` (which is left untouched)."""
    listings = [_moved_listing(l) for l in copy.deepcopy(base.sam_listings) if not _gone(l)]
    usaspending = copy.deepcopy(base.usaspending)
    _late_reporting(base.sam_listings, usaspending)
    _usaspending_restated(usaspending)
    return Bundle(sam_listings=listings, usaspending=usaspending)


def _number(listing: Mapping[str, Any]) -> str:
    return str(field_of(listing, "assistanceListingId") or "")


def _gone(listing: Mapping[str, Any]) -> bool:
    number = _number(listing)
    return number not in KEEP and _bucket("gone", number) % GONE_EVERY == 0


def _touched(number: str) -> bool:
    """Listings whose SAM.gov figures vintage 2 changes: late reporting picks among the others."""
    return (number in KEEP or _bucket("gone", number) % GONE_EVERY == 0
            or _bucket("restate", number) % RESTATE_EVERY == 0 or _bucket("withdraw", number) % WITHDRAW_EVERY == 0)


def _obligations(listing: Mapping[str, Any]) -> list[dict[str, Any]]:
    info = field_of(listing, "financialInformation")
    found = field_of(info, "obligations") if isinstance(info, Mapping) else None
    return [o for o in found if isinstance(o, dict)] if isinstance(found, list) else []


def _year_of(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _moved_listing(listing: dict[str, Any]) -> dict[str, Any]:
    number = _number(listing)
    restate = number not in KEEP and _bucket("restate", number) % RESTATE_EVERY == 0
    withdraw = number not in KEEP and _bucket("withdraw", number) % WITHDRAW_EVERY == 0
    for obligation in _obligations(listing):
        key = next((k for k in obligation if isinstance(k, str) and k.lower() == "values"), None)
        values = obligation.get(key) if key else None
        if isinstance(values, list):
            kept = [v for v in values if not isinstance(v, Mapping) or (_year_of(field_of(v, "year")) or 0) >= WINDOW_START]
            obligation[key] = kept
            cells = [v for v in kept if isinstance(v, dict) and _year_of(field_of(v, "year")) == RESTATED_YEAR]
        elif isinstance(values, dict):
            obligation[key] = {k: v for k, v in values.items() if (_year_of(k) or 0) >= WINDOW_START}
            cells = [v for k, v in obligation[key].items() if _year_of(k) == RESTATED_YEAR and isinstance(v, dict)]
        else:
            continue
        for cell in cells:
            actual_key = next((k for k in cell if isinstance(k, str) and k.lower() == "actual"), None)
            if actual_key is None:
                continue
            if withdraw:
                cell[actual_key] = None
            elif restate:
                cell[actual_key] = _scaled(cell[actual_key], Decimal("1.25"))
    return listing


def _scaled(value: Any, factor: Decimal) -> Any:
    """``value`` times ``factor``, written the way the source wrote it (a string stays a string)."""
    try:
        amount = parse_amount(value, "demo amount")
    except MalformedPayload:
        return value
    if amount is None or amount == 0:
        return value
    new = (amount * factor).quantize(CENT)
    return f"{new:.2f}" if isinstance(value, str) else new


def _sam_actuals(listings: list[dict[str, Any]]) -> dict[tuple[str, int], Decimal]:
    totals: dict[tuple[str, int], Decimal] = {}
    for listing in listings:
        try:
            parsed = parse_listing(listing)
        except MalformedPayload:
            continue
        for line in parsed.lines:
            if line.sam_actual is not None:
                key = (parsed.program_number, line.fiscal_year)
                totals[key] = totals.get(key, Decimal(0)) + line.sam_actual
    return totals


def _late_reporting(base_listings: list[dict[str, Any]], usaspending: dict[int, list[dict[str, Any]]]) -> None:
    actuals = _sam_actuals(base_listings)
    for fiscal_year in (2022, 2023):
        rows = usaspending.get(fiscal_year)
        if rows is None:
            continue
        by_code = {str(r.get("code")): r for r in rows}
        candidates = sorted(
            number for (number, fy), amount in actuals.items()
            if fy == fiscal_year and amount >= 1000 and not _touched(number)
            and (number not in by_code or by_code[number].get("amount") in (None, 0))
        )
        for number in candidates[:LATE_REPORTED // 2]:
            amount = actuals[(number, fiscal_year)].quantize(CENT)
            if number in by_code:
                by_code[number]["amount"] = amount
            else:
                rows.append({"amount": amount, "code": number, "id": None,
                             "name": f"Program {number}", "total_outlays": None})


def _usaspending_restated(usaspending: dict[int, list[dict[str, Any]]]) -> None:
    for fiscal_year, rows in usaspending.items():
        if fiscal_year >= 2024:
            continue
        for row in rows:
            code = str(row.get("code"))
            amount = row.get("amount")
            if code in KEEP or not isinstance(amount, Decimal) or amount == 0:
                continue
            if _bucket("usa-restate", code, fiscal_year) % USASPENDING_RESTATE_EVERY == 0:
                row["amount"] = (amount * Decimal("0.8")).quantize(CENT)
            elif _bucket("drift", code, fiscal_year) % DRIFT_EVERY == 0:
                row["amount"] = (amount * Decimal("1.001")).quantize(CENT)
