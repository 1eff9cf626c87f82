"""Later vintages of the demo bundle: the same sources, snapshot after snapshot.

The committed bundle is vintage 1. Each later vintage is derived from the one before, deterministically
and at load time, so it follows whatever the base bundle holds (``scripts/generate_demo_data.py`` stays
the one place the base data comes from). The sequence is built like the real one: SAM.gov republishes a
revised listing under a NEW listing id (``programId``) carrying only its current window of fiscal
years, and most listings are revised at least once, some in consecutive snapshots.

Each vintage has its snapshot's date and the run window a user would replay it with (``VINTAGE_DATES``,
``VINTAGE_YEARS``: the defaults of ``spendrecon run --demo --demo-vintage N``). What each one changes is
told by :func:`vintage_changes`, from the same definitions that make the bundle, so tests can derive
their expectations without reading spendrecon's output.

- **2** (some months on, ids unchanged): SAM.gov's window moves to FY2022 onward on every listing;
  about one listing in ``RESTATE_EVERY`` restates its FY2022 actual and a few withdraw it; a few
  listings are gone; USAspending records the FY2022/2023 money of ``LATE_REPORTED`` programs it had
  none for; some USAspending totals drift (0.1 %) or are restated (a fifth).
- **3** (FY2022-2024): about 40 % of the listings republished under new ids (FY2022-2024; FY2023
  actuals arrive - the base bundle, a snapshot of 2024-02-15, states most FY2023 actuals as estimates
  still -, FY2024 estimates appear); one listing moves to another agency; one is archived;
  USAspending holds FY2024, except a few programs that report late; drift; one program-year restated
  +4 %.
- **4** (FY2022-2024): about 15 % republished (FY2023-2025: FY2022 no longer stated); one listing
  renumbered (same id, a new number under another agency's prefix); some FY2023 actuals restated and
  one withdrawn; the late FY2024 money arrives; one program-year USAspending no longer holds; drift;
  the +4 % step again.
- **5** (FY2023-2025): about 80 % republished (FY2024-2026: FY2024 actuals arrive); the archived
  listing is revived; USAspending holds FY2025 in full; drift; the +4 % step a third time.

97.102, the seed case, keeps its FY2022/FY2023 figures in every vintage (only its id and its other
years change). Replay them oldest first: ``spendrecon run --demo --demo-vintage N`` for N = 1..5.
"""
from __future__ import annotations

import copy
import hashlib
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from connectors.errors import MalformedPayload
from connectors.payload import field_of
from connectors.sam_gov import parse_amount, parse_listing
from spendrecon.demo.apis import Bundle

Key = tuple[str, int]  # (ALN, fiscal year): a program-year


@dataclass(frozen=True)
class Vintage:
    """One snapshot of both sources: its date, the window it is replayed with, how SAM.gov revised it."""

    number: int
    as_of: date  # the snapshot's date: the run's --as-of by default
    fiscal_years: tuple[int, ...]  # the run's --fiscal-years by default
    # The fiscal years a listing revised in this vintage states (None: revisions do not exist yet).
    revised_window: tuple[int, int] | None = None
    republish_per_100: int = 0  # share of the listings republished under a new id
    actuals_through: int = 0  # a revised listing reports actuals for the years up to this one


VINTAGE_LIST = (
    Vintage(1, date(2024, 2, 15), tuple(range(2019, 2024))),
    Vintage(2, date(2024, 8, 15), tuple(range(2019, 2024))),
    Vintage(3, date(2025, 1, 15), tuple(range(2022, 2025)), (2022, 2024), 40, 2023),
    Vintage(4, date(2025, 6, 15), tuple(range(2022, 2025)), (2023, 2025), 15, 2023),
    Vintage(5, date(2026, 1, 15), tuple(range(2023, 2026)), (2024, 2026), 80, 2024),
)
VINTAGE_BY_NUMBER = {v.number: v for v in VINTAGE_LIST}
VINTAGES = tuple(VINTAGE_BY_NUMBER)
VINTAGE_DATES = {v.number: v.as_of for v in VINTAGE_LIST}
VINTAGE_YEARS = {v.number: list(v.fiscal_years) for v in VINTAGE_LIST}

# --- vintage 2 (kept as it was: its tests and the README's figures rely on it) -----------------------
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

