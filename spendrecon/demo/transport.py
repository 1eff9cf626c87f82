"""An httpx transport that answers from the in-process emulator instead of the network.

Hand it to ``httpx.Client(transport=...)`` and the real connectors (URLs, paging, retries,
JSON parsing) run exactly as they would live. The host is ignored: both APIs are routed by
path, so the configured base URLs can stay the real ones.

This module is the demo's one door for production code (pyproject.toml's import contracts): what
a command with ``--demo`` needs besides the transport is re-exported here, namely the vintages
``run --demo-vintage`` offers with each one's snapshot date and run window (its defaults), and the demo's Award Data Archive files ``ingest-archive --demo``
writes.
"""
from __future__ import annotations

from urllib.parse import parse_qs

import httpx

from spendrecon.demo.apis import ApiEmulator, FaultPlan
# Re-exported: production code reaches demo code only here.
from spendrecon.demo.archive import write_demo_archive  # noqa: F401
from spendrecon.demo.vintage import VINTAGE_DATES, VINTAGE_YEARS, VINTAGES  # noqa: F401


class EmulatorTransport(httpx.BaseTransport):
    def __init__(self, emulator: ApiEmulator) -> None:
        self.emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # keep_blank_values: "api_key=" must reach the emulator as present-but-empty.
        query = parse_qs(request.url.query.decode("ascii"), keep_blank_values=True)
        status, headers, body = self.emulator.handle(
            request.method, request.url.path, query, request.read()
        )
        return httpx.Response(status, headers=headers, content=body, request=request)


def demo_transport(faults: FaultPlan | None = None, vintage: int = 1) -> EmulatorTransport:
    """A transport over the committed demo bundle (or a later vintage of it, spendrecon.demo.vintage);
    any non-empty SAM.gov api_key is accepted."""
    from spendrecon.demo.vintage import demo_bundle

    return EmulatorTransport(ApiEmulator(demo_bundle(vintage), faults=faults))
