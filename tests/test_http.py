"""The shared HTTP layer: retries, budget, Decimal JSON and secrets that never leak."""
from __future__ import annotations

import json
import logging
import pickle
import random
import threading
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from email.utils import format_datetime

import httpx
import pytest

from connectors.amounts import to_cents
from connectors.errors import BudgetExceeded, ClientError, MalformedPayload, RetriesExhausted, SourceError
from connectors.http import RetryPolicy, SourceClient
from connectors.secrets import redact

KEY = "SAMKEY-0123456789abcdef"
BASE = "https://api.example.gov"
NO_JITTER = RetryPolicy(jitter=False)

Handler = Callable[[httpx.Request], httpx.Response]


class Sleeps(list[float]):
    """Records the delays the client asked for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_client(
    handler: Handler,
    *,
    sleeps: Sleeps | None = None,
    retry: RetryPolicy = NO_JITTER,
    source: str = "sam",
    **kwargs: object,
) -> SourceClient:
    return SourceClient(
        source,
        BASE,
        transport=httpx.MockTransport(handler),
        secret_params={"api_key": KEY},
        retry=retry,
        sleep=sleeps if sleeps is not None else Sleeps(),
        **kwargs,  # type: ignore[arg-type]
    )


def replies(*responses: httpx.Response | Exception) -> Handler:
    """A handler giving these responses (or raising these exceptions) in turn, then the last forever."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler


def ok(payload: object = None) -> httpx.Response:
    return httpx.Response(200, json={"ok": True} if payload is None else payload)


def all_text_of(exc: BaseException) -> str:
    """Everything a log or a traceback could show about an exception, its causes included."""
    parts = ["".join(traceback.format_exception(exc)), repr(exc), str(exc.args)]
    seen = exc.__cause__ or exc.__context__
    while seen is not None:
        parts += [repr(seen), str(seen)]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)


# --- happy path ---------------------------------------------------------------------------------


def test_get_sends_the_api_key_but_the_raw_page_url_never_shows_it() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, text='{"amount": 1234567.89, "n": 3}')

    with make_client(handler) as client:
        payload, page = client.request_json("GET", "/search", params={"pageNumber": 2}, page_number=2)

    assert seen[0].params["api_key"] == KEY
    assert page.url == f"{BASE}/search?pageNumber=2"
    assert KEY not in page.url
    assert page.body == '{"amount": 1234567.89, "n": 3}'
    assert (page.source, page.method, page.status_code, page.page_number) == ("sam", "GET", 200, 2)
    assert page.request_body is None and page.fiscal_year is None
    assert page.fetched_at.utcoffset() == timedelta(0)  # UTC, not merely aware


def test_money_in_json_is_parsed_as_exact_decimal_never_float() -> None:
    body = '{"a": 1234567.89, "b": 0.1, "c": 0.2, "big": 228568985616.37, "n": 7}'
    with make_client(replies(httpx.Response(200, text=body))) as client:
        payload, _ = client.request_json("GET", "/x")

    assert payload["a"] == Decimal("1234567.89")
    assert payload["b"] + payload["c"] == Decimal("0.3")
    assert payload["big"] == Decimal("228568985616.37")
    assert payload["n"] == 7 and isinstance(payload["n"], int)


def test_post_keeps_the_exact_json_text_it_sent() -> None:
    received: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        received.append(request.content)
        assert request.headers["Content-Type"] == "application/json"
        return ok()

    with make_client(handler, source="usaspending") as client:
        _, page = client.request_json("POST", "/api/v2/x/", json_body={"page": 1, "limit": 100}, fiscal_year=2024)

    assert page.request_body == received[0].decode()
    assert json.loads(page.request_body) == {"page": 1, "limit": 100}
    assert (page.method, page.fiscal_year, page.source) == ("POST", 2024, "usaspending")


# --- retries ------------------------------------------------------------------------------------


def test_429_waits_exactly_as_long_as_retry_after_says() -> None:
    sleeps = Sleeps()
    handler = replies(httpx.Response(429, headers={"Retry-After": "7"}), ok())
    with make_client(handler, sleeps=sleeps, retry=RetryPolicy()) as client:  # jitter on: ignored for Retry-After
        payload, _ = client.request_json("GET", "/x")

    assert payload == {"ok": True}
    assert sleeps == [7.0]
    assert client.requests == 2