# --- vintages 3-5 ----------------------------------------------------------------------------------
SEED_YEARS = (2022, 2023)  # 97.102's seeded years: stated as seeded by every revision of it
ACTUAL_RESTATE_EVERY = 50  # vintage 4: FY2023 actuals restated by a tenth
LATE_FY2024 = 5  # programs whose FY2024 USAspending money arrives in vintage 4, not 3
STEP = Decimal("1.04")  # one USAspending program-year restated in small steps, +4 % per vintage
STEP_YEAR = 2023
ABSENT_YEAR = 2023  # the year whose answer stops holding one program from vintage 4 on
IN_YEAR_SHARE = {3: Decimal("0.3"), 4: Decimal("0.7")}  # FY2025 while it runs, as USAspending holds it
FULL_YEARS = (2024, 2025)  # USAspending years derived from FY2023, growing by a stable per-program rate


@dataclass
class VintageChanges:
    """What one vintage changed against the one before: ALNs, (ALN, fiscal year) pairs, listing ids."""

    vintage: int
    revised_window: tuple[int, int] | None = None
    republished: dict[str, tuple[str, str]] = field(default_factory=dict)  # ALN -> (old id, new id)
    renumbered: set[tuple[str, str]] = field(default_factory=set)  # (old ALN, new ALN), same listing id
    moved: set[str] = field(default_factory=set)  # ALNs whose department/agency changed
    archived: set[str] = field(default_factory=set)
    revived: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)  # listings not returned at all any more
    actuals_arrived: set[Key] = field(default_factory=set)  # an actual where there was only an estimate
    actuals_restated: set[Key] = field(default_factory=set)
    actuals_withdrawn: set[Key] = field(default_factory=set)  # an explicit null where there was an actual
    late_reported: set[Key] = field(default_factory=set)  # USAspending money where it had none
    usaspending_drifted: set[Key] = field(default_factory=set)
    usaspending_restated: set[Key] = field(default_factory=set)
    usaspending_stepped: set[Key] = field(default_factory=set)
    usaspending_absent: set[Key] = field(default_factory=set)  # a year's answer no longer holds it


def demo_bundle(vintage: int = 1) -> Bundle:
    return _vintage(vintage)[0]


def vintage_changes(vintage: int) -> VintageChanges:
    """What ``vintage`` changed against the vintage before it (nothing for vintage 1)."""
    return _vintage(vintage)[1]


def _vintage(vintage: int) -> tuple[Bundle, VintageChanges]:
    if vintage not in VINTAGES:
        raise ValueError(f"demo vintage must be one of {', '.join(map(str, VINTAGES))}, not {vintage}")
    base = Bundle.load_demo()
    bundle, changes = base, VintageChanges(1)
    cast = _cast(base) if vintage > 2 else None
    for number in VINTAGES[1 : VINTAGES.index(vintage) + 1]:
        # Each vintage is the one before with its own changes: a listing stays revised, gone stays gone.
        if cast is None:
            bundle, changes = _vintage_two(base)
        else:
            bundle, changes = (_vintage_two(base) if number == 2 else
                               _revised_vintage(base, bundle, VINTAGE_BY_NUMBER[number], cast))
    return bundle, changes


def _bucket(*parts: object) -> int:
    """A stable number per key: the same listings move in every process, on every machine."""
    return zlib.crc32("|".join(map(str, parts)).encode())


# --- vintage 2 -------------------------------------------------------------------------------------
def later_vintage(base: Bundle) -> Bundle:
    """Vintage 2 of ``base`` (which is left untouched)."""
    return _vintage_two(base)[0]


def _vintage_two(base: Bundle) -> tuple[Bundle, VintageChanges]:
    changes = VintageChanges(2, revised_window=(WINDOW_START, max(_years_stated(base))))
    kept = []
    for listing in copy.deepcopy(base.sam_listings):
        if _gone(listing):
            changes.gone.add(_number(listing))
        else:
            kept.append(_moved_listing(listing, changes))
    usaspending = copy.deepcopy(base.usaspending)
    changes.late_reported |= _late_reporting(base.sam_listings, usaspending)
    _usaspending_restated(usaspending, changes)
    return Bundle(sam_listings=kept, usaspending=usaspending), changes


