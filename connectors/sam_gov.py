"""SAM.gov Assistance Listings, through the official ``/assistance-listings/v1/search`` API.

The API key is tiny-quota (10 to 1,000 requests a day), so this module works hard to spend as few
requests as possible and to stop *before* a run would burn the budget half way through.

The payload is parsed defensively: the published docs disagree with their own examples about key
casing, amounts have been seen as numbers and as formatted strings, and v1.0 and v2.0 listings
carry different sub-fields.  Anything we cannot read unambiguously raises MalformedPayload naming
the listing and the field, rather than being guessed at.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from connectors.amounts import to_cents
from connectors.errors import BudgetExceeded, ClientError, MalformedPayload, SourceError
from connectors.http import SourceClient
from connectors.payload import field_of, has_field, json_kind, read_count, read_flag, read_text, unique_programs
from connectors.records import RawPage, SamExtract, SamListing, SamObligationLine, canonical_assistance_type

SEARCH_PATH = "/assistance-listings/v1/search"
SOURCE = "sam"
LABEL = "SAM.gov"
MAX_PAGE_SIZE = 100  # the documented 400 says "PageSize must less than or equal to 100"
MAX_PAGES = 1000  # ~3k listings exist; 1,000 pages would be 100k: anything past that is a loop
MAX_PROGRAM_QUERIES = 25  # beyond this many programs, paging everything is cheaper

OnPage = Callable[[int, int | None], None]


# --- fetching -----------------------------------------------------------------------------------


def fetch_sam_listings(
    client: SourceClient,
    *,
    status: str = "All",
    page_size: int = 100,
    programs: Sequence[str] | None = None,
    on_page: Callable[[int, int | None], None] | None = None,
) -> SamExtract:
    """Fetch every listing (or just ``programs``) with its obligations table.

    ``on_page(n, total)`` is called after each request: when paging everything ``n`` is the page
    number and ``total`` the page count; in per-program mode ``n`` counts the program queries and
    ``total`` is the number of programs.  ``programs`` empty or None means every program.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
    wanted = unique_programs(programs)
    started = client.requests_in_current_thread
    acc = _Accumulator()
    if wanted and len(wanted) <= MAX_PROGRAM_QUERIES:
        _fetch_per_program(client, wanted, status, page_size, acc, on_page)
    else:
        _fetch_query(client, {"status": status}, page_size, acc, on_page=on_page, check_budget=True)
    return SamExtract(
        listings=acc.finish(set(wanted) if wanted else None),
        pages=acc.pages,
        requests=client.requests_in_current_thread - started,
        total_records=acc.total_records,
        warnings=acc.warnings,
    )


def _fetch_per_program(
    client: SourceClient,
    programs: list[str],
    status: str,
    page_size: int,
    acc: _Accumulator,
    on_page: OnPage | None,
) -> None:
    """One query per ALN: a handful of requests instead of paging ~3k listings."""
    remaining = client.remaining_budget()
    if remaining is not None and len(programs) > remaining:
        raise BudgetExceeded(
            f"{LABEL}: {len(programs):,} requests needed to look up {len(programs):,} programs but "
            f"only {remaining:,} remain of today's budget; raise sam.daily_request_budget or try tomorrow",
            source=client.source,
        )
    for index, aln in enumerate(programs, start=1):
        params = {"status": status, "assistanceListingId": aln}
        try:
            _fetch_query(client, params, page_size, acc, on_page=None, check_budget=False)
        except ClientError as exc:
            # The API documents 404 as "no data": an ALN with no listing is a finding, not a crash.
            if exc.status_code != 404:
                raise
            acc.warnings.append(f"{LABEL}: no listing found for program {aln} ({exc})")
        if on_page is not None:
            on_page(index, len(programs))