def test_retry_after_may_be_an_http_date() -> None:
    sleeps = Sleeps()
    soon = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    handler = replies(httpx.Response(503, headers={"Retry-After": soon}), ok())
    with make_client(handler, sleeps=sleeps) as client:
        client.request_json("GET", "/x")

    assert len(sleeps) == 1 and 20 < sleeps[0] <= 30


def test_a_retry_after_longer_than_the_cap_gives_up_instead_of_sleeping_for_hours() -> None:
    sleeps = Sleeps()
    handler = replies(httpx.Response(429, headers={"Retry-After": "3600"}))
    with make_client(handler, sleeps=sleeps, retry=RetryPolicy(max_retry_after=300)) as client:
        with pytest.raises(RetriesExhausted) as caught:
            client.request_json("GET", "/x")

    assert sleeps == []
    assert client.requests == 1
    message = str(caught.value)
    assert "429" in message and "3,600s" in message and "300s" in message
    assert caught.value.status_code == 429


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_with_exponential_backoff(status: int) -> None:
    sleeps = Sleeps()
    handler = replies(httpx.Response(status), httpx.Response(status), httpx.Response(status), ok())
    with make_client(handler, sleeps=sleeps) as client:
        payload, page = client.request_json("GET", "/x")

    assert payload == {"ok": True} and page.status_code == 200
    assert sleeps == [1.0, 2.0, 4.0]
    assert client.requests == 4


def test_backoff_is_capped_by_backoff_max() -> None:
    sleeps = Sleeps()
    policy = RetryPolicy(max_attempts=6, backoff_initial=10, backoff_max=25, jitter=False)
    with make_client(replies(httpx.Response(502)), sleeps=sleeps, retry=policy) as client:
        with pytest.raises(RetriesExhausted, match="still failing after 6 attempts; last error: 502"):
            client.request_json("GET", "/x")

    assert sleeps == [10, 20, 25, 25, 25]


