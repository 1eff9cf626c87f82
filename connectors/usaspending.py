"""USAspending obligations per ALN and fiscal year, from ``spending_by_category/cfda``.

One paged query per fiscal year returns every ALN with ``amount`` = the sum of
``generated_pragmatic_obligation`` over prime transactions (the subsidy cost for loans).
``spending_level`` is always "transactions": at award level an award with several ALNs would be
counted under each of them.
"""
from __future__ import annotations

import concurrent.futures
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from connectors.amounts import to_cents
from connectors.errors import MalformedPayload, SourceError
from connectors.http import SourceClient
from connectors.payload import field_of, json_kind, unique_programs
from connectors.records import RawPage, UsaspendingExtract, UsaspendingProgramYear

CFDA_PATH = "/api/v2/search/spending_by_category/cfda/"
SOURCE = "usaspending"
LABEL = "USAspending"
MAX_PAGE_SIZE = 100  # the API's PAGINATION validator caps `limit` at 100
MAX_CATEGORIES = 10_000  # the endpoint errors past ~9,900 distinct categories, so no FY has more

OnPage = Callable[[int, int | None], None]


def fetch_usaspending_year(
    client: SourceClient,
    fiscal_year: int,
    *,
    page_size: int = 100,
    programs: Sequence[str] | None = None,
    on_page: OnPage | None = None,
) -> UsaspendingExtract:
    """Every ALN's obligations in one fiscal year (1 Oct FY-1 to 30 Sep FY).

    ``on_page(n, None)`` is called after each page (the API does not say how many there are).
    ``programs`` empty or None means every program.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
    wanted = unique_programs(programs)
    started = client.requests_in_current_thread
    acc = _YearAccumulator(fiscal_year)
    max_pages = MAX_CATEGORIES // page_size + 2
    for page_number in range(1, max_pages + 1):
        payload, raw = client.request_json(
            "POST",
            CFDA_PATH,
            json_body=request_body(fiscal_year, page_number, page_size, wanted),
            page_number=page_number,
            fiscal_year=fiscal_year,
        )
        rows, has_next = parse_cfda_page(
            payload, fiscal_year=fiscal_year, url=raw.url, page_number=page_number, warnings=acc.warnings
        )
        acc.add_page(raw, rows)
        if on_page is not None:
            on_page(page_number, None)
        if not has_next:
            break
        if not rows:
            # hasNext with nothing on the page would page forever; there is nothing more to get.
            acc.warnings.append(
                f"{LABEL} FY{fiscal_year}: page {page_number} was empty but said hasNext; stopped paging"
            )
            break
    else:
        raise SourceError(
            f"{LABEL} FY{fiscal_year}: still hasNext after {max_pages:,} pages of {page_size}; "
            "refusing to page on",
            source=client.source,
        )
    return UsaspendingExtract(
        fiscal_year=fiscal_year,
        rows=acc.rows(set(wanted) if wanted else None),
        pages=acc.pages,
        requests=client.requests_in_current_thread - started,
        warnings=acc.warnings,
    )


def fetch_usaspending_years(
    client: SourceClient,
    fiscal_years: Iterable[int],
    *,
    page_size: int = 100,
    programs: Sequence[str] | None = None,
    concurrency: int = 3,
    on_page: OnPage | None = None,
) -> list[UsaspendingExtract]:
    """:func:`fetch_usaspending_year` for several years at once, returned in fiscal-year order.

    At most ``concurrency`` years are fetched at a time (the client's own ``max_concurrency``
    bounds in-flight requests too).  The first failure cancels the years not yet started and is
    raised.  ``on_page`` may be called from several threads.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    years = sorted(set(fiscal_years))
    if not years:
        return []
    with concurrent.futures.ThreadPoolExecutor(
        max_workers=min(concurrency, len(years)), thread_name_prefix="usaspending"
    ) as pool:
        futures = {
            year: pool.submit(
                fetch_usaspending_year, client, year, page_size=page_size, programs=programs, on_page=on_page
            )
            for year in years
        }
        done, pending = concurrent.futures.wait(
            futures.values(), return_when=concurrent.futures.FIRST_EXCEPTION
        )
        failed = next((f for f in futures.values() if f in done and f.exception() is not None), None)
        if failed is not None:
            for future in pending:
                future.cancel()  # years already running finish; the rest never start
            raise _exception_of(failed)
    return [futures[year].result() for year in years]


def _exception_of(future: concurrent.futures.Future[UsaspendingExtract]) -> BaseException:
    exc = future.exception()
    assert exc is not None
    return exc


def request_body(fiscal_year: int, page: int, page_size: int, programs: Sequence[str] | None) -> dict[str, Any]:
    """The JSON body for one page of one fiscal year."""
    filters: dict[str, Any] = {
        "time_period": [{"start_date": f"{fiscal_year - 1}-10-01", "end_date": f"{fiscal_year}-09-30"}]
    }
    if programs:
        filters["program_numbers"] = list(programs)
    return {"filters": filters, "spending_level": "transactions", "limit": page_size, "page": page}


# --- accumulating across pages ------------------------------------------------------------------


