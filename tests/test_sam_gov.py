"""SAM.gov Assistance Listings: paging within a tiny daily quota, and reading listings defensively."""
from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import connectors.sam_gov as sam_gov
from connectors.errors import BudgetExceeded, ClientError, MalformedPayload, SourceError
from connectors.http import RetryPolicy, SourceClient
from connectors.records import SamObligationLine
from connectors.sam_gov import SEARCH_PATH, fetch_sam_listings, parse_listing, parse_search_page

KEY = "sam-test-key-5f2e9c"
BASE = "https://api.sam.gov"
FIXTURES = Path(__file__).parent / "fixtures"


# --- builders -----------------------------------------------------------------------------------


def listing(aln: str | None, program_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """A minimal v2.0 listing with one grant line for FY2024."""
    obj: dict[str, Any] = {
        "version": "2.0",
        "status": "Active",
        "programId": program_id or f"id-{aln}",
        "assistanceListingId": aln,
        "title": f"Program {aln}",
        "federalOrganization": {"department": "Dept", "agency": "Agency"},
        "financialInformation": {
            "obligations": [
                {"assistanceType": {"code": "F001", "name": "Grant"},
                 "values": [{"year": 2024, "actual": 100, "estimate": None}]}
            ]
        },
    }
    obj.update(extra)
    return obj


def search_page(items: list[dict[str, Any]], *, total_records: int | None, total_pages: int | None,
                page_number: int = 1) -> dict[str, Any]:
    return {"totalRecords": total_records, "totalPages": total_pages, "pageNumber": page_number,
            "pageSize": len(items), "assistanceListingsData": items}


def paged_server(all_items: list[dict[str, Any]], page_size: int) -> Callable[[httpx.Request], httpx.Response]:
    """A fake search endpoint serving `all_items` in pages, like the real one."""
    total_pages = -(-len(all_items) // page_size)

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == SEARCH_PATH
        assert request.url.params["api_key"] == KEY
        assert int(request.url.params["pageSize"]) == page_size
        n = int(request.url.params["pageNumber"])
        chunk = all_items[(n - 1) * page_size : n * page_size]
        return httpx.Response(200, json=search_page(chunk, total_records=len(all_items),
                                                    total_pages=total_pages, page_number=n))

    return handler


def sam_client(handler: Callable[[httpx.Request], httpx.Response] | None = None, **kwargs: Any) -> SourceClient:
    return SourceClient(
        "sam",
        BASE,
        transport=httpx.MockTransport(handler) if handler else None,
        secret_params={"api_key": KEY},
        retry=RetryPolicy(jitter=False),
        sleep=lambda s: None,
        **kwargs,
    )


def only_line(aln_listing: Any) -> SamObligationLine:
    assert len(aln_listing.lines) == 1
    line: SamObligationLine = aln_listing.lines[0]
    return line


# --- paging -------------------------------------------------------------------------------------


def test_pages_through_every_page_with_exactly_one_request_per_page() -> None:
    items = [listing(f"10.{i:03d}") for i in range(5)]
    progress: list[tuple[int, int | None]] = []
    with sam_client(paged_server(items, page_size=2)) as client:
        extract = fetch_sam_listings(client, page_size=2, on_page=lambda n, total: progress.append((n, total)))

    assert [x.program_number for x in extract.listings] == ["10.000", "10.001", "10.002", "10.003", "10.004"]
    assert extract.requests == 3 == client.requests
    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert [p.page_number for p in extract.pages] == [1, 2, 3]
    assert extract.total_records == 5 and extract.warnings == []
    assert all(KEY not in p.url for p in extract.pages)
    assert "status=All" in extract.pages[0].url and "pageNumber=1" in extract.pages[0].url


def test_never_asks_for_a_page_past_total_pages() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(int(request.url.params["pageNumber"]))
        return httpx.Response(200, json=search_page([listing(f"1.{len(calls)}")], total_records=2, total_pages=2))

    with sam_client(handler) as client:
        extract = fetch_sam_listings(client, page_size=1)

    assert calls == [1, 2]
    assert len(extract.listings) == 2


def test_stops_at_an_empty_page_even_if_total_pages_promised_more() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params["pageNumber"])
        items = [listing("10.001")] if n == 1 else []
        return httpx.Response(200, json=search_page(items, total_records=3, total_pages=3, page_number=n))

    with sam_client(handler) as client:
        extract = fetch_sam_listings(client, page_size=1)

    assert client.requests == 2
    assert any("page 2 of 3 came back empty" in w for w in extract.warnings)
    assert any("said 3 listings but 1 distinct" in w for w in extract.warnings)


def test_without_totals_a_short_page_is_the_last_one() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params["pageNumber"])
        items = [listing("1.1"), listing("1.2")] if n == 1 else [listing("1.3")]
        return httpx.Response(200, json={"assistanceListingsData": items})

    with sam_client(handler) as client:
        extract = fetch_sam_listings(client, page_size=2)

    assert client.requests == 2 and len(extract.listings) == 3


