"""USAspending spending_by_category/cfda: one paged query per fiscal year, amounts kept exact."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

import connectors.usaspending as usaspending
from connectors.errors import ClientError, MalformedPayload, SourceError
from connectors.http import RetryPolicy, SourceClient
from connectors.records import UsaspendingProgramYear
from connectors.usaspending import (
    CFDA_PATH,
    fetch_usaspending_year,
    fetch_usaspending_years,
    parse_cfda_page,
    request_body,
)

BASE = "https://api.usaspending.gov"
FIXTURES = Path(__file__).parent / "fixtures"

Handler = Callable[[httpx.Request], httpx.Response]


def result(code: Any, amount: Any, name: str | None = None) -> dict[str, Any]:
    return {"code": code, "amount": amount, "name": name or f"Program {code}", "id": 1, "total_outlays": None}


def cfda_page(results: list[dict[str, Any]], *, page: int = 1, has_next: bool = False) -> dict[str, Any]:
    return {
        "category": "cfda",
        "limit": 100,
        "page_metadata": {"page": page, "next": page + 1 if has_next else None, "hasNext": has_next},
        "results": results,
        "messages": [],
    }


def body_of(request: httpx.Request) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(request.content)
    return parsed


def paged_server(pages: dict[int, list[dict[str, Any]]]) -> Handler:
    """Serves pages[n] for `"page": n`, with hasNext on every page but the last."""

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST" and request.url.path == CFDA_PATH
        n = body_of(request)["page"]
        return httpx.Response(200, json=cfda_page(pages[n], page=n, has_next=n < max(pages)))

    return handler


def client_for(handler: Handler, **kwargs: Any) -> SourceClient:
    return SourceClient(
        "usaspending",
        BASE,
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(jitter=False),
        sleep=lambda s: None,
        **kwargs,
    )


def by_aln(rows: list[UsaspendingProgramYear]) -> dict[str, Decimal | None]:
    return {r.program_number: r.usaspending_obligations for r in rows}


# --- the request --------------------------------------------------------------------------------


def test_the_request_covers_one_federal_fiscal_year_at_transaction_level() -> None:
    assert request_body(2024, 3, 100, None) == {
        "filters": {"time_period": [{"start_date": "2023-10-01", "end_date": "2024-09-30"}]},
        "spending_level": "transactions",
        "limit": 100,
        "page": 3,
    }
    with_programs = request_body(2024, 1, 50, ["10.10", "10.100"])
    assert with_programs["filters"]["program_numbers"] == ["10.10", "10.100"]


# --- paging -------------------------------------------------------------------------------------


def test_pages_until_has_next_is_false_with_one_request_per_page() -> None:
    pages = {1: [result("93.778", 300), result("10.551", 200)], 2: [result("84.063", 100)], 3: [result("1.1", 1)]}
    progress: list[tuple[int, int | None]] = []
    with client_for(paged_server(pages)) as client:
        extract = fetch_usaspending_year(client, 2023, page_size=2, on_page=lambda n, t: progress.append((n, t)))

    assert extract.fiscal_year == 2023
    assert [r.program_number for r in extract.rows] == ["93.778", "10.551", "84.063", "1.1"]
    assert extract.requests == 3 == client.requests
    assert progress == [(1, None), (2, None), (3, None)]
    assert [p.page_number for p in extract.pages] == [1, 2, 3]
    assert all(p.fiscal_year == 2023 and p.method == "POST" for p in extract.pages)
    assert [json.loads(p.request_body or "")["page"] for p in extract.pages] == [1, 2, 3]
    assert extract.warnings == []


def test_has_next_may_be_spelt_in_snake_case() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        n = body_of(request)["page"]
        return httpx.Response(200, json={"results": [result(f"1.{n}", n)],
                                         "page_metadata": {"page": n, "has_next": n < 2}})

    with client_for(handler) as client:
        extract = fetch_usaspending_year(client, 2022)

    assert [r.program_number for r in extract.rows] == ["1.1", "1.2"] and client.requests == 2


def test_an_empty_page_claiming_more_stops_paging_with_a_warning() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=cfda_page([], has_next=True))

    with client_for(handler) as client:
        extract = fetch_usaspending_year(client, 2022)

    assert client.requests == 1 and extract.rows == []
    assert any("empty but said hasNext" in w for w in extract.warnings)


def test_paging_that_never_ends_hits_a_hard_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usaspending, "MAX_CATEGORIES", 300)  # 300 / 100 + 2 = 5 pages at most

    def handler(request: httpx.Request) -> httpx.Response:
        n = body_of(request)["page"]
        return httpx.Response(200, json=cfda_page([result(f"1.{n}", 1)], page=n, has_next=True))

    with client_for(handler) as client:
        with pytest.raises(SourceError, match="still hasNext after 5 pages"):
            fetch_usaspending_year(client, 2022)
    assert client.requests == 5


def test_a_503_mid_paging_is_retried_and_counted() -> None:
    attempts = 0
    inner = paged_server({1: [result("1.1", 1)], 2: [result("1.2", 2)]})

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        return httpx.Response(503) if attempts == 2 else inner(request)

    with client_for(handler) as client:
        extract = fetch_usaspending_year(client, 2022)

    assert len(extract.rows) == 2
    assert extract.requests == 3 and len(extract.pages) == 2


# --- programs -----------------------------------------------------------------------------------


def test_programs_are_sent_as_a_filter_and_applied_exactly_so_10_10_is_not_10_100() -> None:
    sent: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(body_of(request))
        return httpx.Response(200, json=cfda_page([result("10.100", "500.00"), result("10.10", "7.00")]))

    with client_for(handler) as client:
        extract = fetch_usaspending_year(client, 2024, programs=["10.10", " 10.10 "])

    assert sent[0]["filters"]["program_numbers"] == ["10.10"]
    assert by_aln(extract.rows) == {"10.10": Decimal("7.00")}


def test_a_program_number_that_is_not_a_string_is_refused_before_any_request() -> None:
    with client_for(lambda r: httpx.Response(500)) as client:
        with pytest.raises(TypeError, match="must be a string"):
            fetch_usaspending_year(client, 2024, programs=[10.1])  # type: ignore[list-item]
    assert client.requests == 0


# --- amounts ------------------------------------------------------------------------------------


def test_the_recorded_page_is_read_with_exact_amounts() -> None:
    text = (FIXTURES / "usaspending_cfda_page.json").read_text()
    with client_for(lambda r: httpx.Response(200, text=text)) as client:
        extract = fetch_usaspending_year(client, 2024)

    assert by_aln(extract.rows) == {
        "93.778": Decimal("228568985616.37"),
        "10.551": Decimal("1234567.89"),
        "84.063": Decimal("-1500.10"),
    }
    assert extract.rows[0].program_title == "Medical Assistance Program"
    assert extract.pages[0].body == text  # kept verbatim for tracing any figure back


def test_amounts_may_be_strings_null_stays_unknown_and_zero_stays_zero() -> None:
    rows, has_next = parse_cfda_page(
        cfda_page([result("1.1", "1,234.50"), result("1.2", None), result("1.3", 0), result("1.4", Decimal("0.120"))]),
        fiscal_year=2024,
        url="u",
    )

    assert has_next is False
    assert by_aln(rows) == {"1.1": Decimal("1234.50"), "1.2": None, "1.3": Decimal("0"), "1.4": Decimal("0.12")}
    assert rows[2].usaspending_obligations is not None and rows[2].usaspending_obligations == Decimal("0")  # an explicit zero, not missing


def test_a_numeric_aln_code_is_refused_because_10_10_and_10_100_cannot_be_told_apart() -> None:
    for code in (Decimal("10.1"), 93):
        with pytest.raises(MalformedPayload) as caught:
            parse_cfda_page(cfda_page([result(code, 1)]), fiscal_year=2024, url="u", page_number=2)
        message = str(caught.value)
        assert f"code {code} is a number" in message and "FY2024 page 2" in message


def test_a_bad_amount_names_fiscal_year_page_and_aln() -> None:
    with pytest.raises(MalformedPayload, match=r"FY2021 page 4 .*ALN 10\.551\): amount 'lots' is not an amount"):
        parse_cfda_page(cfda_page([result("10.551", "lots")]), fiscal_year=2021, url="u", page_number=4)


@pytest.mark.parametrize(("amount", "reason"), [
    ("1.000,50", "is not an amount"), ("1,23", "is not an amount"), (Decimal("0.125"), "has digits below a cent"),
])
def test_an_ill_formed_amount_is_refused_naming_year_aln_and_the_raw_value(amount: object, reason: str) -> None:
    """Never a guessed figure: '1.000,50' is not 1.00, '1,23' not 123, 0.125 not 0.12."""
    with pytest.raises(MalformedPayload) as caught:
        parse_cfda_page(cfda_page([result("10.551", amount)]), fiscal_year=2021, url="u", page_number=4)
    message = str(caught.value)
    assert "FY2021 page 4" in message and "ALN 10.551" in message and "amount" in message
    assert f"{amount!r} {reason}" in message


def test_a_row_without_a_code_is_skipped_with_a_warning() -> None:
    warnings: list[str] = []
    rows, _ = parse_cfda_page(cfda_page([result(None, 5), result("1.1", 1)]), fiscal_year=2024, url="u",
                              warnings=warnings)

    assert [r.program_number for r in rows] == ["1.1"]
    assert len(warnings) == 1 and "no ALN code" in warnings[0]


# --- malformed pages ----------------------------------------------------------------------------


def test_a_page_without_results_names_the_fiscal_year_the_page_and_what_is_missing() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"detail": "surprise", "page_metadata": {"page": 1, "hasNext": False}})

    with client_for(handler) as client:
        with pytest.raises(MalformedPayload) as caught:
            fetch_usaspending_year(client, 2019)

    message = str(caught.value)
    assert "FY2019 page 1" in message and "has no results list" in message and CFDA_PATH in message


def test_other_malformed_shapes_are_named() -> None:
    with pytest.raises(MalformedPayload, match="response is a list, not a JSON object"):
        parse_cfda_page([], fiscal_year=2024, url="u")
    with pytest.raises(MalformedPayload, match="results is a string, not a list"):
        parse_cfda_page({"results": "none"}, fiscal_year=2024, url="u")
    with pytest.raises(MalformedPayload, match="no page_metadata"):
        parse_cfda_page({"results": []}, fiscal_year=2024, url="u")
    with pytest.raises(MalformedPayload, match="no true/false hasNext"):
        parse_cfda_page({"results": [], "page_metadata": {"hasNext": "yes"}}, fiscal_year=2024, url="u")


def test_a_non_json_body_is_malformed_and_the_error_names_the_fiscal_year_and_page() -> None:
    pages = {1: [result("1.1", 1)], 2: [result("1.2", 2)]}
    good = paged_server(pages)

    def handler(request: httpx.Request) -> httpx.Response:
        if body_of(request)["page"] == 2:
            return httpx.Response(200, text="<html>upstream proxy error</html>")
        return good(request)

    with client_for(handler) as client:
        with pytest.raises(MalformedPayload, match=r"^usaspending FY2024 page 2: response to POST .* is not JSON"):
            fetch_usaspending_year(client, 2024)


# --- the same ALN twice -------------------------------------------------------------------------


def test_an_identical_row_repeated_on_a_later_page_is_paging_drift_and_kept_once() -> None:
    pages = {1: [result("10.551", "200.00"), result("93.778", "100.00")], 2: [result("93.778", "100.00")]}
    with client_for(paged_server(pages)) as client:
        extract = fetch_usaspending_year(client, 2024, page_size=2)

    assert by_aln(extract.rows) == {"10.551": Decimal("200.00"), "93.778": Decimal("100.00")}
    assert any("93.778 came back again identically on page 2" in w for w in extract.warnings)


def test_the_same_aln_with_different_figures_is_summed_with_a_warning() -> None:
    pages = {1: [result("10.551", "200.00", "SNAP")], 2: [result("10.551", "0.10", "SNAP (old title)")]}
    with client_for(paged_server(pages)) as client:
        extract = fetch_usaspending_year(client, 2024)

    assert by_aln(extract.rows) == {"10.551": Decimal("200.10")}
    assert extract.rows[0].program_title == "SNAP"
    assert any("10.551 came back twice with different figures" in w and "200.10" in w for w in extract.warnings)


# --- several years ------------------------------------------------------------------------------


def concurrency_probe(delay: float = 0.03) -> tuple[Handler, Callable[[], int]]:
    """A server that notes the most requests it ever had in flight at once."""
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        body = body_of(request)
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(delay)
        with lock:
            state["now"] -= 1
        fy = int(body["filters"]["time_period"][0]["end_date"][:4])
        page = body["page"]
        return httpx.Response(200, json=cfda_page([result(f"{fy}.{page}", fy)], page=page, has_next=page < 2))

    return handler, lambda: state["peak"]


def test_several_years_run_concurrently_within_the_bound_and_come_back_in_year_order() -> None:
    handler, peak = concurrency_probe()
    with client_for(handler, max_concurrency=8) as client:
        extracts = fetch_usaspending_years(client, [2023, 2020, 2022, 2021, 2022], concurrency=2)

    assert [e.fiscal_year for e in extracts] == [2020, 2021, 2022, 2023]
    assert peak() == 2
    assert [e.requests for e in extracts] == [2, 2, 2, 2]  # each year counts only its own requests
    assert client.requests == 8
    assert [r.program_number for r in extracts[0].rows] == ["2020.1", "2020.2"]


def test_the_client_concurrency_limit_also_holds_when_more_threads_are_allowed() -> None:
    handler, peak = concurrency_probe(delay=0.01)
    with client_for(handler, max_concurrency=1) as client:
        extracts = fetch_usaspending_years(client, [2020, 2021, 2022], concurrency=3)

    assert len(extracts) == 3 and peak() == 1


def test_the_first_failing_year_fails_the_whole_fetch() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if body_of(request)["filters"]["time_period"][0]["end_date"].startswith("2021"):
            return httpx.Response(400, json={"detail": "Field 'filters|time_period' is invalid"})
        return httpx.Response(200, json=cfda_page([result("1.1", 1)]))

    with client_for(handler) as client:
        with pytest.raises(ClientError, match="HTTP 400.*time_period' is invalid"):
            fetch_usaspending_years(client, [2020, 2021, 2022], concurrency=1)


def test_no_years_means_no_requests() -> None:
    with client_for(lambda r: httpx.Response(500)) as client:
        assert fetch_usaspending_years(client, []) == []
    assert client.requests == 0
