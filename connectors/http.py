"""One HTTP client for every source: retries, a request budget, and secrets kept out of sight.

Everything a connector needs from the network goes through :meth:`SourceClient.request_json`, which
returns the parsed JSON (floats as ``Decimal``) together with the verbatim :class:`RawPage`.

Secrets (the SAM.gov ``api_key``) are added to the query string at the last moment and are removed
from every URL, log record and error message this module produces (``connectors.secrets`` keeps
them).  httpx itself puts full URLs in its exception messages and its INFO log lines, so neither is
ever allowed through: error messages are built here from the redacted URL, and the httpx loggers are
quietened and filtered.  What can go wrong is raised as one of ``connectors.errors``.
"""
from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from types import TracebackType
from typing import Any

import httpx

from connectors.errors import (BudgetExceeded, ClientError, MalformedPayload, RetriesExhausted, SourceError,
                               Unreachable, one_line)
from connectors.records import RawPage
from connectors.secrets import redact, register_secrets

log = logging.getLogger("spendrecon.http")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_STATUSES = frozenset({429, 503})
# A host that cannot be reached at all (no name resolution, connection refused) is asked this many
# times, with pauses of at most CONNECT_BACKOFF_MAX seconds: a blip passes in that time, an offline
# machine does not.
CONNECT_ATTEMPTS = 3
CONNECT_BACKOFF_MAX = 2.0
SERVER_MESSAGE_LIMIT = 300


# --- client -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 300.0  # a longer Retry-After means "come back tomorrow": give up instead
    jitter: bool = True

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")
        if self.backoff_initial < 0 or self.backoff_max < 0 or self.max_retry_after < 0:
            raise ValueError("RetryPolicy delays must not be negative")


@dataclass(frozen=True)
class _Failure:
    """Why one attempt failed in a way worth retrying."""

    what: str  # "503", "ConnectTimeout: ...", "empty 200 body"
    status_code: int | None
    retry_after: float | None = None
    unreachable: str | None = None  # the host could not be reached at all: why, in words


@dataclass(frozen=True)
class _Call:
    """What every message about one request names."""

    method: str
    url: str  # redacted
    who: str  # "usaspending FY2023 page 2": the source, and the fiscal year/page being fetched

    @property
    def path(self) -> str:
        return httpx.URL(self.url).path