def test_a_source_that_never_stops_paging_hits_a_hard_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sam_gov, "MAX_PAGES", 4)

    def handler(request: httpx.Request) -> httpx.Response:
        n = request.url.params["pageNumber"]
        return httpx.Response(200, json={"assistanceListingsData": [listing(f"1.{n}")]})

    with sam_client(handler) as client:
        with pytest.raises(SourceError, match="still more pages after 4 pages"):
            fetch_sam_listings(client, page_size=1)
    assert client.requests == 4


# --- budget -------------------------------------------------------------------------------------


def test_refuses_after_page_one_when_the_remaining_pages_would_overrun_the_budget() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=search_page([listing("10.001")], total_records=5612, total_pages=58))

    with sam_client(handler, request_budget=10) as client:
        with pytest.raises(BudgetExceeded) as caught:
            fetch_sam_listings(client)

    assert str(caught.value) == (
        "SAM.gov: 57 more requests needed to page 5,612 listings but only 9 remain of today's "
        "budget; raise sam.daily_request_budget or try tomorrow"
    )
    assert client.requests == 1  # only page 1 was fetched: nothing wasted on a run that cannot finish


def test_a_budget_that_exactly_fits_is_used_to_the_last_request() -> None:
    items = [listing(f"10.{i:03d}") for i in range(3)]
    with sam_client(paged_server(items, page_size=1), request_budget=3) as client:
        extract = fetch_sam_listings(client, page_size=1)

    assert len(extract.listings) == 3 and client.remaining_budget() == 0


def test_per_program_mode_checks_the_budget_before_any_request() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=search_page([], total_records=0, total_pages=0))

    with sam_client(handler, request_budget=2) as client:
        with pytest.raises(BudgetExceeded, match="3 requests needed to look up 3 programs but only 2 remain"):
            fetch_sam_listings(client, programs=["10.001", "10.002", "10.003"])
    assert calls == []


# --- per-program queries ------------------------------------------------------------------------


def test_a_few_programs_are_fetched_with_one_query_each_and_10_10_is_not_10_100() -> None:
    with respx.mock(base_url=BASE, assert_all_called=True) as router:
        # The API is allowed to be sloppy (e.g. prefix matching); the connector is not.
        router.get(SEARCH_PATH, params={"assistanceListingId": "10.10"}).respond(
            json=search_page([listing("10.10"), listing("10.100")], total_records=2, total_pages=1)
        )
        router.get(SEARCH_PATH, params={"assistanceListingId": "10.100"}).respond(
            json=search_page([listing("10.100")], total_records=1, total_pages=1)
        )
        progress: list[tuple[int, int | None]] = []
        client = SourceClient("sam", BASE, secret_params={"api_key": KEY}, sleep=lambda s: None)
        with client:
            extract = fetch_sam_listings(
                client, programs=["10.10", "10.100", "10.10"], on_page=lambda n, t: progress.append((n, t))
            )
        sent = [call.request.url.params for call in router.calls]

    assert sorted(x.program_number for x in extract.listings) == ["10.10", "10.100"]
    assert extract.requests == 2
    assert progress == [(1, 2), (2, 2)]
    assert [p["assistanceListingId"] for p in sent] == ["10.10", "10.100"]
    assert all(p["pageSize"] == "100" and p["pageNumber"] == "1" and p["api_key"] == KEY for p in sent)


def test_a_program_with_no_listing_is_a_warning_not_a_failure() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["assistanceListingId"] == "99.999":
            return httpx.Response(404, json={"message": "No data found"})
        return httpx.Response(200, json=search_page([listing("10.001")], total_records=1, total_pages=1))

    with sam_client(handler) as client:
        extract = fetch_sam_listings(client, programs=["99.999", "10.001"])

    assert [x.program_number for x in extract.listings] == ["10.001"]
    assert any("no listing found for program 99.999" in w and "No data found" in w for w in extract.warnings)