def _years_stated(bundle: Bundle) -> set[int]:
    return {year for listing in bundle.sam_listings for _o, year, _c in _cells(listing)} or {WINDOW_START}


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


def _moved_listing(listing: dict[str, Any], changes: VintageChanges) -> dict[str, Any]:
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
                if cell[actual_key] is not None:
                    changes.actuals_withdrawn.add((number, RESTATED_YEAR))
                cell[actual_key] = None
            elif restate:
                scaled = _scaled(cell[actual_key], Decimal("1.25"))
                if scaled != cell[actual_key]:
                    changes.actuals_restated.add((number, RESTATED_YEAR))
                cell[actual_key] = scaled
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


def _late_reporting(base_listings: list[dict[str, Any]], usaspending: dict[int, list[dict[str, Any]]]) -> set[Key]:
    actuals = _sam_actuals(base_listings)
    reported: set[Key] = set()
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
            reported.add((number, fiscal_year))
            if number in by_code:
                by_code[number]["amount"] = amount
            else:
                rows.append({"amount": amount, "code": number, "id": None,
                             "name": f"Program {number}", "total_outlays": None})
    return reported


def _usaspending_restated(usaspending: dict[int, list[dict[str, Any]]], changes: VintageChanges) -> None:
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
                changes.usaspending_restated.add((code, fiscal_year))
            elif _bucket("drift", code, fiscal_year) % DRIFT_EVERY == 0:
                row["amount"] = (amount * Decimal("1.001")).quantize(CENT)
                changes.usaspending_drifted.add((code, fiscal_year))


# --- the cells of a listing (values as a list of rows or an object keyed by year) -----------------
def _values_key(obligation: Mapping[str, Any]) -> str | None:
    return next((k for k in obligation if isinstance(k, str) and k.lower() == "values"), None)


def _cells(listing: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], int, dict[str, Any]]]:
    """(obligation, fiscal year, cell) for every year cell of every obligation of ``listing``."""
    for obligation in _obligations(listing):
        for year, cell in _obligation_cells(obligation).items():
            yield obligation, year, cell


