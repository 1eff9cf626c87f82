"""SAM.gov Assistance Listings without a high-quota key: the keyless front-end endpoints (``sam.mode: public``).

A non-federal key without a role gets 10 requests a day from the official API, far too few for a
full pull.  The Federal Program Inventory instead reads the endpoints behind the sam.gov website:

1. the search index (``/api/prod/sgs/v1/search/?index=cfda``) lists every listing with its
   ``_id`` and ``modifiedDate``;
2. one program document per listing (``/api/prod/fac/v1/programs/{_id}``) holds the obligations;
3. the dictionaries endpoint decodes the document's assistance types, which are legacy dictionary
   element ids ("0003003") rather than the official API's F-codes.

These endpoints are undocumented and unmetered, so this module is polite (bounded concurrency, a
shared pace between request starts) and frugal: a listing whose ``modifiedDate`` has not moved
since an earlier run is rebuilt from the stored document instead of being fetched again.

This module fetches (the index, the dictionary, the documents); reading a document, and the
dictionary that names its assistance types, is connectors/sam_public_documents.py: each document is
turned into an official-shaped listing object and read by :func:`connectors.sam_gov.parse_listing`,
so both modes read amounts, years and quirks with the very same code and produce the same records.
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from connectors.errors import ClientError, SourceError
from connectors.http import SourceClient
from connectors.pacer import Pacer
# The same scalar readers as the official connector, so both modes read text, flags and counts alike.
from connectors.payload import field_of, json_kind, read_count, read_flag, read_text, unique_programs
from connectors.records import KnownDocument, RawPage, SamExtract
from connectors.sam_public_documents import (
    ASSISTANCE_TYPE,
    LABEL,
    SOURCE,
    Document,
    IndexEntry,
    malformed,
    parse_assistance_types,
    read_listing,
    warn_undecoded,
)

# What a listing's _id may look like before it goes into a request path. Real ids are 32 hex digits
# (the sam.gov/fal/{id}/view ids); this allows a little more (letters, digits, "." "_" "-", starting
# with a letter or digit), never "/", "?", "#", "%", "\\" or a leading ".": an id cannot name another
# endpoint (``../../../sgs/v1/search/?index=x``). The id is still percent-quoted as a path segment.
PROGRAM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", re.ASCII)

SEARCH_PATH = "/api/prod/sgs/v1/search/"
DETAIL_PATH = "/api/prod/fac/v1/programs/{id}"
DICTIONARY_PATH = "/api/prod/fac/v1/programs/dictionaries"
# A third-party adapter reports HTTP 406 on the search endpoint without the HAL media type; the
# plain JSON alternative keeps the other two endpoints happy whatever they negotiate.
PUBLIC_HEADERS = {"Accept": "application/hal+json, application/json"}

MAX_PAGE_SIZE = 10_000  # what the FPI asks for; Elasticsearch's default result window
MAX_PAGES = 200  # ~3k listings exist: hundreds of pages would mean the paging never ends
PROGRESS_STEPS = 20  # on_progress may write a log line (a Prefect API call): ~20 per run is plenty

OnProgress = Callable[[int, int | None], None]


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicExtract:
    extract: SamExtract  # same records as the official mode; pages = the requests actually made
    documents: list[KnownDocument]  # the current document of every listing, fetched now or reused
    fetched: int
    reused: int
    fetched_ids: frozenset[str] = frozenset()

    @property
    def fetched_documents(self) -> list[KnownDocument]:
        """Only the documents fetched by this run: the ones worth storing."""
        return [d for d in self.documents if d.program_id in self.fetched_ids]


# --- counting -----------------------------------------------------------------------------------


class _Requester:
    """Paced GETs through the client, counting attempts (retries included) across worker threads."""

    def __init__(self, client: SourceClient, pacer: Pacer) -> None:
        self.client = client
        self._pacer = pacer
        self._lock = threading.Lock()
        self.requests = 0

    def get(self, path: str, params: Mapping[str, Any] | None = None, page_number: int = 1) -> tuple[Any, RawPage]:
        self._pacer.wait()
        # The client counts per thread; the difference is this call's attempts whatever it raised.
        before = self.client.requests_in_current_thread
        try:
            return self.client.request_json("GET", path, params=params, page_number=page_number)
        finally:
            spent = self.client.requests_in_current_thread - before
            with self._lock:
                self.requests += spent


# --- the one public verb ------------------------------------------------------------------------


def fetch_sam_public(
    client: SourceClient,
    *,
    known: Mapping[str, KnownDocument] | None = None,
    include_inactive: bool = True,
    programs: Sequence[str] | None = None,
    concurrency: int = 4,
    pace_seconds: float = 0.25,
    page_size: int = 1000,
    sleep: Callable[[float], None] = time.sleep,
    on_progress: OnProgress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> PublicExtract:
    """Every listing (or just ``programs``) with its obligations, through the keyless endpoints.

    ``known`` maps ``_id`` to a document stored by an earlier run; it is reused, without a
    request, when its modified_date equals the index's ``modifiedDate``.  ``on_progress(done,
    total)`` reports documents done (fetched or reused) out of the listings to read.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    wanted = unique_programs(programs)
    requester = _Requester(client, Pacer(pace_seconds, sleep=sleep, clock=clock))
    warnings: list[str] = []

    index = _read_index(requester, include_inactive, page_size, warnings)
    entries = _chosen(index.entries, wanted, warnings)
    names, dictionary_page = _read_dictionary(requester, warnings)
    reused, todo = _split_by_change(entries, known or {}, warnings)
    progress = _Progress(on_progress, len(entries))
    progress.advance(len(reused))
    fetched = _fetch_documents(requester, todo, concurrency, progress)

    documents = {**reused, **fetched}
    listings = [read_listing(entry, documents[entry.program_id], names, warnings) for entry in entries]
    warn_undecoded(listings, names, warnings)
    extract = SamExtract(
        listings=listings,
        # In index order rather than completion order, so a run's raw pages are reproducible.
        pages=[*index.pages, dictionary_page, *(_page_of(fetched[e.program_id]) for e in todo)],
        requests=requester.requests,
        total_records=index.total,
        warnings=warnings,
        public_documents=[fetched[e.program_id].known for e in todo],
    )
    return PublicExtract(
        extract=extract,
        documents=[documents[e.program_id].known for e in entries],
        fetched=len(fetched),
        reused=len(reused),
        fetched_ids=frozenset(fetched),
    )