def test_other_client_errors_in_per_program_mode_still_fail() -> None:
    with sam_client(lambda r: httpx.Response(401, json={"message": "bad key"})) as client:
        with pytest.raises(ClientError, match="bad key"):
            fetch_sam_listings(client, programs=["10.001"])


def test_many_programs_page_everything_once_and_filter_locally() -> None:
    items = [listing(f"10.{i:03d}") for i in range(40)] + [listing("10.10"), listing("10.100")]
    wanted = [f"10.{i:03d}" for i in range(0, 60, 2)] + ["10.10"]  # 31 programs: more than 25
    with sam_client(paged_server(items, page_size=100)) as client:
        extract = fetch_sam_listings(client, programs=wanted)

    assert client.requests == 1
    got = {x.program_number for x in extract.listings}
    assert got == {f"10.{i:03d}" for i in range(0, 40, 2)} | {"10.10"}
    assert "10.100" not in got


# --- duplicates and counts ----------------------------------------------------------------------


def test_the_same_listing_on_two_pages_is_kept_once_the_later_copy() -> None:
    first = listing("10.001", "abc", title="Old title")
    again = listing("10.001", "abc", title="New title")
    pages = {1: [first, listing("10.002")], 2: [again]}

    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params["pageNumber"])
        return httpx.Response(200, json=search_page(pages[n], total_records=3, total_pages=2))

    with sam_client(handler) as client:
        extract = fetch_sam_listings(client, page_size=2)

    assert [(x.program_number, x.title) for x in extract.listings] == [("10.001", "New title"), ("10.002", "Program 10.002")]
    assert any("came back on two pages" in w and "abc" in w for w in extract.warnings)
    assert any("said 3 listings but 2 distinct" in w for w in extract.warnings)


def test_two_different_listings_with_one_aln_are_both_kept_with_a_warning() -> None:
    items = [listing("10.001", "active-id"), listing("10.001", "archived-id", status="Archived")]
    with sam_client(paged_server(items, page_size=10)) as client:
        extract = fetch_sam_listings(client, page_size=10)

    assert [x.program_id for x in extract.listings] == ["active-id", "archived-id"]
    assert any("10.001 appears on 2 different listings" in w for w in extract.warnings)


def test_a_listing_without_an_aln_is_skipped_with_a_warning() -> None:
    items = [listing(None, "no-aln-id"), listing("  ", "blank-id"), listing("10.001")]
    with sam_client(paged_server(items, page_size=10)) as client:
        extract = fetch_sam_listings(client, page_size=10)

    assert [x.program_number for x in extract.listings] == ["10.001"]
    skipped = [w for w in extract.warnings if "no assistanceListingId" in w]
    assert len(skipped) == 2 and "no-aln-id" in skipped[0]
    assert not any("distinct" in w for w in extract.warnings)  # skipped ones were still received


# --- parsing a listing --------------------------------------------------------------------------


def test_the_documented_example_listing_is_read_field_by_field() -> None:
    payload = json.loads((FIXTURES / "sam_search_example.json").read_text(), parse_float=Decimal)
    warnings: list[str] = []
    listings, total_pages, total_records = parse_search_page(payload, url="test", warnings=warnings)

    assert (total_pages, total_records, warnings) == (1, 1, [])
    (x,) = listings
    assert (x.program_number, x.title, x.status, x.version) == ("10.080", "Example Program", "Active", "2.0")
    assert (x.department, x.agency) == ("Department of Agriculture", "Farm Service Agency")
    assert x.program_id == "18aa2649e4d24b4fa8e2e7c2c0d7a001"
    assert x.published_date == "2025-11-07T18:56:43.719+00:00"
    assert x.assistance_types == ("F001",)
    assert [(ln.fiscal_year, ln.sam_actual, ln.sam_estimate) for ln in x.lines] == [
        (2024, Decimal("2000.00"), None),
        (2025, Decimal("3000.00"), None),
        (2026, None, Decimal("3000.00")),
    ]
    assert all(ln.assistance_type_code == "F001" and ln.assistance_type_name == "Grant" for ln in x.lines)