def test_full_jitter_picks_a_delay_between_zero_and_the_exponential_ceiling() -> None:
    sleeps = Sleeps()
    policy = RetryPolicy(max_attempts=5, backoff_initial=1, backoff_max=60, jitter=True)
    with make_client(replies(httpx.Response(500)), sleeps=sleeps, retry=policy, rng=random.Random(7)) as client:
        with pytest.raises(RetriesExhausted, match="still failing after 5 attempts; last error: 500"):
            client.request_json("GET", "/x")

    ceilings = [1, 2, 4, 8]
    assert len(sleeps) == 4
    assert all(0 <= s <= c for s, c in zip(sleeps, ceilings))
    assert sleeps != [float(c) for c in ceilings]


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("connection refused"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
        httpx.ReadError("connection reset by peer"),
        httpx.RemoteProtocolError("server disconnected without sending a response"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_network_errors_and_timeouts_are_retried(error: Exception) -> None:
    sleeps = Sleeps()
    with make_client(replies(error, ok()), sleeps=sleeps) as client:
        payload, _ = client.request_json("GET", "/x")

    assert payload == {"ok": True}
    assert sleeps == [1.0]
    assert client.requests == 2


def test_an_empty_200_body_is_a_transient_glitch_and_is_retried() -> None:
    sleeps = Sleeps()
    with make_client(replies(httpx.Response(200, text=""), ok()), sleeps=sleeps) as client:
        payload, page = client.request_json("GET", "/x")

    assert payload == {"ok": True}
    assert json.loads(page.body) == {"ok": True}  # the page kept is the good one
    assert client.requests == 2


def test_retries_exhausted_says_how_many_attempts_and_the_last_error() -> None:
    sleeps = Sleeps()
    handler = replies(httpx.Response(503), httpx.ReadTimeout("read timed out"))
    with make_client(handler, sleeps=sleeps, retry=RetryPolicy(max_attempts=3, jitter=False)) as client:
        with pytest.raises(RetriesExhausted) as caught:
            client.request_json("GET", "/x")

    message = str(caught.value)
    assert "after 3 attempts" in message
    assert "ReadTimeout" in message
    assert client.requests == 3 and len(sleeps) == 2
    assert "\n" not in message


def test_each_retry_is_logged_with_source_status_path_and_delay(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with make_client(replies(httpx.Response(503), ok()), source="usaspending") as client:
        client.request_json("POST", "/api/v2/search/spending_by_category/cfda/", json_body={})

    warnings = [r.getMessage() for r in caplog.records if r.name == "spendrecon.http"]
    assert warnings == ["usaspending: 503 on POST /api/v2/search/spending_by_category/cfda/, retry 1/5 in 1.0s"]


# --- errors that are not retried ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "server_message"),
    [
        (400, {"detail": "Field 'limit' must be <= 100"}, "Field 'limit' must be <= 100"),
        (401, {"error": {"code": "API_KEY_INVALID", "message": "An invalid api_key was supplied"}},
         "An invalid api_key was supplied"),
        (404, {"message": "No data found"}, "No data found"),
        (422, "plain text complaint", "plain text complaint"),
    ],
)
def test_client_errors_fail_at_once_with_status_and_server_message(
    status: int, body: object, server_message: str
) -> None:
    sleeps = Sleeps()
    response = httpx.Response(status, text=body) if isinstance(body, str) else httpx.Response(status, json=body)
    with make_client(replies(response), sleeps=sleeps) as client:
        with pytest.raises(ClientError) as caught:
            client.request_json("GET", "/x")

    assert caught.value.status_code == status
    assert caught.value.source == "sam"
    assert f"HTTP {status}" in str(caught.value)
    assert server_message in str(caught.value)
    assert client.requests == 1 and sleeps == []


def test_a_long_server_message_is_cut_to_one_short_line() -> None:
    body = "<html>\n" + "x" * 5000 + "\n</html>"
    with make_client(replies(httpx.Response(400, text=body))) as client:
        with pytest.raises(ClientError) as caught:
            client.request_json("GET", "/x")

    message = str(caught.value)
    assert "\n" not in message
    assert len(message) < 500


def test_a_200_that_is_not_json_is_malformed_and_not_retried() -> None:
    sleeps = Sleeps()
    with make_client(replies(httpx.Response(200, text="<html>Service page</html>")), sleeps=sleeps) as client:
        with pytest.raises(MalformedPayload) as caught:
            client.request_json("GET", "/search", params={"pageNumber": 1})

    message = str(caught.value)
    assert "not JSON" in message and f"{BASE}/search?pageNumber=1" in message and "<html>" in message
    assert client.requests == 1 and sleeps == []


def test_nan_is_not_accepted_as_a_json_number() -> None:
    with make_client(replies(httpx.Response(200, text='{"amount": NaN}'))) as client:
        with pytest.raises(MalformedPayload, match=r"is not JSON \(ValueError: NaN is not a valid JSON number\)"):
            client.request_json("GET", "/x")


# --- request budget -----------------------------------------------------------------------------


def test_the_budget_stops_the_request_that_would_exceed_it() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return ok()

    with make_client(handler, request_budget=2) as client:
        assert client.remaining_budget() == 2
        client.request_json("GET", "/a")
        client.request_json("GET", "/b")
        assert client.remaining_budget() == 0
        with pytest.raises(BudgetExceeded) as caught:
            client.request_json("GET", "/c")

    assert len(calls) == 2 and client.requests == 2
    assert "sam: request budget of 2 would be exceeded" in str(caught.value)
    assert "/c" in str(caught.value)


def test_retries_count_against_the_budget() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503)

    with make_client(handler, request_budget=3) as client:
        with pytest.raises(BudgetExceeded) as caught:
            client.request_json("GET", "/x")

    assert len(calls) == 3 and client.requests == 3
    assert "retry 3" in str(caught.value)


def test_an_unlimited_client_has_no_remaining_budget_figure() -> None:
    with make_client(replies(ok())) as client:
        assert client.remaining_budget() is None
        assert client.request_budget is None


# --- secrets ------------------------------------------------------------------------------------


def test_the_api_key_never_appears_in_errors_urls_or_logs_even_when_httpx_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, as verbose as it gets

    def handler(request: httpx.Request) -> httpx.Response:
        # Real httpx/httpcore errors may quote the full URL, key and all.
        raise httpx.ConnectError(f"cannot connect to {request.url}")

    with make_client(handler, retry=RetryPolicy(max_attempts=2, jitter=False)) as client:
        with pytest.raises(RetriesExhausted) as caught:
            client.request_json("GET", "/search", params={"pageNumber": 1})

    assert "ConnectError" in str(caught.value)
    assert KEY not in all_text_of(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert KEY not in caplog.text
    assert all(KEY not in r.getMessage() for r in caplog.records)


def test_the_api_key_is_redacted_from_server_text_echoed_into_errors() -> None:
    echo = {"error": {"message": f"api_key {KEY} is not valid"}}
    with make_client(replies(httpx.Response(401, json=echo))) as client:
        with pytest.raises(ClientError) as caught:
            client.request_json("GET", "/x")
    assert KEY not in all_text_of(caught.value)
    assert "api_key *** is not valid" in str(caught.value)

    with make_client(replies(httpx.Response(200, text=f"oops {KEY}"))) as client:
        with pytest.raises(MalformedPayload) as malformed:
            client.request_json("GET", "/x")
    assert KEY not in all_text_of(malformed.value)


def test_httpx_request_logging_is_silenced_and_redacted_even_if_turned_back_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # someone debugging turns httpx up
    with make_client(replies(ok())) as client:
        client.request_json("GET", "/x")

    httpx_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert httpx_lines and all(KEY not in line for line in httpx_lines)
    assert "api_key=***" in httpx_lines[0]


def test_redact_replaces_raw_and_url_encoded_secrets() -> None:
    secret = "abc+/= key"
    SourceClient("sam", BASE, transport=httpx.MockTransport(replies(ok())), secret_params={"api_key": secret}).close()
    text = redact(f"raw {secret} quoted abc%2B%2F%3D%20key plus abc%2B%2F%3D+key")
    assert secret not in text and "%2B" not in text
    assert text.count("***") == 3


def test_even_a_very_short_key_is_kept_out_of_its_own_client_errors_without_blanking_other_text() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to {request.url} (key Q7)")

    client = SourceClient("sam", BASE, transport=httpx.MockTransport(handler), secret_params={"api_key": "Q7"},
                          retry=RetryPolicy(max_attempts=1), sleep=Sleeps())
    with client, pytest.raises(RetriesExhausted) as caught:
        client.request_json("GET", "/x")

    assert "Q7" not in all_text_of(caught.value)
    assert "api_key=***" in str(caught.value)
    assert redact("Q7 is only secret to its own client") == "Q7 is only secret to its own client"


def test_a_wrong_url_scheme_fails_at_once_without_retrying() -> None:
    sleeps = Sleeps()
    client = SourceClient("sam", "ftp://api.sam.gov", secret_params={"api_key": KEY}, sleep=sleeps)
    with client, pytest.raises(SourceError) as caught:
        client.request_json("GET", "/x")

    assert "UnsupportedProtocol" in str(caught.value) and KEY not in all_text_of(caught.value)
    assert sleeps == [] and client.requests == 1


def test_source_errors_are_one_line_and_carry_their_source() -> None:
    err = SourceError(f"sam: two\nlines with {KEY}", source="sam", status_code=500)
    assert str(err) == "sam: two lines with ***"
    assert (err.source, err.status_code) == ("sam", 500)


def test_source_errors_survive_pickling_as_prefect_does_with_task_failures() -> None:
    err = ClientError("sam: refused", source="sam", status_code=404)
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is ClientError
    assert (str(copy), copy.source, copy.status_code) == ("sam: refused", "sam", 404)


# --- concurrency --------------------------------------------------------------------------------


def test_max_concurrency_bounds_in_flight_requests_across_threads() -> None:
    lock = threading.Lock()
    in_flight = 0
    peak = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return ok()

    with make_client(handler, max_concurrency=2) as client:
        threads = [threading.Thread(target=client.request_json, args=("GET", f"/{i}")) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    assert peak == 2
    assert client.requests == 8


# --- money --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        (0, Decimal("0.00")),
        ("0", Decimal("0.00")),
        (Decimal("1234567.89"), Decimal("1234567.89")),
        ("$1,234,567.89", Decimal("1234567.89")),
        ("-$1,500.10", Decimal("-1500.10")),
        ("(2,000)", Decimal("-2000.00")),
        (1234567.89, Decimal("1234567.89")),  # a float that slipped through is read by its shortest text
        ("1,234", Decimal("1234.00")),
        ("$ 1,000.00", Decimal("1000.00")),
        ("+5", Decimal("5.00")),
        ("1.5", Decimal("1.50")),
        (" ($2,000.5) ", Decimal("-2000.50")),
        (Decimal("1.500"), Decimal("1.50")),  # trailing zeros are no sub-cent digits
        ("007", Decimal("7.00")),
    ],
)
def test_to_cents_reads_money_exactly(raw: object, expected: Decimal | None) -> None:
    assert to_cents(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "NaN", True, [1], "Infinity"])