@dataclass
class _YearAccumulator:
    """Rows of one fiscal year, merged by ALN.

    The API should return each ALN once per query, so a repeat is either paging drift (results
    are sorted by amount, and the cache or new data can shift a row across a page boundary) or a
    second bucket for the same ALN (e.g. under another title).  An identical repeat (same ALN,
    title and amount) is taken to be drift and kept once; a repeat with a different amount or
    title is a real second bucket and is added in.  Either way a warning says so, because drift
    can also hide a row that moved the other way.
    """

    fiscal_year: int
    pages: list[RawPage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _by_aln: dict[str, UsaspendingProgramYear] = field(default_factory=dict)
    _seen: set[tuple[str, str | None, Decimal | None]] = field(default_factory=set)

    def add_page(self, raw: RawPage, rows: list[UsaspendingProgramYear]) -> None:
        self.pages.append(raw)
        for row in rows:
            self._add(row, raw.page_number)

    def _add(self, row: UsaspendingProgramYear, page_number: int) -> None:
        fingerprint = (row.program_number, row.program_title, row.usaspending_obligations)
        earlier = self._by_aln.get(row.program_number)
        where = f"{LABEL} FY{self.fiscal_year}: ALN {row.program_number}"
        if earlier is None:
            self._by_aln[row.program_number] = row
        elif fingerprint in self._seen:
            self.warnings.append(
                f"{where} came back again identically on page {page_number} "
                f"(amount {row.usaspending_obligations}); kept once, as paging drift"
            )
            return
        else:
            total = _add_amounts(earlier.usaspending_obligations, row.usaspending_obligations)
            self.warnings.append(
                f"{where} came back twice with different figures ({earlier.usaspending_obligations} and "
                f"{row.usaspending_obligations}, the second on page {page_number}); summed to {total}"
            )
            self._by_aln[row.program_number] = UsaspendingProgramYear(
                program_number=row.program_number,
                fiscal_year=row.fiscal_year,
                program_title=earlier.program_title or row.program_title,
                usaspending_obligations=total,
            )
        self._seen.add(fingerprint)

    def rows(self, wanted: set[str] | None) -> list[UsaspendingProgramYear]:
        rows = list(self._by_aln.values())
        if wanted is not None:
            # String equality only: 10.10 and 10.100 are different programs.
            rows = [r for r in rows if r.program_number in wanted]
        return rows


def _add_amounts(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


# --- parsing ------------------------------------------------------------------------------------


def parse_cfda_page(
    payload: Any,
    *,
    fiscal_year: int,
    url: str,
    page_number: int | None = None,
    warnings: list[str] | None = None,
) -> tuple[list[UsaspendingProgramYear], bool]:
    """(rows, has_next) of one spending_by_category/cfda response.

    Rows with no ALN at all cannot be reconciled and are skipped; pass ``warnings`` to hear of them.
    ``page_number`` only makes error messages more precise.
    """
    page = field_of(payload, "page_metadata") if isinstance(payload, Mapping) else None
    if page_number is None and isinstance(page, Mapping):
        page_number = field_of(page, "page")
    where = f"FY{fiscal_year} page {page_number if page_number is not None else '?'} ({url})"
    if not isinstance(payload, Mapping):
        raise _malformed(f"{where}: response is {json_kind(payload)}, not a JSON object")
    results = field_of(payload, "results")
    if not isinstance(results, list):
        missing = "has no results list" if results is None else f"results is {json_kind(results)}, not a list"
        raise _malformed(f"{where}: response {missing}")
    rows: list[UsaspendingProgramYear] = []
    for index, item in enumerate(results):
        row = _parse_result(item, fiscal_year, f"{where} results[{index}]")
        if row is None:
            if warnings is not None:
                warnings.append(f"{LABEL} {where}: results[{index}] has no ALN code; skipped ({item!r})")
            continue
        rows.append(row)
    return rows, _has_next(page, where)


def _parse_result(item: Any, fiscal_year: int, where: str) -> UsaspendingProgramYear | None:
    if not isinstance(item, Mapping):
        raise _malformed(f"{where} is {json_kind(item)}, not an object")
    code = field_of(item, "code")
    if code is None or (isinstance(code, str) and not code.strip()):
        return None
    if not isinstance(code, str):
        # A JSON number has already lost the trailing zero that tells 10.10 from 10.100.
        raise _malformed(
            f"{where}: code {code} is a number, not a string; it cannot be read as an ALN "
            "without guessing trailing zeros"
        )
    program_number = code.strip()
    try:
        amount = to_cents(field_of(item, "amount"))
    except ValueError as exc:
        raise _malformed(f"{where} (ALN {program_number}): amount {exc}") from None
    name = field_of(item, "name")
    return UsaspendingProgramYear(
        program_number=program_number,
        fiscal_year=fiscal_year,
        program_title=(name.strip() or None) if isinstance(name, str) else None,
        usaspending_obligations=amount,
    )


def _has_next(page: Any, where: str) -> bool:
    if not isinstance(page, Mapping):
        # Without it we cannot tell the last page from a truncated list.
        raise _malformed(f"{where}: response has no page_metadata object")
    for key in ("hasNext", "has_next"):
        value = field_of(page, key)
        if isinstance(value, bool):
            return value
    raise _malformed(f"{where}: page_metadata has no true/false hasNext")








def _malformed(message: str) -> MalformedPayload:
    return MalformedPayload(f"{LABEL} {message}", source=SOURCE)


def replay_year(fiscal_year: int, pages: Sequence[RawPage]) -> UsaspendingExtract:
    """A fiscal year's extract read again from its stored pages, merged exactly as the run merged
    them (used to rebuild figure history from raw.usaspending_pages)."""
    acc = _YearAccumulator(fiscal_year)
    for raw in pages:
        rows, _ = parse_cfda_page(json.loads(raw.body, parse_float=Decimal), fiscal_year=fiscal_year, url=raw.url,
                                  page_number=raw.page_number, warnings=acc.warnings)
        acc.add_page(raw, rows)
    return UsaspendingExtract(fiscal_year, acc.rows(None), acc.pages, 0, acc.warnings)