def test_keys_are_read_whatever_their_case() -> None:
    obj = {
        "AssistanceListingId": "93.778",
        "PROGRAMID": "x1",
        "Title": "Medicaid",
        "FederalOrganization": {"Department": "HHS", "AGENCY": "CMS"},
        "FinancialInformation": {"Obligations": [
            {"AssistanceType": {"Code": "F007", "NAME": "Direct Payment"},
             "Values": [{"Year": 2024, "Actual": "5", "ESTIMATE": None}]}
        ]},
    }
    x = parse_listing(obj)

    assert (x.program_number, x.program_id, x.title, x.department, x.agency) == ("93.778", "x1", "Medicaid", "HHS", "CMS")
    assert only_line(x) == SamObligationLine("93.778", 2024, "F007", "Direct Payment", Decimal("5.00"), None, None,
                                             assistance_type_as_given="F007")


def test_amounts_may_be_formatted_strings() -> None:
    obj = listing("10.001")
    obj["financialInformation"]["obligations"][0]["values"] = [
        {"year": "2024", "actual": "$1,234,567.89", "estimate": " 2,000 "},
    ]
    line = only_line(parse_listing(obj))

    assert (line.fiscal_year, line.sam_actual, line.sam_estimate) == (2024, Decimal("1234567.89"), Decimal("2000.00"))


@pytest.mark.parametrize(("raw", "reason"), [
    ("1,23", "is not an amount"), ("1.000,50", "is not an amount"), ("$ 1,000.004", "has digits below a cent"),
    (Decimal("12.00001"), "has digits below a cent"),
])
def test_an_ill_formed_amount_is_refused_naming_program_year_field_and_value(raw: object, reason: str) -> None:
    """'1,23' is not 123.00, '1.000,50' not 1.00, '$ 1,000.004' not 1000.00: refused, never guessed."""
    obj = listing("10.001")
    obj["financialInformation"]["obligations"][0]["values"] = [{"year": 2024, "actual": 5, "estimate": raw}]
    with pytest.raises(MalformedPayload) as caught:
        parse_listing(obj)
    message = str(caught.value)
    assert "listing 10.001" in message and "year 2024 estimate" in message
    assert f"{raw!r} {reason}" in message


@pytest.mark.parametrize("year", [Decimal("Infinity"), Decimal("NaN"), Decimal("sNaN")])
def test_a_year_that_is_not_a_finite_number_is_a_clear_error_not_a_crash(year: Decimal) -> None:
    obj = listing("10.001")
    obj["financialInformation"]["obligations"][0]["values"] = [{"year": year, "actual": 5}]
    with pytest.raises(MalformedPayload, match="is not a fiscal year"):
        parse_listing(obj)


def test_values_may_be_an_object_keyed_by_year() -> None:
    obj = listing("10.001")
    obj["financialInformation"]["obligations"][0]["values"] = {
        "2022": {"actual": 0},
        "2023": {"actual": "12.5", "estimate": None},
    }
    lines = parse_listing(obj).lines

    assert [(ln.fiscal_year, ln.sam_actual, ln.sam_estimate) for ln in lines] == [
        (2022, Decimal("0.00"), None),
        (2023, Decimal("12.50"), None),
    ]


def test_an_explicit_zero_stays_zero_and_a_null_stays_unknown() -> None:
    obj = listing("10.001")
    obj["financialInformation"]["obligations"][0]["values"] = [
        {"year": 2024, "actual": 0, "estimate": None},
        {"year": 2025, "actual": "", "estimate": "0"},
    ]
    lines = parse_listing(obj).lines

    assert lines[0].sam_actual == Decimal("0") and lines[0].sam_actual is not None
    assert lines[0].sam_estimate is None
    assert lines[1].sam_actual is None and lines[1].sam_estimate == Decimal("0")


def test_amounts_stay_exact_from_json_text_to_record() -> None:
    body = json.dumps(search_page([listing("10.001")], total_records=1, total_pages=1)).replace(
        '"actual": 100', '"actual": 1234567.89'
    )
    with sam_client(lambda r: httpx.Response(200, text=body)) as client:
        extract = fetch_sam_listings(client)

    actual = only_line(extract.listings[0]).sam_actual
    assert actual == Decimal("1234567.89") and str(actual) == "1234567.89"