def _obligation_cells(obligation: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    """Fiscal year -> cell of one obligation (one assistance type)."""
    key = _values_key(obligation)
    values = obligation.get(key) if key else None
    if isinstance(values, list):
        pairs: list[tuple[Any, Any]] = [(field_of(v, "year"), v) for v in values if isinstance(v, dict)]
    elif isinstance(values, dict):
        pairs = list(values.items())
    else:
        return {}
    return {year: cell for raw, cell in pairs if (year := _year_of(raw)) is not None and isinstance(cell, dict)}


def _cell_key(cell: Mapping[str, Any], name: str) -> str:
    return next((k for k in cell if isinstance(k, str) and k.lower() == name), name)


def _amount(cell: Mapping[str, Any], name: str) -> Decimal | None:
    try:
        return parse_amount(cell.get(_cell_key(cell, name)), "demo amount")
    except MalformedPayload:
        return None


def _rate(*parts: object) -> Decimal:
    """A stable factor between 0.90 and 1.10 per key: growth from year to year, estimate to actual."""
    return Decimal(90 + _bucket("rate", *parts) % 21) / 100


def _near_rate(*parts: object) -> Decimal:
    """A stable factor between 0.98 and 1.02 per key: an actual arriving beside its estimate."""
    return Decimal(980 + _bucket("rate", *parts) % 41) / 1000


# --- the cast: the few listings and programs vintages 3-5 single out ------------------------------
@dataclass(frozen=True)
class _Cast:
    renumbered: tuple[str, str]  # (old ALN, new ALN)
    renumbered_to: dict[str, Any]  # the federalOrganization under the new number
    moved: str
    moved_to: dict[str, Any]
    archived: str  # archived in vintage 3, revived in vintage 5
    withdrawn: str  # its FY2023 actual withdrawn in vintage 4
    stepped: str  # USAspending FY2023 restated +4 % in each of vintages 3-5
    absent: str  # USAspending's FY2023 answer no longer holds it from vintage 4 on
    late: tuple[str, ...]  # FY2024 USAspending money reported in vintage 4, not 3

    def singled_out(self) -> frozenset[str]:
        return frozenset({self.renumbered[0], self.renumbered[1], self.moved, self.archived, self.withdrawn,
                          self.stepped, self.absent, *self.late})


def _cast(base: Bundle) -> _Cast:
    parsed = {_number(item): parse_listing(item) for item in base.sam_listings}
    departments = {n: listing.department for n, listing in parsed.items()}
    fy2023 = {str(r.get("code")): r.get("amount") for r in base.usaspending.get(2023, [])}
    taken: set[str] = set(KEEP)

    def pick(role: str, eligible: Callable[[str], bool]) -> str:
        chosen = min((n for n in parsed if n not in taken and not _touched(n) and eligible(n)),
                     key=lambda n: (_bucket("cast", role, n), n))
        taken.add(chosen)
        return chosen

    def years(n: str) -> set[int]:
        return {line.fiscal_year for line in parsed[n].lines}

    def active(n: str) -> bool:
        return (parsed[n].status or "").lower() == "active"

    def actual_2023(n: str) -> bool:
        return any(line.fiscal_year == 2023 and line.sam_actual for line in parsed[n].lines)

    def big_2023(n: str) -> bool:
        amount = fy2023.get(n)
        return isinstance(amount, (int, Decimal)) and amount >= 1_000_000

    # Renumbered: a listing stating FY2022-2023 only, so every year it ever stated moves with it.
    old = pick("renumbered", lambda n: active(n) and years(n) == {2022, 2023})
    other = pick("renumbered-to", lambda n: departments[n] not in (departments[old], None))
    moved = pick("moved", lambda n: active(n) and {2022, 2023} <= years(n))
    moved_to = pick("moved-to", lambda n: departments[n] not in (departments[moved], None))
    return _Cast(
        renumbered=(old, _free_number(other.split(".")[0], parsed)),
        renumbered_to=_organization(base, other),
        moved=moved,
        moved_to=_organization(base, moved_to),
        archived=pick("archived", lambda n: active(n) and {2022, 2023} <= years(n)),
        withdrawn=pick("withdrawn", lambda n: active(n) and actual_2023(n)),
        stepped=pick("stepped", lambda n: big_2023(n) and actual_2023(n)),
        absent=pick("absent", lambda n: big_2023(n) and actual_2023(n)),
        late=tuple(pick(f"late-{i}", big_2023) for i in range(LATE_FY2024)),
    )


def _listing(base: Bundle, number: str) -> Mapping[str, Any]:
    return next(item for item in base.sam_listings if _number(item) == number)


def _organization(base: Bundle, number: str) -> dict[str, Any]:
    org = field_of(_listing(base, number), "federalOrganization")
    return copy.deepcopy(dict(org)) if isinstance(org, Mapping) else {}


def _free_number(prefix: str, taken: Mapping[str, Any]) -> str:
    """A number under ``prefix`` that no listing of the base bundle uses."""
    return next(f"{prefix}.{n:03d}" for n in range(999, 0, -1) if f"{prefix}.{n:03d}" not in taken)


# --- vintages 3-5 ----------------------------------------------------------------------------------
def _revised_vintage(base: Bundle, before: Bundle, vintage: Vintage, cast: _Cast) -> tuple[Bundle, VintageChanges]:
    """The vintage after ``before``, made from it in place: ``before`` is a vintage this module derived
    (never the base bundle) and nobody else holds it, so copying 2,300 listings again would only cost time."""
    changes = VintageChanges(vintage.number, revised_window=vintage.revised_window)
    listings = [_next_listing(item, vintage, cast, changes) for item in before.sam_listings]
    usaspending = _next_usaspending(base, before, vintage, cast, changes)
    return Bundle(sam_listings=listings, usaspending=usaspending), changes


def _next_listing(listing: dict[str, Any], vintage: Vintage, cast: _Cast, changes: VintageChanges) -> dict[str, Any]:
    number = _number(listing)
    if vintage.number == 4 and number == cast.renumbered[0]:
        # Renumbered, not revised: the same listing id (and lines) under a number of another agency.
        listing["assistanceListingId"] = cast.renumbered[1]
        listing["federalOrganization"] = copy.deepcopy(cast.renumbered_to)
        changes.renumbered.add(cast.renumbered)
        return listing
    if _bucket("republish", vintage.number, number) % 100 < vintage.republish_per_100:
        _republish(listing, vintage, changes)
    if vintage.number == 3 and number == cast.moved:
        listing["federalOrganization"] = copy.deepcopy(cast.moved_to)
        changes.moved.add(number)
    if number == cast.archived and vintage.number in (3, 5):
        listing["status"] = "Inactive" if vintage.number == 3 else "Active"
        (changes.archived if vintage.number == 3 else changes.revived).add(number)
    if vintage.number == 4:
        _restate_fy2023_actuals(listing, number, cast, changes)
    return listing


def _republish(listing: dict[str, Any], vintage: Vintage, changes: VintageChanges) -> None:
    """A revision of ``listing``: a new id, published shortly before the snapshot, stating its window."""
    number = _number(listing)
    old_id = str(field_of(listing, "programId"))
    new_id = hashlib.md5(f"{old_id}|vintage {vintage.number}".encode()).hexdigest()  # stable, not secret
    listing["programId"] = new_id
    listing["publishedDate"] = f"{vintage.as_of.replace(day=1).isoformat()}T12:00:00.000+00:00"
    listing["fiscalYear"] = vintage.as_of.year + (1 if vintage.as_of.month >= 10 else 0)
    changes.republished[number] = (old_id, new_id)
    first, last = vintage.revised_window or (WINDOW_START, WINDOW_START)  # every revising vintage has one
    # The seed case states its seeded years on every revision, so its story never depends on carrying.
    years = sorted(set(range(first, last + 1)) | (set(SEED_YEARS) if number in KEEP else set()))
    for obligation in _obligations(listing):
        _revise_values(obligation, number, years, vintage.actuals_through, changes)


def _revise_values(obligation: dict[str, Any], number: str, years: list[int], actuals_through: int,
                   changes: VintageChanges) -> None:
    key = _values_key(obligation)
    values = obligation.get(key) if key else None
    if key is None or not isinstance(values, (list, dict)):
        return
    stated = _obligation_cells(obligation)
    if not stated:
        return  # an assistance type without figures stays one
    cells: dict[int, dict[str, Any]] = {}
    for year in years:
        cell = stated.get(year) or _new_cell(year, cells or stated, number, actuals_through)
        if cell is None:
            continue
        if year in stated and number not in KEEP and 2023 <= year <= actuals_through:
            _actual_arrives(cell, number, year, changes)
        elif year not in stated and _amount(cell, "actual") is not None:
            changes.actuals_arrived.add((number, year))
        cells[year] = cell
    obligation[key] = [cells[y] for y in sorted(cells)] if isinstance(values, list) else \
        {str(y): cells[y] for y in sorted(cells)}


def _new_cell(year: int, earlier: Mapping[int, Mapping[str, Any]], number: str,
              actuals_through: int) -> dict[str, Any] | None:
    """A year the listing states for the first time: its estimate grows from the latest year before it."""
    prior = [y for y in earlier if y < year]
    if not prior:
        return None
    cell = earlier[max(prior)]
    figure = _amount(cell, "actual")
    figure = _amount(cell, "estimate") if figure is None else figure
    if figure is None:
        return None
    estimate = (figure * _rate(number, year)).quantize(CENT)
    actual = (estimate * _rate(number, year, "actual")).quantize(CENT) if year <= actuals_through else None
    return {"year": year, "actual": actual, "estimate": estimate}


def _actual_arrives(cell: dict[str, Any], number: str, year: int, changes: VintageChanges) -> None:
    """The year's actual in the listing's annual update: close to the estimate it replaces (within 2 %; the
    base bundle states most FY2023 actuals as estimates until they arrive, scripts/generate_demo_data.py)."""
    estimate = _amount(cell, "estimate")
    if _amount(cell, "actual") is None and estimate is not None:
        cell[_cell_key(cell, "actual")] = (estimate * _near_rate(number, year, "actual")).quantize(CENT)
        changes.actuals_arrived.add((number, year))


def _restate_fy2023_actuals(listing: dict[str, Any], number: str, cast: _Cast, changes: VintageChanges) -> None:
    withdraw = number == cast.withdrawn
    restate = (number not in KEEP and number not in cast.singled_out()
               and _bucket("restate-2023", number) % ACTUAL_RESTATE_EVERY == 0)
    if not (withdraw or restate):
        return
    for _obligation, year, cell in _cells(listing):
        actual = _amount(cell, "actual")
        # Only an actual stated before can be restated: one arriving in this very revision is a first report.
        if year != 2023 or actual is None or (number, year) in changes.actuals_arrived:
            continue
        if withdraw:
            cell[_cell_key(cell, "actual")] = None
            changes.actuals_withdrawn.add((number, year))
        elif actual != 0:
            cell[_cell_key(cell, "actual")] = (actual * Decimal("1.1")).quantize(CENT)
            changes.actuals_restated.add((number, year))


# --- USAspending, vintages 3-5 ---------------------------------------------------------------------
def _completed_through(day: date) -> int:
    """The last fiscal year ended by ``day`` (a fiscal year ends on September 30)."""
    return day.year if day.month >= 10 else day.year - 1


def _next_usaspending(base: Bundle, before: Bundle, vintage: Vintage, cast: _Cast,
                      changes: VintageChanges) -> dict[int, list[dict[str, Any]]]:
    usaspending = before.usaspending  # in place: see _revised_vintage
    completed = _completed_through(vintage.as_of)
    answered = _completed_through(VINTAGE_BY_NUMBER[vintage.number - 1].as_of)  # full answers before
    for fiscal_year, rows in usaspending.items():
        if fiscal_year <= answered:
            _drift(rows, fiscal_year, vintage, cast, changes)
    for row in usaspending.get(STEP_YEAR, []):
        if row.get("code") == cast.stepped:
            row["amount"] = (Decimal(row["amount"]) * STEP).quantize(CENT)
            changes.usaspending_stepped.add((cast.stepped, STEP_YEAR))
    if vintage.number >= 4 and any(r.get("code") == cast.absent for r in usaspending.get(ABSENT_YEAR, [])):
        usaspending[ABSENT_YEAR] = [r for r in usaspending[ABSENT_YEAR] if r.get("code") != cast.absent]
        changes.usaspending_absent.add((cast.absent, ABSENT_YEAR))
    for fiscal_year, full in _full_years(base).items():
        if fiscal_year > completed:  # still running: part of the year's money
            share = IN_YEAR_SHARE.get(vintage.number, Decimal(1))
            usaspending[fiscal_year] = [{**r, "amount": (r["amount"] * share).quantize(CENT)} for r in full]
        elif fiscal_year > answered:  # the first full answer; a few programs report late
            usaspending[fiscal_year] = [r for r in full if fiscal_year != 2024 or r["code"] not in cast.late]
        else:
            _late_rows(usaspending[fiscal_year], full, fiscal_year, changes)
    return usaspending


def _drift(rows: list[dict[str, Any]], fiscal_year: int, vintage: Vintage, cast: _Cast,
           changes: VintageChanges) -> None:
    """Completed-year totals moving by 0.1 %: recorded by spendrecon, not flagged."""
    for row in rows:
        code, amount = str(row.get("code")), row.get("amount")
        if code in KEEP or code in cast.singled_out() or not isinstance(amount, (int, Decimal)) or amount == 0:
            continue
        if _bucket("drift", vintage.number, code, fiscal_year) % DRIFT_EVERY == 0:
            row["amount"] = (Decimal(amount) * Decimal("1.001")).quantize(CENT)
            changes.usaspending_drifted.add((code, fiscal_year))


def _late_rows(rows: list[dict[str, Any]], full: list[dict[str, Any]], fiscal_year: int,
               changes: VintageChanges) -> None:
    present = {str(r.get("code")) for r in rows}
    for row in full:
        if row["code"] not in present:
            rows.append(dict(row))
            changes.late_reported.add((row["code"], fiscal_year))


def _full_years(base: Bundle) -> dict[int, list[dict[str, Any]]]:
    """FY2024 and FY2025 as USAspending holds them once complete: FY2023's programs, each growing at its
    own stable rate."""
    years: dict[int, list[dict[str, Any]]] = {}
    rows = [r for r in base.usaspending.get(2023, []) if isinstance(r.get("amount"), (int, Decimal))]
    for fiscal_year in FULL_YEARS:
        rows = [{**r, "amount": (Decimal(r["amount"]) * _rate(r["code"], fiscal_year)).quantize(CENT)} for r in rows]
        years[fiscal_year] = rows
    return years