# --- the search index ---------------------------------------------------------------------------


@dataclass
class _Index:
    entries: list[IndexEntry] = field(default_factory=list)
    pages: list[RawPage] = field(default_factory=list)
    total: int | None = None


def _read_index(requester: _Requester, include_inactive: bool, page_size: int, warnings: list[str]) -> _Index:
    """Active listings, then archived ones (they are compared too), deduplicated by ``_id``."""
    index = _Index()
    by_id: dict[str, IndexEntry] = {}
    for active in (True, False) if include_inactive else (True,):
        total = _page_index(requester, active, page_size, index.pages, by_id, warnings)
        if total is not None:
            index.total = (index.total or 0) + total
    index.entries = sorted(by_id.values(), key=lambda e: (e.program_number, e.program_id))
    return index


def _page_index(
    requester: _Requester,
    active: bool,
    page_size: int,
    pages: list[RawPage],
    by_id: dict[str, IndexEntry],
    warnings: list[str],
) -> int | None:
    """Page one is_active query (``page`` is 0-based) until totalElements are seen; its total."""
    seen = 0
    total: int | None = None
    flag = "true" if active else "false"
    for page in range(MAX_PAGES):
        params = {"index": "cfda", "page": page, "mode": "search", "size": page_size, "is_active": flag}
        payload, raw = requester.get(SEARCH_PATH, params, page_number=page + 1)
        pages.append(raw)
        items, total = _search_page(payload, raw.url, total)
        seen += len(items)
        for item in items:
            entry = _index_entry(item, active, raw.url, warnings)
            if entry is None:
                continue
            if entry.program_id in by_id:
                # Paging drift, or a listing archived between the two queries: keep the later copy.
                warnings.append(f"{LABEL}: listing {entry.program_number} (_id {entry.program_id}) came back "
                                f"twice from the search index (is_active={flag} page {page}); kept the later copy")
            by_id[entry.program_id] = entry
        if not items or (total is not None and seen >= total) or (total is None and len(items) < page_size):
            if total is not None and seen < total:
                warnings.append(f"{LABEL}: the search index (is_active={flag}) said {total:,} listings but "
                                f"page {page} came back empty after {seen:,}; stopped there")
            return total
    raise SourceError(
        f"{LABEL}: the search index (is_active={flag}) still had more after {MAX_PAGES} pages of {page_size}; "
        f"refusing to page on (totalElements said {total})",
        source=SOURCE,
    )


def stored_index(pages: Iterable[tuple[str, Any]]) -> list[IndexEntry]:
    """The search index a run read, from its stored pages ((url, parsed payload), any order): what
    figure history's rebuild replays. Read as :func:`_read_index` read it live: active pages, then
    archived ones, each in page order, the later copy of a listing kept; sorted the same way."""
    def order(page: tuple[str, Any]) -> tuple[bool, int]:
        query = parse_qs(urlsplit(page[0]).query)
        number = (query.get("page") or ["0"])[0]
        return _queried_active(page[0]) is False, int(number) if number.isdigit() else 0

    by_id: dict[str, IndexEntry] = {}
    for url, payload in sorted(pages, key=order):
        items, _ = _search_page(payload, url, None)
        for item in items:
            entry = _index_entry(item, _queried_active(url) is not False, url, [])
            if entry is not None:
                by_id[entry.program_id] = entry
    return sorted(by_id.values(), key=lambda e: (e.program_number, e.program_id))