class SourceClient:
    """A synchronous, thread-safe JSON client for one source.

    ``source`` is the short source id ("sam", "usaspending"): it is stored on every RawPage and
    begins every error message.
    """

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        timeout: float = 60.0,
        retry: RetryPolicy = RetryPolicy(),
        max_concurrency: int = 1,
        transport: httpx.BaseTransport | None = None,
        secret_params: Mapping[str, str] | None = None,
        request_budget: int | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        on_request: Callable[[], None] | None = None,
        on_page: Callable[[RawPage], None] | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if request_budget is not None and request_budget < 0:
            raise ValueError("request_budget must not be negative")
        self.source = source
        self.retry = retry
        self._secret_params = dict(secret_params or {})
        self._secrets = tuple(v for v in self._secret_params.values() if v)
        register_secrets(self._secret_params)
        self._budget = request_budget
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._lock = threading.Lock()
        self._requests = 0
        # Told of every attempt as it is made (the run's spool counts them, so that a run killed
        # outright still has its SAM.gov requests counted against the day's budget).
        self._on_request = on_request
        # Handed every response as it arrives (the run's spool keeps them, so that a run failing later, or
        # killed, still has what the source said: for SAM.gov, which overwrites its figures, the only record).
        self._on_page = on_page
        self._per_thread = threading.local()
        self._told_unreachable = False  # the first connection failure is logged, the rest are not
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", **dict(headers or {})},
            follow_redirects=False,  # a redirect could carry the api_key to another host
        )

    # --- counters ---------------------------------------------------------------------------
    @property
    def requests(self) -> int:
        """HTTP attempts made so far by this client, retries included."""
        with self._lock:
            return self._requests

    @property
    def requests_in_current_thread(self) -> int:
        """Attempts made by the calling thread; lets concurrent callers count their own share."""
        return int(getattr(self._per_thread, "count", 0))

    @property
    def request_budget(self) -> int | None:
        return self._budget

    def remaining_budget(self) -> int | None:
        if self._budget is None:
            return None
        with self._lock:
            return max(0, self._budget - self._requests)

    def _take_attempt(self, call: _Call, attempt: int) -> None:
        """Count one attempt, or refuse it if the budget is spent."""
        with self._lock:
            if self._budget is not None and self._requests >= self._budget:
                retrying = f" (retry {attempt - 1})" if attempt > 1 else ""
                raise BudgetExceeded(
                    f"{self.source}: request budget of {self._budget:,} would be exceeded by "
                    f"{call.method} {call.path}{retrying} ({call.who}); {self._requests:,} requests already made",
                    source=self.source,
                )
            self._requests += 1
            if self._on_request is not None:
                self._on_request()
        self._per_thread.count = self.requests_in_current_thread + 1

    # --- the one public verb ------------------------------------------------------------------
    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        page_number: int = 1,
        fiscal_year: int | None = None,
    ) -> tuple[Any, RawPage]:
        """Send one request (retrying transient failures) and return (parsed JSON, RawPage)."""
        method = method.upper()
        request_body = None if json_body is None else json.dumps(json_body, default=_json_default)
        request = self._client.build_request(
            method,
            path,
            params={**dict(params or {}), **self._secret_params},
            content=None if request_body is None else request_body.encode("utf-8"),
            headers=None if request_body is None else {"Content-Type": "application/json"},
        )
        call = _Call(method, self._public_url(request.url), self._who(fiscal_year, page_number))
        policy = self.retry
        for attempt in range(1, policy.max_attempts + 1):
            self._take_attempt(call, attempt)
            outcome = self._attempt(request, call)
            if isinstance(outcome, _Failure):
                self._wait_before_retry(outcome, call, attempt)
                continue
            response_text, status, payload = outcome
            page = RawPage(
                source=self.source,
                method=method,
                url=call.url,
                request_body=request_body,
                page_number=page_number,
                fiscal_year=fiscal_year,
                status_code=status,
                fetched_at=datetime.now(timezone.utc),
                body=self._redact(response_text),  # a source may echo the request URL, key and all
            )
            if self._on_page is not None:
                self._on_page(page)
            return payload, page
        raise AssertionError("unreachable: the last attempt either returns or raises")

    def _attempt(self, request: httpx.Request, call: _Call) -> _Failure | tuple[str, int, Any]:
        """One attempt: a retryable _Failure, a (text, status, payload) success, or a raise."""
        failure: _Failure | None = None
        fatal: str | None = None
        try:
            with self._slots:
                response = self._client.send(request)
                text = response.text  # read inside the slot: the body is part of the request's cost
        except httpx.UnsupportedProtocol as exc:  # a wrong base_url: asking again cannot help
            fatal = _describe_transport_error(exc)
        except httpx.ConnectError as exc:
            failure = _Failure(self._redact(_describe_transport_error(exc)), None, unreachable=_why_unreachable(exc))
        except (httpx.TransportError, httpx.DecodingError) as exc:
            # Only the exception's class and redacted text survive; the exception object (which
            # holds the request, hence the key) is not chained to anything we raise.
            failure = _Failure(self._redact(_describe_transport_error(exc)), None)
        except httpx.HTTPError as exc:
            fatal = _describe_transport_error(exc)
        if fatal is not None:
            raise SourceError(self._redact(f"{call.who}: {call.method} {call.url} failed: {fatal}"), source=self.source)
        if failure is not None:
            return failure
        status = response.status_code
        if status in RETRYABLE_STATUSES:
            retry_after = _retry_after_seconds(response) if status in RETRY_AFTER_STATUSES else None
            return _Failure(str(status), status, retry_after)
        if 400 <= status < 500:
            raise ClientError(
                self._redact(f"{call.who}: {call.method} {call.url} was refused with HTTP {status}: {_server_message(text)}"),
                source=self.source,
                status_code=status,
            )
        if not 200 <= status < 300:
            raise SourceError(
                self._redact(
                    f"{call.who}: {call.method} {call.url} answered HTTP {status}, which is not handled: "
                    f"{_server_message(text)}"
                ),
                source=self.source,
                status_code=status,
            )
        if not text.strip():
            # USAspending occasionally answers 200 with nothing under load; it is transient.
            return _Failure("empty 200 body", status)
        return text, status, self._parse(text, call, status)

    def _parse(self, text: str, call: _Call, status: int) -> Any:
        problem: str | None = None
        try:
            return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
        except ValueError as exc:
            problem = f"{type(exc).__name__}: {exc}"
        raise MalformedPayload(
            self._redact(
                f"{call.who}: response to {call.method} {call.url} is not JSON ({problem}); "
                f"body starts {_snippet(text, 120)!r}"
            ),
            source=self.source,
            status_code=status,
        )

    def _wait_before_retry(self, failure: _Failure, call: _Call, attempt: int) -> None:
        policy = self.retry
        if failure.unreachable is not None:
            self._wait_to_reconnect(failure, call, attempt)
            return
        if attempt >= policy.max_attempts:
            raise RetriesExhausted(
                f"{call.who}: {call.method} {call.url} still failing after {attempt} "
                f"attempt{'s' if attempt != 1 else ''}; last error: {failure.what}",
                source=self.source,
                status_code=failure.status_code,
            )
        if failure.retry_after is not None and failure.retry_after > policy.max_retry_after:
            raise RetriesExhausted(
                f"{call.who}: {call.method} {call.url} answered {failure.what} asking to retry after "
                f"{failure.retry_after:,.0f}s, longer than the {policy.max_retry_after:,.0f}s we are "
                f"willing to wait; gave up after {attempt} attempt{'s' if attempt != 1 else ''}",
                source=self.source,
                status_code=failure.status_code,
            )
        delay = failure.retry_after if failure.retry_after is not None else self._backoff(attempt)
        log.warning(
            "%s: %s on %s %s, retry %d/%d in %.1fs",
            self.source,
            failure.what,
            call.method,
            call.path,
            attempt,
            policy.max_attempts - 1,
            delay,
        )
        self._sleep(delay)

    def _wait_to_reconnect(self, failure: _Failure, call: _Call, attempt: int) -> None:
        """A host that cannot be reached: a few quick attempts, one warning per client (not one per
        attempt, page and fiscal year), then an error that names the host and the network."""
        host = httpx.URL(call.url).host
        if attempt >= min(self.retry.max_attempts, CONNECT_ATTEMPTS):
            raise Unreachable(
                f"{call.who}: cannot reach {host}: {failure.unreachable}. Check this machine's network "
                f"connection (and the {self.source} base URL); {call.method} {call.url} failed {attempt} "
                f"time{'s' if attempt != 1 else ''}, last error: {failure.what}",
                source=self.source,
            )
        with self._lock:
            tell, self._told_unreachable = not self._told_unreachable, True
        if tell:
            log.warning("%s: cannot reach %s (%s); retrying briefly", self.source, host, failure.unreachable)
        self._sleep(min(self._backoff(attempt), CONNECT_BACKOFF_MAX))

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter: spreads out clients that failed together."""
        policy = self.retry
        ceiling = min(policy.backoff_max, policy.backoff_initial * (2 ** (attempt - 1)))
        return self._rng.uniform(0, ceiling) if policy.jitter else ceiling

    def _public_url(self, url: httpx.URL) -> str:
        for name in self._secret_params:
            url = url.copy_remove_param(name)
        return self._redact(str(url))

    def _who(self, fiscal_year: int | None, page_number: int) -> str:
        # A fiscal-year fetch is always paged, so its page is worth naming; a plain GET's page 1 is not.
        if fiscal_year is not None:
            return f"{self.source} FY{fiscal_year} page {page_number}"
        return self.source if page_number == 1 else f"{self.source} page {page_number}"

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets)

    # --- lifecycle ----------------------------------------------------------------------------
    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SourceClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# --- helpers ------------------------------------------------------------------------------------


def _snippet(text: str, limit: int = SERVER_MESSAGE_LIMIT) -> str:
    text = one_line(redact(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"



def _reject_constant(name: str) -> Any:
    # NaN/Infinity are not JSON, and a NaN amount would poison every sum it touches.
    raise ValueError(f"{name} is not a valid JSON number")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


def _why_unreachable(exc: httpx.ConnectError) -> str:
    """What a connection failure means, in words: httpx passes on the socket error's text."""
    text = str(exc).lower()
    if any(s in text for s in ("name or service not known", "name resolution", "nodename nor servname",
                                "getaddrinfo", "no address associated", "name does not resolve")):
        return "its name does not resolve (no network, or no DNS)"
    if "refused" in text:
        return "the connection was refused"
    if "unreachable" in text:
        return "the network is unreachable"
    return "the connection failed"


def _describe_transport_error(exc: httpx.HTTPError) -> str:
    detail = _snippet(str(exc), 200)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


_MESSAGE_KEYS = ("detail", "message", "error_description", "errormessage", "error", "title", "messages")


def _server_message(text: str) -> str:
    """The human part of an error body: a JSON detail/message/error if there is one, else the text."""
    if not text.strip():
        return "(empty body)"
    try:
        payload = json.loads(text)
    except ValueError:
        return _snippet(text)
    found = _find_message(payload, depth=0)
    return _snippet(found if found else text)


def _find_message(value: Any, depth: int) -> str | None:
    if depth > 3:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, list):
        parts = [m for m in (_find_message(v, depth + 1) for v in value) if m]
        return "; ".join(parts) or None
    if isinstance(value, dict):
        lowered = {str(k).lower(): v for k, v in value.items()}
        for key in _MESSAGE_KEYS:
            if key in lowered:
                found = _find_message(lowered[key], depth + 1)
                if found:
                    return found
    return None


def _retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After as seconds (it may be a number of seconds or an HTTP-date); None if absent/unreadable."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        return None if math.isnan(seconds) else max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