def test_to_cents_refuses_what_is_not_an_amount(raw: object) -> None:
    with pytest.raises(ValueError, match=r" is not an amount"):
        to_cents(raw)


@pytest.mark.parametrize(("raw", "reason"), [
    ("1,23", "is not an amount"),  # a comma out of place: not 123
    ("1.000,50", "is not an amount"),  # a European decimal comma: not 1.00
    ("1,0000", "is not an amount"),
    (",100", "is not an amount"),
    ("0,123", "is not an amount"),
    ("1 000", "is not an amount"),  # grouped with a blank
    ("1e5", "is not an amount"),
    ("$-5", "is not an amount"),
    ("(1,000", "is not an amount"),
    ("-(5)", "is not an amount"),
    ("\u0661\u0662", "is not an amount"),  # Arabic-Indic digits
    ("5.", "is not an amount"),
    ("$ 1,000.004", "has digits below a cent"),  # not 1000.00
    ("0.125", "has digits below a cent"),  # not rounded half-even to 0.12
    ("12.00001", "has digits below a cent"),
    (Decimal("1000.004"), "has digits below a cent"),
    (0.1 + 0.2, "has digits below a cent"),  # 0.30000000000000004
    (Decimal("1E-30"), "has digits below a cent"),
    (Decimal("1E+30"), "beyond the largest amount"),
])
def test_to_cents_refuses_a_malformed_amount_rather_than_guess(raw: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as exc:
        to_cents(raw)
    assert repr(raw) in str(exc.value)  # the raw value, as the source sent it


def test_a_response_that_echoes_the_request_url_is_stored_without_the_key():
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"links": [{"rel": "self", "href": str(request.url)}]})

    with make_client(echo) as client:
        payload, page = client.request_json("GET", "/search", params={"pageNumber": 1})
    assert KEY in json.dumps(payload)  # what the source sent, used in memory only
    assert KEY not in page.body and KEY not in page.url
    assert "***" in page.body