def _queried_active(url: str) -> bool | None:
    flag = (parse_qs(urlsplit(url).query).get("is_active") or [""])[0].lower()
    return {"true": True, "false": False}.get(flag)


def _search_page(payload: Any, url: str, total: int | None) -> tuple[list[Mapping[str, Any]], int | None]:
    """(results, totalElements) of one search response; the total falls back to the previous page's."""
    if not isinstance(payload, Mapping):
        raise malformed(f"search response from {url} is not a JSON object (got {json_kind(payload)})")
    embedded = field_of(payload, "_embedded")
    # HAL leaves _embedded out altogether when there are no results.
    results = field_of(embedded, "results") if isinstance(embedded, Mapping) else None
    if embedded is not None and not isinstance(embedded, Mapping):
        raise malformed(f"search response from {url}: _embedded is {json_kind(embedded)}, not an object")
    if results is None:
        results = []
    if not isinstance(results, list):
        raise malformed(f"search response from {url}: _embedded.results is {json_kind(results)}, not a list")
    for i, item in enumerate(results):
        if not isinstance(item, Mapping):
            raise malformed(f"search response from {url}: _embedded.results[{i}] is {json_kind(item)}, not an object")
    page_info = field_of(payload, "page")
    reported = field_of(page_info, "totalElements") if isinstance(page_info, Mapping) else None
    count = read_count(reported, f"response from {url}: page.totalElements", malformed)
    return results, total if count is None else count


def _index_entry(item: Mapping[str, Any], queried_active: bool, url: str, warnings: list[str]) -> IndexEntry | None:
    """One result → IndexEntry; None (with a warning) when it cannot be fetched or reconciled."""
    program_id = read_text(field_of(item, "_id"))
    number = field_of(item, "programNumber")
    title = read_text(field_of(item, "title"))
    if program_id is None:
        warnings.append(f"{LABEL}: skipped a search result with no _id (programNumber {number!r}, title {title!r})")
        return None
    if not PROGRAM_ID.fullmatch(program_id):
        # Its document cannot be asked for without the id changing the request path; the rest of
        # the index is fine, so the run goes on without this listing, and says so.
        warnings.append(f"{LABEL}: skipped a search result whose _id {program_id!r} is not a program id "
                        f"(letters, digits, '.', '_' or '-'; programNumber {number!r}, title {title!r})")
        return None
    if number is not None and not isinstance(number, str):
        # A JSON number has already lost the trailing zero that tells 10.10 from 10.100.
        raise malformed(f"search response from {url}: listing _id {program_id} has programNumber {number} as "
                         "a number, not a string; it cannot be read without guessing trailing zeros")
    if number is None or not number.strip():
        warnings.append(f"{LABEL}: skipped a search result with no programNumber (_id {program_id}, title {title!r})")
        return None
    department, agency = _organization(field_of(item, "organizationHierarchy"), program_id, url)
    active = read_flag(field_of(item, "isActive"), f"search response from {url}: listing _id {program_id} isActive",
                       malformed)
    return IndexEntry(
        program_id=program_id,
        program_number=number.strip(),
        title=title,
        department=department,
        agency=agency,
        is_active=queried_active if active is None else active,
        published_date=read_text(field_of(item, "publishDate")),
        modified_date=read_text(field_of(item, "modifiedDate")),
    )


def _organization(hierarchy: Any, program_id: str, url: str) -> tuple[str | None, str | None]:
    """(department, agency): level 1 is the department; level 2 (else the deepest) the agency.

    The official mode's agency is the FPDS agency under the department, which is level 2 here; an
    office below it would be a third level that the official mode does not report as the agency.
    Without a hierarchy both stay None (organizationId is a number, not a name: the warehouse falls
    back to the agency of the ALN prefix).
    """
    if hierarchy is None:
        return None, None
    if not isinstance(hierarchy, list):
        raise malformed(f"search response from {url}: listing _id {program_id} organizationHierarchy is "
                         f"{json_kind(hierarchy)}, not a list")
    levels: list[tuple[int, str]] = []
    for position, node in enumerate(hierarchy, start=1):
        if not isinstance(node, Mapping):
            continue
        name = read_text(field_of(node, "name"))
        level = _level(field_of(node, "level"), position)
        if name is not None:
            levels.append((level, name))
    if not levels:
        return None, None
    levels.sort(key=lambda pair: pair[0])
    department = next((name for level, name in levels if level == 1), None)
    second = next((name for level, name in levels if level == 2), None)
    deepest = levels[-1][1] if levels[-1][0] > 1 else None
    return department, second or deepest or department