def test_every_obligation_entry_and_year_is_its_own_line_not_summed() -> None:
    obj = listing("10.001")
    obj["financialInformation"]["obligations"] = [
        {"assistanceType": {"code": "F001", "name": "Grant"}, "values": [{"year": 2024, "actual": 1}]},
        {"assistanceType": {"code": "F003", "name": "Direct Loan"}, "values": [{"year": 2024, "actual": 2}]},
        {"assistanceType": {"code": "F001", "name": "Grant"}, "values": [{"year": 2024, "actual": 3}]},
        {"assistanceType": {"code": "F010", "name": "Other"}, "values": []},
    ]
    x = parse_listing(obj)

    assert [(ln.assistance_type_code, ln.sam_actual) for ln in x.lines] == [
        ("F001", Decimal("1.00")), ("F003", Decimal("2.00")), ("F001", Decimal("3.00"))
    ]
    assert x.assistance_types == ("F001", "F003", "F010")


def test_assistance_type_may_be_a_legacy_string_or_missing() -> None:
    obj = listing("10.001")
    obj["financialInformation"]["obligations"] = [
        {"assistanceType": "0001001", "isRecoveryAct": True, "values": [{"year": 2012, "actual": 1}]},
        {"values": [{"year": 2012, "actual": 2}]},
    ]
    lines = parse_listing(obj).lines

    # A legacy id is read as its v2 code (formula grants: F001), the source's spelling kept beside it.
    assert [(ln.assistance_type_code, ln.assistance_type_name, ln.is_recovery_act, ln.assistance_type_as_given)
            for ln in lines] == [
        ("F001", None, True, "0001001"),
        (None, None, None, None),
    ]


def test_agency_falls_back_to_department_and_missing_sections_are_fine() -> None:
    obj = {"assistanceListingId": "10.001", "federalOrganization": {"department": "USDA"}}
    x = parse_listing(obj)

    assert (x.department, x.agency, x.lines, x.assistance_types) == ("USDA", "USDA", (), ())


def test_a_bad_amount_names_the_program_the_year_and_the_field() -> None:
    obj = listing("10.001")
    obj["financialInformation"]["obligations"][0]["values"] = [{"year": 2024, "actual": None, "estimate": "abc"}]
    with pytest.raises(MalformedPayload) as caught:
        parse_listing(obj)

    message = str(caught.value)
    assert "10.001" in message and "2024" in message and "estimate" in message and "'abc'" in message
    assert message.startswith("SAM.gov:")


def test_a_numeric_aln_is_refused_because_trailing_zeros_are_lost() -> None:
    with pytest.raises(MalformedPayload, match="assistanceListingId 10.1 is a number"):
        parse_listing({"assistanceListingId": Decimal("10.1"), "programId": "p"})


def test_a_bare_number_for_a_year_is_refused_rather_than_guessed_as_actual_or_estimate() -> None:
    obj = listing("10.001")
    obj["financialInformation"]["obligations"][0]["values"] = {"2024": 500}
    with pytest.raises(MalformedPayload, match="expected an object with actual/estimate"):
        parse_listing(obj)


def test_a_bad_year_is_named() -> None:
    obj = listing("10.001")
    obj["financialInformation"]["obligations"][0]["values"] = [{"year": "next year", "actual": 1}]
    with pytest.raises(MalformedPayload, match=r"10\.001.*'next year' is not a fiscal year"):
        parse_listing(obj)


def test_a_page_without_the_listings_array_is_malformed() -> None:
    with pytest.raises(MalformedPayload, match="has no assistanceListingsData list"):
        parse_search_page({"totalRecords": 5, "totalPages": 1}, url="https://api.sam.gov/x")
    with pytest.raises(MalformedPayload, match="not a JSON object"):
        parse_search_page([1, 2], url="https://api.sam.gov/x")
    assert parse_search_page({"totalRecords": 0, "totalPages": 0}, url="u") == ([], 0, 0)


def test_a_non_json_search_response_fails_clearly_through_fetch() -> None:
    with sam_client(lambda r: httpx.Response(200, text="<html>maintenance</html>")) as client:
        with pytest.raises(MalformedPayload, match="not JSON"):
            fetch_sam_listings(client)


def test_page_size_above_the_api_maximum_is_refused_before_any_request() -> None:
    with sam_client(lambda r: httpx.Response(500)) as client:
        with pytest.raises(ValueError, match="page_size"):
            fetch_sam_listings(client, page_size=1000)
    assert client.requests == 0