def test_amounts_beyond_the_warehouse_precision_are_refused_where_they_are_read():
    assert to_cents("9999999999999999.99") == Decimal("9999999999999999.99")  # the largest, kept exactly
    with pytest.raises(ValueError, match="beyond the largest amount stored"):
        to_cents(Decimal("10000000000000000"))


# --- a host that cannot be reached ----------------------------------------------------------------


def test_an_unreachable_host_is_retried_briefly_logged_once_and_named_with_the_network(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from connectors.errors import Unreachable
    from connectors.http import CONNECT_ATTEMPTS, CONNECT_BACKOFF_MAX

    caplog.set_level(logging.WARNING, logger="spendrecon.http")

    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")

    sleeps = Sleeps()
    client = SourceClient("usaspending", "https://api.usaspending.gov", transport=httpx.MockTransport(offline),
                          retry=RetryPolicy(max_attempts=6, backoff_initial=1, backoff_max=60), sleep=sleeps,
                          max_concurrency=5)
    errors: list[BaseException] = []

    def fetch(year: int) -> None:
        try:
            client.request_json("POST", "/api/v2/search/spending_by_category/cfda/", json_body={}, fiscal_year=year)
        except BaseException as exc:  # noqa: BLE001 - inspected below
            errors.append(exc)

    threads = [threading.Thread(target=fetch, args=(year,)) for year in range(2019, 2024)]
    with client:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(errors) == 5 and all(isinstance(e, Unreachable) for e in errors)
    assert client.requests == 5 * CONNECT_ATTEMPTS  # not max_attempts (6) each
    assert all(s <= CONNECT_BACKOFF_MAX for s in sleeps) and len(sleeps) == 5 * (CONNECT_ATTEMPTS - 1)
    text = str(errors[0])
    assert "cannot reach api.usaspending.gov: its name does not resolve" in text
    assert "network" in text and text.startswith("usaspending FY20")
    warnings = [r.getMessage() for r in caplog.records if r.name == "spendrecon.http"]
    assert warnings == ["usaspending: cannot reach api.usaspending.gov (its name does not resolve (no network, or "
                        "no DNS)); retrying briefly"]


def test_a_refused_connection_is_unreachable_too_and_a_blip_still_recovers() -> None:
    from connectors.errors import Unreachable

    with make_client(replies(httpx.ConnectError("[Errno 111] Connection refused"))) as client:
        with pytest.raises(Unreachable, match="cannot reach api.example.gov: the connection was refused"):
            client.request_json("GET", "/x")
    with make_client(replies(httpx.ConnectError("[Errno -3] Temporary failure in name resolution"), ok())) as client:
        assert client.request_json("GET", "/x")[0] == {"ok": True}