def _level(value: Any, position: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return position  # no usable level: the list goes from the department down


def _chosen(entries: list[IndexEntry], wanted: list[str], warnings: list[str]) -> list[IndexEntry]:
    if not wanted:
        return entries
    # String equality only: 10.10 and 10.100 are different programs.
    chosen = [e for e in entries if e.program_number in set(wanted)]
    found = {e.program_number for e in chosen}
    warnings.extend(f"{LABEL}: no listing found for program {aln} in the search index"
                    for aln in wanted if aln not in found)
    return chosen


# --- the assistance type dictionary -------------------------------------------------------------


def _read_dictionary(requester: _Requester, warnings: list[str]) -> tuple[dict[str, str], RawPage]:
    payload, raw = requester.get(DICTIONARY_PATH, {"ids": ASSISTANCE_TYPE})
    return parse_assistance_types(payload, url=raw.url, warnings=warnings), raw


# --- documents ----------------------------------------------------------------------------------


def _page_of(document: Document) -> RawPage:
    assert document.page is not None, "a fetched document always has its page"
    return document.page


def _split_by_change(
    entries: list[IndexEntry], known: Mapping[str, KnownDocument], warnings: list[str]
) -> tuple[dict[str, Document], list[IndexEntry]]:
    """Documents whose modifiedDate has not moved (reused, no request) and the listings to fetch."""
    reused: dict[str, Document] = {}
    todo: list[IndexEntry] = []
    for entry in entries:
        doc = known.get(entry.program_id)
        # No modifiedDate means no way to tell it is unchanged: fetch.
        if doc is None or entry.modified_date is None or doc.modified_date != entry.modified_date:
            todo.append(entry)
            continue
        try:
            payload = json.loads(doc.body, parse_float=Decimal)
        except ValueError:
            warnings.append(f"{LABEL}: the stored document of {entry.program_number} (_id {entry.program_id}) "
                            "is not JSON; fetched it again")
            todo.append(entry)
            continue
        reused[entry.program_id] = Document(doc, payload, f"stored document of {doc.modified_date}")
    return reused, todo


class _Progress:
    """Calls on_progress from the calling thread, about PROGRESS_STEPS times and at the end."""

    def __init__(self, callback: OnProgress | None, total: int) -> None:
        self._callback = callback
        self._total = total
        self._step = max(1, total // PROGRESS_STEPS)
        self._done = 0

    def advance(self, n: int = 1) -> None:
        if n <= 0:
            return
        before, self._done = self._done, self._done + n
        crossed_a_step = self._done // self._step > before // self._step
        if self._callback is not None and (crossed_a_step or self._done == self._total):
            self._callback(self._done, self._total)


def _fetch_documents(
    requester: _Requester, todo: list[IndexEntry], concurrency: int, progress: _Progress
) -> dict[str, Document]:
    """GET every document in ``todo``, at most ``concurrency`` at a time; the first failure stops the rest."""
    fetched: dict[str, Document] = {}
    if not todo:
        return fetched
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sam-public") as pool:
        futures: dict[Future[tuple[Any, RawPage]], IndexEntry] = {
            pool.submit(_fetch_document, requester, entry): entry for entry in todo
        }
        try:
            for future in as_completed(futures):
                entry = futures[future]
                payload, raw = future.result()
                doc = KnownDocument(entry.program_id, entry.modified_date, raw.body, entry.program_number,
                                    raw.fetched_at)
                fetched[entry.program_id] = Document(doc, payload, raw.url, raw)
                progress.advance()
        except BaseException:
            # Don't start requests whose results would be thrown away; running ones finish.
            for pending in futures:
                pending.cancel()
            raise
    return fetched


def _fetch_document(requester: _Requester, entry: IndexEntry) -> tuple[Any, RawPage]:
    path = DETAIL_PATH.format(id=quote(entry.program_id, safe=""))  # one segment, whatever the id holds
    try:
        return requester.get(path)
    except SourceError as exc:
        # The client's message names the URL; the program number is what a person looks up.
        if isinstance(exc, ClientError) and exc.status_code == 404:
            message = (f"{LABEL}: the search index lists program {entry.program_number} (_id {entry.program_id}) "
                       f"but its document was not found: {exc.message}")
        else:
            message = f"{LABEL}: program {entry.program_number} (_id {entry.program_id}): {exc.message}"
        raise type(exc)(message, source=exc.source, status_code=exc.status_code) from None