def _fetch_query(
    client: SourceClient,
    base_params: Mapping[str, str],
    page_size: int,
    acc: _Accumulator,
    *,
    on_page: OnPage | None,
    check_budget: bool,
) -> None:
    """Page through one search query, from page 1 to its last page."""
    total_pages: int | None = None
    for page_number in range(1, MAX_PAGES + 1):
        params = {**base_params, "pageSize": page_size, "pageNumber": page_number}
        payload, raw = client.request_json("GET", SEARCH_PATH, params=params, page_number=page_number)
        page = _parse_page(payload, url=raw.url)
        acc.add_page(raw, page)
        reported = page.total_pages if page.total_pages is not None else _pages_for(page.total_records, page_size)
        if page_number == 1:
            acc.add_total(page.total_records)
            total_pages = reported
            if check_budget:
                _check_budget(client, total_pages, page.total_records)
        elif reported is not None and reported != total_pages:
            acc.warnings.append(
                f"{LABEL}: totalPages changed from {total_pages} to {reported} while paging "
                "(listings were published meanwhile); followed the new count"
            )
            total_pages = reported
        if on_page is not None:
            on_page(page_number, total_pages)
        if _is_last_page(page_number, total_pages, page.item_count, page_size, acc):
            return
    raise SourceError(
        f"{LABEL}: still more pages after {MAX_PAGES:,} pages of {page_size}; refusing to page on "
        f"(totalPages said {total_pages})",
        source=client.source,
    )


def _is_last_page(page_number: int, total_pages: int | None, items: int, page_size: int, acc: _Accumulator) -> bool:
    if items == 0:
        if total_pages is not None and page_number < total_pages:
            acc.warnings.append(
                f"{LABEL}: page {page_number} of {total_pages} came back empty; stopped paging there"
            )
        return True
    if total_pages is not None:
        return page_number >= total_pages
    return items < page_size  # no totals given: a short page is the last one


def _check_budget(client: SourceClient, total_pages: int | None, total_records: int | None) -> None:
    """After page 1 we know the cost of the rest: refuse now rather than run out half way."""
    remaining = client.remaining_budget()
    if total_pages is None or remaining is None:
        return
    needed = min(total_pages, MAX_PAGES) - 1
    if needed <= remaining:
        return
    what = f"{total_records:,} listings" if total_records is not None else f"{total_pages:,} pages"
    raise BudgetExceeded(
        # The client's budget is what is left of today's quota (earlier runs may have spent some),
        # so "remain" is the figure that means something; the daily total is the caller's to know.
        f"{LABEL}: {needed:,} more requests needed to page {what} but only {remaining:,} remain of "
        "today's budget; raise sam.daily_request_budget or try tomorrow",
        source=client.source,
    )


