"""SAM.gov public mode: the keyless search index, program documents and dictionary, read politely."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from connectors.errors import ClientError, MalformedPayload
from connectors.http import RetryPolicy, SourceClient
from connectors.pacer import Pacer
from connectors.records import KnownDocument
from connectors.sam_gov import fetch_sam_listings, parse_listing
from warehouse.assistance_types import family_of
from connectors.sam_public import (
    DETAIL_PATH,
    DICTIONARY_PATH,
    PUBLIC_HEADERS,
    SEARCH_PATH,
    PublicExtract,
    fetch_sam_public,
)
from spendrecon.demo.apis import ApiEmulator, Bundle, FaultPlan
from spendrecon.demo.transport import EmulatorTransport
from spendrecon.demo.wire import dumps_exact
from spendrecon.demo.public_api import LEGACY_TYPE_OF, dictionary_payload
from warehouse.db import connect, ensure_schema
from warehouse.sam_public_store import known_documents, load_public_documents

BASE = "https://sam.gov"
DICTIONARY = dictionary_payload()


# --- a fake sam.gov -----------------------------------------------------------------------------


def document(aln: str, obligations: list[dict[str, Any]] | None = None, **data: Any) -> dict[str, Any]:
    """A program document with one Project Grants line for FY2024 unless told otherwise."""
    if obligations is None:
        obligations = [{"assistanceType": "0003003", "values": [{"year": 2024, "actual": 100}]}]
    return {"id": f"id-{aln}", "data": {"programNumber": aln, "title": f"Program {aln}", "organizationId": "1",
                                        "financial": {"obligations": obligations}, **data}}


def entry(aln: str, *, active: bool = True, modified: str = "2025-01-01", **extra: Any) -> dict[str, Any]:
    return {"_id": f"id-{aln}", "programNumber": aln, "title": f"Program {aln}",
            "organizationHierarchy": [{"organizationId": "12", "level": 1, "name": "Dept"},
                                      {"organizationId": "12D", "level": 2, "name": "Agency"}],
            "publishDate": "2024-06-01", "modifiedDate": modified, "isActive": active, **extra}


class FakeSam:
    """Serves an index and documents like sam.gov, recording every request."""

    def __init__(self, entries: list[dict[str, Any]], documents: dict[str, Any] | None = None,
                 delay: float = 0.0) -> None:
        self.entries = entries
        self.documents = documents if documents is not None else {
            e["_id"]: document(str(e.get("programNumber"))) for e in entries if "_id" in e}
        self.delay = delay
        self.requests: list[httpx.Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            return self._answer(request)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == SEARCH_PATH:
            params = request.url.params
            active = params["is_active"] == "true"
            matches = [e for e in self.entries if e.get("isActive", True) == active]
            page, size = int(params["page"]), int(params["size"])
            chunk = matches[page * size:(page + 1) * size]
            body: dict[str, Any] = {"page": {"totalElements": len(matches), "size": size, "number": page}}
            if chunk:
                body["_embedded"] = {"results": chunk}
            return httpx.Response(200, content=dumps_exact(body))
        if path == DICTIONARY_PATH:
            return httpx.Response(200, json=DICTIONARY)
        program_id = path.rsplit("/", 1)[-1]
        if program_id not in self.documents:
            return httpx.Response(404, json={"message": "Program not found"})
        doc = self.documents[program_id]
        return httpx.Response(200, content=doc if isinstance(doc, str) else dumps_exact(doc))

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]

    def detail_requests(self) -> list[str]:
        return [p for p in self.paths() if p not in (SEARCH_PATH, DICTIONARY_PATH)]


def client_for(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> SourceClient:
    return SourceClient("sam", BASE, transport=httpx.MockTransport(handler), headers=PUBLIC_HEADERS,
                        retry=RetryPolicy(max_attempts=2, jitter=False), sleep=lambda s: None,
                        max_concurrency=8, **kwargs)


def fetch(fake: FakeSam, **kwargs: Any) -> PublicExtract:
    kwargs.setdefault("pace_seconds", 0)
    with client_for(fake) as client:
        result = fetch_sam_public(client, **kwargs)
        assert result.extract.requests == client.requests  # retries included, across worker threads
    return result


def known_from(result: PublicExtract) -> dict[str, KnownDocument]:
    return {d.program_id: d for d in result.documents}


# --- the search index ---------------------------------------------------------------------------


def test_pages_the_index_active_then_inactive_and_fetches_every_document() -> None:
    fake = FakeSam([entry(f"10.00{i}") for i in range(5)] + [entry("11.001", active=False),
                                                            entry("11.002", active=False)])
    result = fetch(fake, page_size=2)
    extract = result.extract

    searches = [r.url.params for r in fake.requests if r.url.path == SEARCH_PATH]
    assert [(p["is_active"], p["page"]) for p in searches] == [("true", "0"), ("true", "1"), ("true", "2"),
                                                                ("false", "0")]
    assert all(p["index"] == "cfda" and p["mode"] == "search" and p["size"] == "2" for p in searches)
    assert all(r.headers["Accept"].startswith("application/hal+json") for r in fake.requests)
    assert fake.paths().count(DICTIONARY_PATH) == 1
    assert sorted(fake.detail_requests()) == sorted(DETAIL_PATH.format(id=f"id-{e['programNumber']}")
                                                    for e in fake.entries)
    assert extract.requests == 4 + 1 + 7 == len(extract.pages)
    assert extract.total_records == 7 and extract.warnings == []
    assert (result.fetched, result.reused) == (7, 0)
    assert {x.program_number: x.status for x in extract.listings}["11.002"] == "Inactive"
    listing = extract.listings[0]
    assert (listing.program_number, listing.program_id, listing.title, listing.department, listing.agency,
            listing.status, listing.version, listing.published_date) == (
        "10.000", "id-10.000", "Program 10.000", "Dept", "Agency", "Active", None, "2024-06-01")
    assert extract.public_documents == result.documents and len(result.documents) == 7


def test_only_active_listings_when_inactive_are_not_wanted() -> None:
    fake = FakeSam([entry("10.001"), entry("10.002", active=False)])
    result = fetch(fake, include_inactive=False)
    assert [x.program_number for x in result.extract.listings] == ["10.001"]
    assert all(r.url.params.get("is_active") != "false" for r in fake.requests)


def test_stops_when_total_elements_are_seen_and_at_an_empty_page() -> None:
    fake = FakeSam([entry(f"10.00{i}") for i in range(4)])
    fetch(fake, page_size=2, include_inactive=False)
    assert [r.url.params["page"] for r in fake.requests if r.url.path == SEARCH_PATH] == ["0", "1"]

    def short_index(request: httpx.Request) -> httpx.Response:
        if request.url.path == SEARCH_PATH:  # promises 5, serves 1, then nothing (no _embedded)
            page = int(request.url.params["page"])
            body: dict[str, Any] = {"page": {"totalElements": 5}}
            if page == 0:
                body["_embedded"] = {"results": [entry("10.001")]}
            return httpx.Response(200, json=body)
        return fake(request)

    with client_for(short_index) as client:
        extract = fetch_sam_public(client, pace_seconds=0, page_size=1, include_inactive=False).extract
    assert [x.program_number for x in extract.listings] == ["10.001"]
    assert any("said 5 listings but page 1 came back empty" in w for w in extract.warnings)


def test_programs_are_matched_exactly_and_only_theirs_are_fetched() -> None:
    fake = FakeSam([entry("10.10"), entry("10.100"), entry("10.1000")])
    result = fetch(fake, programs=["10.10", "99.999"])
    assert [x.program_number for x in result.extract.listings] == ["10.10"]
    assert fake.detail_requests() == [DETAIL_PATH.format(id="id-10.10")]
    assert any("no listing found for program 99.999" in w for w in result.extract.warnings)


def test_index_results_without_id_or_number_are_skipped_with_a_warning() -> None:
    no_number = entry("10.002")
    del no_number["programNumber"]
    no_id = entry("10.003")
    del no_id["_id"]
    result = fetch(FakeSam([entry("10.001"), no_number, no_id]))
    assert [x.program_number for x in result.extract.listings] == ["10.001"]
    warnings = " | ".join(result.extract.warnings)
    assert "no programNumber (_id id-10.002" in warnings and "no _id" in warnings


@pytest.mark.parametrize("bad_id", [
    "../../../sgs/v1/search/?index=x",  # another endpoint of the same host
    "..", "x/../../dictionaries", "id?x=1", "id#frag", "id%2F..", "id\\..", " ", "id 1", "\u0430bc",
])
def test_an_id_that_would_change_the_request_path_is_skipped_with_a_warning_naming_it(bad_id: str) -> None:
    bad = entry("10.002")
    bad["_id"] = bad_id
    fake = FakeSam([entry("10.001"), bad, entry("10.003")])
    result = fetch(fake)
    assert [x.program_number for x in result.extract.listings] == ["10.001", "10.003"]  # the run goes on
    assert sorted(fake.detail_requests()) == [DETAIL_PATH.format(id="id-10.001"), DETAIL_PATH.format(id="id-10.003")]
    assert all(r.url.path in (SEARCH_PATH, DICTIONARY_PATH) or r.url.path.startswith("/api/prod/fac/v1/programs/id-")
               for r in fake.requests)
    if bad_id.strip():
        assert any(f"_id {bad_id!r} is not a program id" in w and "'10.002'" in w for w in result.extract.warnings)


def test_real_ids_are_requested_as_one_path_segment() -> None:
    real = entry("10.001")
    real["_id"] = "6ae0ad2c07b84c4f9c2a1a3e35f4d4b1"
    fake = FakeSam([real])
    fetch(fake)
    assert fake.detail_requests() == ["/api/prod/fac/v1/programs/6ae0ad2c07b84c4f9c2a1a3e35f4d4b1"]


def test_a_numeric_program_number_in_the_index_is_refused() -> None:
    with pytest.raises(MalformedPayload, match="programNumber 10.1 as a number"):
        fetch(FakeSam([entry("10.001", programNumber=Decimal("10.1"))]))


def test_agency_is_level_two_and_department_level_one_whatever_the_order() -> None:
    hierarchy = [{"level": 3, "name": "Office"}, {"level": "2", "name": "Agency"}, {"level": 1, "name": "Dept"}]
    only_dept = [{"level": 1, "name": "Dept"}]
    result = fetch(FakeSam([entry("10.001", organizationHierarchy=hierarchy),
                            entry("10.002", organizationHierarchy=only_dept),
                            entry("10.003", organizationHierarchy=None)]))
    orgs = [(x.department, x.agency) for x in result.extract.listings]
    assert orgs == [("Dept", "Agency"), ("Dept", "Dept"), (None, None)]


# --- dictionary and figures ---------------------------------------------------------------------


def test_assistance_types_are_read_as_v2_codes_and_decoded_through_the_dictionary() -> None:
    obligations = [
        {"assistanceType": "0003003", "values": [{"year": 2024, "actual": 1}]},
        {"assistanceType": "0005999", "values": [{"year": 2024, "actual": 2}]},  # unknown sub: family name
        {"assistanceType": "0090", "values": [{"year": 2024, "actual": 3}]},  # a family id itself
        {"assistanceType": "7777777", "values": [{"year": 2024, "actual": 4}]},  # unknown altogether
    ]
    fake = FakeSam([entry("10.001")], {"id-10.001": document("10.001", obligations)})
    result = fetch(fake)
    lines = result.extract.listings[0].lines
    # One spelling whichever mode read it (the official mode's F-code); the source's own is kept beside it.
    assert [(x.assistance_type_code, x.assistance_type_name, x.assistance_type_as_given) for x in lines] == [
        ("F001", "Project Grants", "0003003"), ("F006", "DIRECT PAYMENTS FOR SPECIFIED USE", "0005999"),
        ("0090", "SALARIES AND EXPENSES", "0090"), ("7777777", None, "7777777")]
    assert [family_of(x.assistance_type_code, x.assistance_type_name) for x in lines] == [
        "grant", "direct_payment", "salaries_and_expenses", None]
    assert result.extract.listings[0].assistance_types == ("F001", "F006", "0090", "7777777")
    assert any("7777777 is not in the assistance_type dictionary" in w for w in result.extract.warnings)


def test_figures_are_read_exactly_as_the_official_mode_reads_them() -> None:
    values_list = [{"year": 2022, "actual": None, "estimate": None}, {"year": 2023, "actual": 0},
                   {"year": "FY2024", "actual": "1,234.50"}, {"year": 2025, "estimate": Decimal("100.000")}]
    values_by_year = {"2021": {"actual": Decimal("15000000.00")}, "2020": {"actual": 0, "estimate": None}}
    obligations = [{"assistanceType": "0003003", "values": values_list, "isRecoveryAct": False},
                   {"assistanceType": "0009001", "values": values_by_year}]
    fake = FakeSam([entry("10.001")], {"id-10.001": document("10.001", obligations)})
    public = fetch(fake).extract.listings[0]
    official = parse_listing({
        "assistanceListingId": "10.001", "programId": "id-10.001", "financialInformation": {"obligations": [
            {"assistanceType": {"code": "F001"}, "values": values_list, "isRecoveryAct": False},
            {"assistanceType": {"code": "F003"}, "values": values_by_year}]}})

    def cells(listing: Any) -> list[tuple[Any, ...]]:
        return [(x.fiscal_year, x.sam_actual, x.sam_estimate, x.is_recovery_act) for x in listing.lines]

    assert cells(public) == cells(official)
    assert cells(public)[:4] == [(2022, None, None, False), (2023, Decimal("0.00"), None, False),
                                 (2024, Decimal("1234.50"), None, False), (2025, None, Decimal("100.00"), False)]
    assert cells(public)[4] == (2021, Decimal("15000000.00"), None, None)


@pytest.mark.parametrize("doc, message", [
    ({"id": "id-10.001", "data": None}, r"program 10.001 \(_id id-10.001.*data is null, not an object"),
    (document("10.001", financial="much"), "program 10.001.*data.financial is a string"),
    (document("10.001", [{"assistanceType": 3003, "values": []}]), r"obligations\[0\].assistanceType is a number"),
    (document("10.001", [{"assistanceType": "0003003", "values": [{"year": 2024, "actual": "lots"}]}]),
     "program 10.001.*year 2024 actual: 'lots' is not an amount"),
    (document("10.001", [{"assistanceType": "0003003", "values": [{"year": 2024, "actual": "1,23"}]}]),
     "program 10.001.*year 2024 actual: '1,23' is not an amount"),  # not 123.00
    (document("10.001", [{"assistanceType": "0003003", "values": [{"year": 2024, "estimate": Decimal("99.999")}]}]),
     r"program 10.001.*year 2024 estimate: Decimal\('99.999'\) has digits below a cent"),  # not 100.00
    (document("10.001", [{"assistanceType": "0003003", "values": [{"year": "soon", "actual": 1}]}]),
     r"program 10.001.*values\[0\].year: 'soon' is not a fiscal year"),
    (document("10.001", [{"assistanceType": "0003003", "values": [5]}]), r"program 10.001.*values\[0\] is a number"),
    ("[1, 2]", "program 10.001.*is a list, not a JSON object"),
])
def test_a_malformed_document_names_the_program_and_the_field(doc: Any, message: str) -> None:
    fake = FakeSam([entry("10.001")], {"id-10.001": doc})
    with pytest.raises(MalformedPayload, match=message):
        fetch(fake)


def test_a_document_that_is_not_found_is_a_clear_error() -> None:
    fake = FakeSam([entry("10.001"), entry("10.002")], {"id-10.001": document("10.001")})
    with pytest.raises(ClientError) as exc:
        fetch(fake)
    assert exc.value.status_code == 404
    assert "lists program 10.002 (_id id-10.002) but its document was not found" in str(exc.value)
    assert "/api/prod/fac/v1/programs/id-10.002" in str(exc.value)


def test_transient_failures_are_retried_and_counted() -> None:
    fake = FakeSam([entry("10.001")])
    failed: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("id-10.001") and not failed:
            failed.append(request.url.path)
            return httpx.Response(503)
        return fake(request)

    with client_for(flaky) as client:
        extract = fetch_sam_public(client, pace_seconds=0).extract
    assert extract.requests == 5 == client.requests  # index x2, dictionary, document twice
    assert len(extract.pages) == 4  # one page per answered request


# --- change detection ---------------------------------------------------------------------------


def test_unchanged_listings_are_not_fetched_again_and_a_bumped_one_is() -> None:
    fake = FakeSam([entry(f"10.00{i}") for i in range(4)] + [entry("11.001", active=False)])
    first = fetch(fake)
    fake.requests.clear()

    second = fetch(fake, known=known_from(first))
    assert fake.detail_requests() == []
    assert second.extract.requests == 2 + 1  # the two index queries and the dictionary, nothing else
    assert (second.fetched, second.reused) == (0, 5)
    assert second.extract.public_documents == [] and second.fetched_documents == []
    assert second.extract.listings == first.extract.listings
    assert second.documents == first.documents

    fake.entries[2] = entry("10.002", modified="2025-02-01")
    fake.requests.clear()
    third = fetch(fake, known=known_from(second))
    assert fake.detail_requests() == [DETAIL_PATH.format(id="id-10.002")]
    assert (third.fetched, third.reused) == (1, 4)
    assert [d.program_id for d in third.extract.public_documents] == ["id-10.002"]
    assert {d.program_id: d.modified_date for d in third.documents}["id-10.002"] == "2025-02-01"


def test_no_modified_date_or_an_unreadable_stored_body_means_fetch() -> None:
    fake = FakeSam([entry("10.001", modified=None), entry("10.002")])  # type: ignore[arg-type]
    known = {"id-10.001": KnownDocument("id-10.001", None, json.dumps(document("10.001"))),
             "id-10.002": KnownDocument("id-10.002", "2025-01-01", "{not json")}
    result = fetch(fake, known=known)
    assert sorted(fake.detail_requests()) == [DETAIL_PATH.format(id="id-10.001"), DETAIL_PATH.format(id="id-10.002")]
    assert any("stored document of 10.002" in w and "not JSON" in w for w in result.extract.warnings)


# --- politeness ---------------------------------------------------------------------------------


def test_no_more_than_concurrency_documents_are_in_flight() -> None:
    fake = FakeSam([entry(f"10.{i:03d}") for i in range(12)], delay=0.02)
    result = fetch(fake, concurrency=3)
    assert result.fetched == 12
    assert 2 <= fake.max_in_flight <= 3  # parallel, and never beyond the bound (the client allows 8)

    fake = FakeSam([entry(f"10.{i:03d}") for i in range(6)], delay=0.01)
    fetch(fake, concurrency=1)
    assert fake.max_in_flight == 1


def test_request_starts_are_paced_across_threads() -> None:
    # A frozen clock: every request asks to start at t=0, so each must wait one more pace than the last.
    sleeps: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            sleeps.append(seconds)

    fake = FakeSam([entry(f"10.{i:03d}") for i in range(6)])
    with client_for(fake) as client:
        fetch_sam_public(client, pace_seconds=0.5, concurrency=3, sleep=sleep, clock=lambda: 100.0)
    requests = len(fake.requests)
    assert requests == 2 + 1 + 6  # the two index queries, the dictionary, the documents
    assert sorted(sleeps) == [0.5 * k for k in range(1, requests)]


def test_the_pacer_only_waits_for_what_is_left_of_the_interval() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(1.0, sleep=sleep, clock=lambda: now[0])
    pacer.wait()  # the first request never waits
    now[0] += 0.25
    pacer.wait()
    now[0] += 5.0  # a long gap: no wait at all
    pacer.wait()
    assert slept == [0.75]
    assert Pacer(0).interval == 0
    with pytest.raises(ValueError, match="pace must not be negative, got -1"):
        Pacer(-1)


def test_pace_zero_never_sleeps() -> None:
    fake = FakeSam([entry("10.001")])

    def no_sleep(seconds: float) -> None:
        raise AssertionError("slept")

    with client_for(fake) as client:
        fetch_sam_public(client, pace_seconds=0, sleep=no_sleep)


def test_progress_reports_documents_done_fetched_or_reused() -> None:
    fake = FakeSam([entry(f"10.{i:03d}") for i in range(3)])
    progress: list[tuple[int, int | None]] = []
    first = fetch(fake, on_progress=lambda n, t: progress.append((n, t)))
    assert progress == [(1, 3), (2, 3), (3, 3)]
    progress.clear()
    fetch(fake, known=known_from(first), on_progress=lambda n, t: progress.append((n, t)))
    assert progress == [(3, 3)]


def test_arguments_are_checked() -> None:
    fake = FakeSam([])
    with pytest.raises(ValueError, match="page_size"):
        fetch(fake, page_size=0)
    with pytest.raises(ValueError, match="concurrency"):
        fetch(fake, concurrency=0)


def test_the_hal_accept_header_and_no_key_are_sent() -> None:
    with respx.mock(base_url=BASE, assert_all_called=True) as router:
        router.get(SEARCH_PATH).respond(json={"page": {"totalElements": 0}})
        router.get(DICTIONARY_PATH, params={"ids": "assistance_type"}).respond(json=DICTIONARY)
        with SourceClient("sam", BASE, headers=PUBLIC_HEADERS) as client:
            result = fetch_sam_public(client, pace_seconds=0, include_inactive=False)
        sent = [call.request for call in router.calls]
    assert result.extract.listings == [] and result.extract.total_records == 0
    assert [r.headers["Accept"] for r in sent] == ["application/hal+json, application/json"] * 2
    assert all("api_key" not in str(r.url) for r in sent)


# --- the emulator's public endpoints ------------------------------------------------------------


def small_bundle() -> Bundle:
    def listing(n: int, code: str, status: str = "Active", **extra: Any) -> dict[str, Any]:
        return {"version": "2.0", "status": status, "programId": f"{n:032x}", "assistanceListingId": f"10.{n:03d}",
                "title": f"Program {n}", "publishedDate": "2024-03-01T10:00:00.000+00:00",
                "federalOrganization": {"department": "Dept", "departmentCode": "12", "agency": f"Agency {n % 2}",
                                        "agencyCode": "12D"},
                "financialInformation": {"obligations": [
                    {"assistanceType": {"code": code, "name": "?"},
                     "values": [{"year": 2022, "actual": Decimal("1234567.89"), "estimate": None},
                                {"year": 2023, "actual": "0.00", "estimate": Decimal("5.10")}]}]},
                **extra}
    codes = [*LEGACY_TYPE_OF, "0090"]
    listings = [listing(n, code, "Inactive" if n % 4 == 0 else "Active") for n, code in enumerate(codes, start=1)]
    listings.append({**listing(99, "F001"), "financialInformation": {  # the official API's key casing quirk
        "Obligations": [{"assistanceType": {"code": "F006"}, "values": {"2022": {"actual": 7}}}]}})
    return Bundle(sam_listings=listings, usaspending={2022: []})


def query(**params: str) -> dict[str, list[str]]:
    return {k: [v] for k, v in params.items()}


def test_every_official_type_maps_to_a_legacy_id_of_the_same_family_that_the_dictionary_knows() -> None:
    names = {sub["element_id"] for fam in DICTIONARY["_embedded"]["jSONObjectList"][0]["elements"]
             for sub in fam["elements"]}
    for official, legacy in LEGACY_TYPE_OF.items():
        assert family_of(official) == family_of(legacy) is not None, official
        assert legacy in names


def test_the_emulator_serves_index_documents_and_dictionary_from_the_bundle() -> None:
    emulator = ApiEmulator(small_bundle())
    status, headers, body = emulator.handle("GET", SEARCH_PATH, query(index="cfda", page="0", size="5",
                                                                      is_active="true", mode="search"))
    index = json.loads(body)
    assert status == 200 and headers["Content-Type"] == "application/hal+json"
    results = index["_embedded"]["results"]
    assert index["page"]["totalElements"] == 15 and len(results) == 5
    first = results[0]
    assert (first["_id"], first["programNumber"], first["isActive"], first["modifiedDate"]) == (
        f"{1:032x}", "10.001", True, "2024-03-01T10:00:00.000+00:00")
    assert first["organizationHierarchy"] == [{"organizationId": "12", "level": 1, "name": "Dept"},
                                              {"organizationId": "12D", "level": 2, "name": "Agency 1"}]
    _, _, beyond = emulator.handle("GET", SEARCH_PATH, query(index="cfda", page="9", size="5", is_active="true"))
    assert "_embedded" not in json.loads(beyond)

    status, _, raw = emulator.handle("GET", DETAIL_PATH.format(id=f"{1:032x}"), {})
    doc = json.loads(raw, parse_float=Decimal)
    assert status == 200 and doc["id"] == f"{1:032x}"
    obligation = doc["data"]["financial"]["obligations"][0]
    assert obligation["assistanceType"] == "0003003"
    assert obligation["values"][0]["actual"] == Decimal("1234567.89") and obligation["values"][1]["actual"] == "0.00"
    assert b'1234567.89' in raw
    quirky = json.loads(emulator.handle("GET", DETAIL_PATH.format(id=f"{99:032x}"), {})[2])
    assert quirky["data"]["financial"]["obligations"] == [{"assistanceType": "0005001",
                                                           "values": {"2022": {"actual": 7}}}]

    assert emulator.handle("GET", DETAIL_PATH.format(id="nope"), {})[0] == 404
    assert emulator.handle("GET", SEARCH_PATH, query(index="other"))[0] == 400
    assert emulator.handle("GET", SEARCH_PATH, query(index="cfda", size="10001"))[0] == 400
    assert emulator.handle("POST", SEARCH_PATH, query(index="cfda"))[0] == 405
    dictionaries = json.loads(emulator.handle("GET", DICTIONARY_PATH, query(ids="assistance_type,match_percent"))[2])
    assert [d["id"] for d in dictionaries["_embedded"]["jSONObjectList"]] == ["assistance_type"]
    assert {s for s, _, _ in emulator.request_log} == {"sam_public"}


def test_the_emulator_bumps_modified_dates_on_request() -> None:
    program_id = f"{2:032x}"
    emulator = ApiEmulator(small_bundle(), public_modified=[program_id])

    def modified() -> dict[str, str]:
        body = emulator.handle("GET", SEARCH_PATH, query(index="cfda", size="100"))[2]
        return {e["_id"]: e["modifiedDate"] for e in json.loads(body)["_embedded"]["results"]}

    assert modified()[program_id] == "2024-03-02T10:00:00.000+00:00"
    assert modified()[f"{1:032x}"] == "2024-03-01T10:00:00.000+00:00"
    emulator.public.bump(program_id)
    assert modified()[program_id] == "2024-03-03T10:00:00.000+00:00"


def emulated_client(emulator: ApiEmulator) -> SourceClient:
    return SourceClient("sam", BASE, transport=EmulatorTransport(emulator), headers=PUBLIC_HEADERS,
                        retry=RetryPolicy(jitter=False), sleep=lambda s: None, max_concurrency=4)


def test_both_modes_read_the_same_listings_from_the_emulator() -> None:
    emulator = ApiEmulator(small_bundle())
    with emulated_client(emulator) as client:
        public = fetch_sam_public(client, pace_seconds=0, page_size=4).extract
    with SourceClient("sam", "https://api.sam.gov", transport=EmulatorTransport(emulator),
                      secret_params={"api_key": "k"}) as client:
        official = fetch_sam_listings(client, page_size=4)

    def comparable(listings: Iterable[Any]) -> list[tuple[Any, ...]]:
        return sorted((x.program_number, x.program_id, x.title, x.status, x.department, x.agency, x.published_date,
                       tuple((y.fiscal_year, family_of(y.assistance_type_code, y.assistance_type_name), y.sam_actual,
                              y.sam_estimate, y.is_recovery_act) for y in x.lines)) for x in listings)

    assert comparable(public.listings) == comparable(official.listings)
    assert len(public.listings) == 19 and public.warnings == []
    counts = {s: sum(1 for x, _, _ in emulator.request_log if x == s) for s in ("sam", "sam_public")}
    assert counts == {"sam_public": 4 + 1 + 1 + 19, "sam": 5}  # 15 active in 4 pages, 4 inactive in 1


def test_faults_on_the_public_endpoints_are_retried() -> None:
    emulator = ApiEmulator(small_bundle(), faults=FaultPlan(fail_first={"sam_public": [503, 429]}))
    with emulated_client(emulator) as client:
        extract = fetch_sam_public(client, pace_seconds=0, page_size=100).extract
    assert len(extract.listings) == 19
    assert extract.requests == 2 + 2 + 1 + 19
    assert [status for _, _, status in emulator.request_log[:3]] == [503, 429, 200]


# --- the document store -------------------------------------------------------------------------


def test_stored_documents_come_back_latest_first_per_program(tmp_path: Any) -> None:
    from datetime import datetime, timezone

    con = connect(tmp_path / "w.duckdb")
    assert known_documents(con) == {}  # a warehouse from before public mode
    ensure_schema(con)
    old = KnownDocument("a", "2025-01-01", '{"v": 1.10}', "10.001", datetime(2025, 1, 1, tzinfo=timezone.utc))
    new = KnownDocument("a", "2025-02-01", '{"v": 2.20}', "10.001", datetime(2025, 2, 1, tzinfo=timezone.utc))
    other = KnownDocument("b", None, '{"v": 3}', None, None)
    assert load_public_documents(con, "run1", [old, other]) == 2
    assert load_public_documents(con, "run2", [new]) == 1
    assert load_public_documents(con, "run3", []) == 0
    known = known_documents(con)
    assert known["a"] == new  # the body text comes back verbatim (1.10 stays 1.10)
    assert (known["b"].modified_date, known["b"].body) == (None, '{"v": 3}')
    con.close()
