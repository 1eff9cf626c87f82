"""The run's HTTP clients are built from spendrecon.yaml's `http:` settings: observed on the wire
(how many attempts, which Retry-After is waited out and which is refused), not only read back."""
from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from connectors.errors import RetriesExhausted
from connectors.http import RetryPolicy
from spendrecon.config import load_settings
from spendrecon.pipeline import RunPlan, extract_sam, extract_usaspending, plan_run, sam_client, usaspending_client

HTTP = {"max_attempts": 3, "backoff_initial_seconds": 0.01, "backoff_max_seconds": 0.02,
        "max_retry_after_seconds": 2}


def _plan(tmp_path: Path, handler) -> RunPlan:  # type: ignore[no-untyped-def]
    settings = load_settings(None, overrides={
        "fiscal_years": [2023], "warehouse": str(tmp_path / "w.duckdb"), "data_dir": str(tmp_path / "data"),
        "reports_dir": str(tmp_path / "reports"), "http": HTTP}, environ={})
    return plan_run(settings, demo=True, transport=httpx.MockTransport(handler))


def test_the_configured_policy_is_the_clients(tmp_path: Path) -> None:
    plan = _plan(tmp_path, lambda request: httpx.Response(200, json={}))
    expected = RetryPolicy(max_attempts=3, backoff_initial=0.01, backoff_max=0.02, max_retry_after=2)
    for client in (sam_client(plan), usaspending_client(plan)):
        try:
            assert client.retry == expected
        finally:
            client.close()


@pytest.mark.parametrize("source", ["sam", "usaspending"])
def test_max_attempts_reaches_the_wire(tmp_path: Path, source: str) -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(503, text="busy")

    plan = _plan(tmp_path, handler)
    client = sam_client(plan) if source == "sam" else usaspending_client(plan)
    try:
        with pytest.raises(RetriesExhausted, match="still failing after 3 attempts; last error: 503"):
            extract_sam(plan, client) if source == "sam" else extract_usaspending(plan, client, 2023)
    finally:
        client.close()
    assert len(asked) == 3  # the default policy would have asked 6 times


def test_a_retry_after_within_the_configured_limit_is_waited_out_and_a_longer_one_refused(tmp_path: Path) -> None:
    times: list[float] = []
    answers = iter([httpx.Response(429, headers={"Retry-After": "1"}, text="slow down"),
                    httpx.Response(429, headers={"Retry-After": "3"}, text="slow down")])

    def handler(request: httpx.Request) -> httpx.Response:
        times.append(time.monotonic())
        return next(answers)

    plan = _plan(tmp_path, handler)
    client = usaspending_client(plan)
    try:
        # 3 s is within the default limit (300 s): refused only because the configured 2 s reached the client.
        with pytest.raises(RetriesExhausted, match="asking to retry after 3s, longer than the 2s we are willing"):
            extract_usaspending(plan, client, 2023)
    finally:
        client.close()
    assert len(times) == 2
    assert times[1] - times[0] >= 1.0  # the 1 s asked for was waited, not the configured 0.02 s back-off