def _pages_for(total_records: int | None, page_size: int) -> int | None:
    if total_records is None:
        return None
    return -(-total_records // page_size)

@dataclass
class _Accumulator:
    """Listings gathered across pages, with the bookkeeping needed to notice paging drift."""

    pages: list[RawPage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    total_records: int | None = None
    _by_key: dict[str, SamListing] = field(default_factory=dict)
    _anonymous: int = 0
    _skipped: int = 0

    def add_total(self, total: int | None) -> None:
        if total is not None:
            self.total_records = (self.total_records or 0) + total

    def add_page(self, raw: RawPage, page: _Page) -> None:
        self.pages.append(raw)
        self.warnings.extend(page.warnings)
        self._skipped += len(page.warnings)
        for listing in page.listings:
            key = listing.program_id
            if key is None:
                self._anonymous += 1
                key = f"#anonymous-{self._anonymous}"
            elif key in self._by_key:
                # Paging drift: a listing published meanwhile shifts the rest down by one, so one
                # listing shows on two pages.  The later copy is the fresher one.
                self.warnings.append(
                    f"{LABEL}: listing {listing.program_number} (programId {key}) came back on two "
                    f"pages (page {raw.page_number} again); kept the later copy"
                )
            self._by_key[key] = listing

    def finish(self, wanted: set[str] | None) -> list[SamListing]:
        received = len(self._by_key) + self._skipped
        if self.total_records is not None and self.total_records != received:
            self.warnings.append(
                f"{LABEL}: the API said {self.total_records:,} listings but {received:,} distinct "
                "ones came back"
            )
        listings = list(self._by_key.values())
        if wanted is not None:
            # String equality only: 10.10 and 10.100 are different programs.
            listings = [x for x in listings if x.program_number in wanted]
        self._warn_shared_alns(listings)
        return listings

    def _warn_shared_alns(self, listings: list[SamListing]) -> None:
        by_aln: dict[str, list[SamListing]] = {}
        for listing in listings:
            by_aln.setdefault(listing.program_number, []).append(listing)
        for aln, group in by_aln.items():
            if len(group) > 1:
                ids = ", ".join(str(x.program_id) for x in group)
                self.warnings.append(
                    f"{LABEL}: program {aln} appears on {len(group)} different listings "
                    f"(programIds {ids}); all kept"
                )


# --- parsing ------------------------------------------------------------------------------------


class _MissingProgramNumber(MalformedPayload):
    """A listing without an ALN cannot be reconciled; the page skips it with a warning."""


@dataclass(frozen=True)
class _Page:
    listings: list[SamListing]
    total_pages: int | None
    total_records: int | None
    item_count: int  # listings on the page, including skipped ones
    warnings: list[str]


def parse_search_page(
    payload: Any, *, url: str, warnings: list[str] | None = None
) -> tuple[list[SamListing], int | None, int | None]:
    """(listings, totalPages, totalRecords) of one search response.

    Listings without an ALN are skipped; pass ``warnings`` to be told about them.
    """
    page = _parse_page(payload, url=url)
    if warnings is not None:
        warnings.extend(page.warnings)
    return page.listings, page.total_pages, page.total_records


def _parse_page(payload: Any, *, url: str) -> _Page:
    if not isinstance(payload, Mapping):
        raise _malformed(f"response from {url} is not a JSON object (got {json_kind(payload)})")
    total_pages = read_count(field_of(payload, "totalPages"), f"response from {url}: totalPages", _malformed)
    total_records = read_count(field_of(payload, "totalRecords"), f"response from {url}: totalRecords", _malformed)
    items = field_of(payload, "assistanceListingsData")
    if items is None:
        # An empty result may come back as null or without the key; anything else lost its data.
        if not (has_field(payload, "assistanceListingsData") or total_records == 0):
            raise _malformed(f"response from {url} has no assistanceListingsData list")
        items = []
    if not isinstance(items, list):
        raise _malformed(f"response from {url}: assistanceListingsData is {json_kind(items)}, not a list")
    listings: list[SamListing] = []
    warnings: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise _malformed(f"response from {url}: assistanceListingsData[{index}] is {json_kind(item)}, not an object")
        try:
            listings.append(parse_listing(item))
        except _MissingProgramNumber as exc:
            warnings.append(str(exc))
    return _Page(listings, total_pages, total_records, len(items), warnings)


def parse_listing(obj: Mapping[str, Any]) -> SamListing:
    """One listing object → SamListing with one SamObligationLine per (assistance type, year)."""
    program_id = read_text(field_of(obj, "programId"))
    program_number = _program_number(obj, program_id)
    where = f"listing {program_number} (programId {program_id})"
    org = _mapping(field_of(obj, "federalOrganization"), where, "federalOrganization")
    department = read_text(field_of(org, "department"))
    obligations = _obligations(obj, where)
    # Types whose values table is empty still describe the program, so they count as its types.
    codes = (canonical_assistance_type(*_assistance_type(field_of(o, "assistanceType"))) for o in obligations)
    return SamListing(
        program_number=program_number,
        title=read_text(field_of(obj, "title")),
        department=department,
        agency=read_text(field_of(org, "agency")) or department,
        status=read_text(field_of(obj, "status")),
        version=read_text(field_of(obj, "version")),
        program_id=program_id,
        published_date=read_text(field_of(obj, "publishedDate")),
        assistance_types=tuple(dict.fromkeys(c for c in codes if c is not None)),
        lines=tuple(_obligation_lines(obligations, program_number, where)),
    )


def _program_number(obj: Mapping[str, Any], program_id: str | None) -> str:
    raw = field_of(obj, "assistanceListingId")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        title = read_text(field_of(obj, "title"))
        raise _MissingProgramNumber(
            f"{LABEL}: skipped a listing with no assistanceListingId (programId {program_id}, title {title!r})",
            source=SOURCE,
        )
    if not isinstance(raw, str):
        # A JSON number has already lost the trailing zero that tells 10.10 from 10.100.
        raise _malformed(
            f"listing programId {program_id}: assistanceListingId {raw} is a number, not a string; "
            "it cannot be read without guessing trailing zeros"
        )
    return raw.strip()


def _obligations(obj: Mapping[str, Any], where: str) -> list[Mapping[str, Any]]:
    finance = _mapping(field_of(obj, "financialInformation"), where, "financialInformation")
    raw = field_of(finance, "obligations")
    if raw is None:
        return []
    if isinstance(raw, Mapping):  # a single obligation not wrapped in a list
        raw = [raw]
    if not isinstance(raw, list):
        raise _malformed(f"{where}: financialInformation.obligations is {json_kind(raw)}, not a list")
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise _malformed(f"{where}: obligations[{index}] is {json_kind(entry)}, not an object")
    return raw


def _obligation_lines(
    obligations: list[Mapping[str, Any]], program_number: str, where: str
) -> Iterator[SamObligationLine]:
    for index, entry in enumerate(obligations):
        given, name = _assistance_type(field_of(entry, "assistanceType"))
        code = canonical_assistance_type(given, name)
        recovery = read_flag(field_of(entry, "isRecoveryAct"), f"{where}: obligations[{index}].isRecoveryAct", _malformed)
        label = f"{where}: obligations[{index}]" + (f" ({given})" if given else "")
        for year, cell in _year_cells(field_of(entry, "values"), label):
            yield SamObligationLine(
                program_number=program_number,
                fiscal_year=year,
                assistance_type_code=code,
                assistance_type_name=name,
                sam_actual=parse_amount(field_of(cell, "actual"), f"{label} year {year} actual"),
                sam_estimate=parse_amount(field_of(cell, "estimate"), f"{label} year {year} estimate"),
                is_recovery_act=recovery,
                assistance_type_as_given=given,
            )


def _year_cells(values: Any, label: str) -> Iterator[tuple[int, Mapping[str, Any] | None]]:
    """(year, {actual, estimate}) pairs from either a list of rows or an object keyed by year."""
    if values is None:
        return
    if isinstance(values, Mapping):
        for key, cell in values.items():
            yield _year(key, f"{label} values key"), _cell(cell, f"{label} values[{key!r}]")
        return
    if not isinstance(values, list):
        raise _malformed(f"{label}: values is {json_kind(values)}, not a list or an object keyed by year")
    for index, row in enumerate(values):
        row = _cell(row, f"{label} values[{index}]")
        if row is None:
            continue
        year = field_of(row, "year")
        if year is None:
            year = field_of(row, "fiscalYear")
        yield _year(year, f"{label} values[{index}].year"), row


def _cell(cell: Any, label: str) -> Mapping[str, Any] | None:
    if cell is None or isinstance(cell, Mapping):
        return cell
    # A bare number could be the actual or the estimate; guessing would corrupt one of them.
    raise _malformed(f"{label} is {json_kind(cell)} {cell!r}; expected an object with actual/estimate")


def _assistance_type(value: Any) -> tuple[str | None, str | None]:
    """(code, name): {"code","name"} on v2.0 listings, a bare legacy dictionary id, or nothing."""
    if isinstance(value, Mapping):
        return read_text(field_of(value, "code")), read_text(field_of(value, "name"))
    return read_text(value), None


# --- scalar readers -----------------------------------------------------------------------------


def parse_amount(value: Any, what: str) -> Decimal | None:
    """A money figure → Decimal in cents; raises MalformedPayload naming ``what`` if unreadable."""
    try:
        return to_cents(value)
    except ValueError as exc:
        reason = str(exc)
    raise _malformed(f"{what}: {reason}")


def _year(value: Any, what: str) -> int:
    year: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        year = int(value)
    elif isinstance(value, str):
        text = value.strip().upper().removeprefix("FY").strip()
        year = int(text) if text.isdigit() else None
    if year is not None and 1900 <= year <= 2200:
        return year
    raise _malformed(f"{what}: {value!r} is not a fiscal year")


def _mapping(value: Any, where: str, name: str) -> Mapping[str, Any] | None:
    if value is None or isinstance(value, Mapping):
        return value
    raise _malformed(f"{where}: {name} is {json_kind(value)}, not an object")


def _malformed(message: str) -> MalformedPayload:
    return MalformedPayload(f"{LABEL}: {message}", source=SOURCE)
